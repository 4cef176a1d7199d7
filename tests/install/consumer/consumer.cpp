// The whole installed package used from outside the tree: a YAML configuration read by
// mmusim::util, the system (hardware and kernel, mmusim::system) built from it, a workload that
// maps four pages and writes each once (four translation faults the kernel handles), and the
// statistics dumped by mmusim::stats_dump. With `rtl` as argument (mmusim::rtl installed) the
// platform's MMU is the Verilated RTL MMU (mmu.impl=rtl). Prints what it checks; exits 1 on the
// first difference.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <systemc>

#include <mmusim/model/stats/dump.h>
#include <mmusim/model/util/yaml.h>
#include <mmusim/system/platform_config.h>
#include <mmusim/version.h>
#ifdef CONSUMER_HAS_RTL
#include <mmusim/model/rtl/cosim_mmu.h>
#endif

namespace {

using namespace mmusim;

constexpr uint64_t kVa = 0x2000'0000'0000;
constexpr int kPages = 4;

void expect(bool ok, const std::string& what) {
  if (ok) return;
  std::fprintf(stderr, "package_consumer: %s\n", what.c_str());
  std::exit(1);
}

class FourPages : public Workload {
 public:
  void run(CpuPort& cpu) override {
    sw::Kernel& kernel = kernel_of(cpu);
    const sw::SyscallResult r = kernel.mmap(
        VirtAddr(kVa), kPages * arch::kPageSize, sw::abi::kProtRead | sw::abi::kProtWrite,
        sw::abi::kMapPrivate | sw::abi::kMapAnonymous | sw::abi::kMapFixed, -1, 0);
    expect(r.value == static_cast<int64_t>(kVa), "mmap returned " + std::to_string(r.value));
    cpu.charge(r.cost);
    for (int i = 0; i < kPages; ++i) {
      uint8_t v = static_cast<uint8_t>(0x11 * (i + 1));
      expect(cpu.access(arch::AccessKind::kWrite, VirtAddr(kVa + i * arch::kPageSize + 8), 1, &v) ==
                 AccessOutcome::kOk,
             "write to page " + std::to_string(i));
    }
    for (int i = 0; i < kPages; ++i) {
      uint8_t v = 0;
      expect(cpu.access(arch::AccessKind::kRead, VirtAddr(kVa + i * arch::kPageSize + 8), 1, &v) ==
                     AccessOutcome::kOk &&
                 v == 0x11 * (i + 1),
             "read back page " + std::to_string(i));
      ++read_back;
    }
  }
  int read_back = 0;
};

uint64_t stat(const util::Value& dump, const char* component, const char* name) {
  const util::Value* c = dump.find(component);
  expect(c && c->find(name), std::string("no statistic ") + component + "." + name);
  return c->find(name)->as_uint();
}

}  // namespace

int sc_main(int argc, char** argv) {
  const std::string impl = argc > 1 ? argv[1] : "cpp";
  std::printf("mmusim %s, package %s, %d headers\n", MMUSIM_VERSION, PACKAGE_VERSION, HEADER_COUNT);
  expect(std::strcmp(MMUSIM_VERSION, PACKAGE_VERSION) == 0,
         "<mmusim/version.h> and the package's version differ");
#ifdef CONSUMER_HAS_RTL
  rtl::register_rtl_mmu_impls();
#else
  expect(impl == "cpp", "mmusim::rtl is not installed");
#endif

  util::ConfigNode config(
      util::parse_yaml("mmu:\n  impl: " + impl + "\nkernel:\n  phys_mem: 16M\n", "consumer.yaml"));
  const PlatformParams params = read_platform_params(config);
  Platform platform("top", params);
  FourPages workload;
  platform.cpu.set_workload(&workload);
  sc_core::sc_start();

  const util::Value dump = stats::to_value(platform.stats_root());
  const uint64_t page_faults = stat(dump, "kernel", "page_faults");
  std::printf("mmu.impl %s: %d pages read back, kernel.page_faults %llu\n", impl.c_str(),
              workload.read_back, static_cast<unsigned long long>(page_faults));
  expect(workload.read_back == kPages && page_faults == kPages, "unexpected counts");
  if (impl == "rtl") {
    const uint64_t translations = stat(dump, "top.mmu_impl", "accesses");
    std::printf("top.mmu_impl.accesses %llu\n", static_cast<unsigned long long>(translations));
  }
  return 0;
}
