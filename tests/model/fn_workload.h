// A Workload that runs a test body (a lambda) on the platform's CPU thread.
#pragma once

#include <functional>
#include <utility>

#include "model/cpu/cpu_port.h"

namespace mmusim::test {

class FnWorkload : public Workload {
 public:
  explicit FnWorkload(std::function<void(CpuPort&)> fn) : m_fn(std::move(fn)) {}
  void run(CpuPort& cpu) override { m_fn(cpu); }

 private:
  std::function<void(CpuPort&)> m_fn;
};

}  // namespace mmusim::test
