// CoreDispatcher (testbench/core_dispatch.h) on a three-core platform: each
// posted operation runs on its core's thread and port, with the kernel on
// that core, starting when the previous one ended; errors come back to the
// driver; every core ends with the driver.
#include "testbench/core_dispatch.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "system/platform.h"
#include "tests/model/fn_workload.h"

namespace mmusim {
namespace {

using test::FnWorkload;

PlatformParams three_cores() {
  PlatformParams pp;
  pp.cores = 3;
  return pp;
}

TEST(CoreDispatch, EachOpRunsOnItsCoreWhenThePreviousOneEnded) {
  Platform p("top", three_cores());
  CoreDispatcher d(3);
  unsigned ran_on = 99, kernel_cpu = 99, inline_on = 99;
  uint64_t start2 = 0, back0 = 0, start1 = 0, end = 0;
  FnWorkload driver([&](CpuPort& cpu) {
    cpu.charge_kernel(Cycles(1000));
    d.run_on(2, cpu, [&](CpuPort& c) {
      ran_on = c.index();
      kernel_cpu = kernel_of(c).cpu();
      start2 = c.now().count();
      c.charge_kernel(Cycles(500));
    });
    back0 = cpu.now().count();
    d.run_on(1, cpu, [&](CpuPort& c) {
      start1 = c.now().count();
      c.charge_kernel(Cycles(250));
    });
    d.run_on(0, cpu, [&](CpuPort& c) { inline_on = c.index(); });
    end = cpu.now().count();
    d.stop();
  });
  p.run(d.workloads(driver));
  EXPECT_EQ(ran_on, 2u);
  EXPECT_EQ(kernel_cpu, 2u);
  EXPECT_EQ(inline_on, 0u);
  EXPECT_EQ(start2, 1000u);  // core 2 starts where core 0 posted
  EXPECT_EQ(back0, 1500u);   // core 0 resumes where core 2 ended
  EXPECT_EQ(start1, 1500u);
  EXPECT_EQ(end, 1750u);
  EXPECT_EQ(p.core(0).cpu.stats().kernel_cycles, 1000u);
  EXPECT_EQ(p.core(1).cpu.stats().kernel_cycles, 250u);
  EXPECT_EQ(p.core(2).cpu.stats().kernel_cycles, 500u);
  for (unsigned c = 0; c < 3; ++c)
    EXPECT_TRUE(p.core(c).cpu.finished()) << c;
}

TEST(CoreDispatch, AnOpsErrorIsRethrownOnTheDriverAndTheCoreRunsOn) {
  Platform p("top", three_cores());
  CoreDispatcher d(3);
  std::string what, range;
  bool again = false;
  FnWorkload driver([&](CpuPort& cpu) {
    try {
      d.run_on(1, cpu, [](CpuPort&) { throw std::runtime_error("boom on core 1"); });
    } catch (const std::runtime_error& e) {
      what = e.what();
    }
    d.run_on(1, cpu, [&](CpuPort&) { again = true; });
    try {
      d.run_on(3, cpu, [](CpuPort&) {});
    } catch (const std::out_of_range& e) {
      range = e.what();
    }
    d.stop();
  });
  p.run(d.workloads(driver));
  EXPECT_EQ(what, "boom on core 1");
  EXPECT_TRUE(again);
  EXPECT_EQ(range, "CoreDispatcher: core 3 of 3");
}

}  // namespace
}  // namespace mmusim
