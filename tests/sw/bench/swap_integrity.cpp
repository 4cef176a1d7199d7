// The data-integrity run of tests/sw/swap_integrity.h at any size:
//   swap_integrity [--seed N] [--phys-mb M] [--factor F] [--ops N] [--procs P]
//                  [--files-on-device 0|1] [--thp-always 0|1]
// Exit status 0 when every load returned the last value stored.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tests/sw/swap_integrity.h"

int main(int argc, char* argv[]) {
  mmusim::sw::test::IntegrityParams ip;
  ip.ops = 1'000'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const uint64_t v = std::strtoull(argv[i + 1], nullptr, 10);
    if (!std::strcmp(argv[i], "--seed"))
      ip.seed = v;
    else if (!std::strcmp(argv[i], "--phys-mb"))
      ip.phys_pages = v * 256;
    else if (!std::strcmp(argv[i], "--factor"))
      ip.factor = v;
    else if (!std::strcmp(argv[i], "--ops"))
      ip.ops = v;
    else if (!std::strcmp(argv[i], "--procs"))
      ip.max_procs = static_cast<unsigned>(v);
    else if (!std::strcmp(argv[i], "--files-on-device"))
      ip.files_on_device = v != 0;
    else if (!std::strcmp(argv[i], "--thp-always"))
      ip.thp_always = v != 0;
    else {
      std::fprintf(stderr,
                   "usage: swap_integrity [--seed N] [--phys-mb M] [--factor F] [--ops N] "
                   "[--procs P] [--files-on-device 0|1] [--thp-always 0|1]\n");
      return 2;
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = mmusim::sw::test::run_integrity(ip);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf(
      "seed %llu, %llu MiB memory, working set %llu MiB, %llu ops in %.2f s: %llu loads checked, "
      "%llu stores, %llu forks, %llu exits, %llu msyncs, %llu preads, %llu pageouts; pswpout %llu, "
      "pswpin %llu, file pages written %llu, pgsteal %llu, oom kills %llu, THPs %llu (split "
      "%llu); shmem: %llu loads, %llu stores, %llu swapped back in by their access\n",
      static_cast<unsigned long long>(ip.seed),
      static_cast<unsigned long long>(ip.phys_pages / 256),
      static_cast<unsigned long long>(ip.phys_pages * ip.factor / 256),
      static_cast<unsigned long long>(ip.ops), s, static_cast<unsigned long long>(r.loads_checked),
      static_cast<unsigned long long>(r.stores), static_cast<unsigned long long>(r.forks),
      static_cast<unsigned long long>(r.exits), static_cast<unsigned long long>(r.msyncs),
      static_cast<unsigned long long>(r.preads), static_cast<unsigned long long>(r.pageouts),
      static_cast<unsigned long long>(r.stats.pswpout),
      static_cast<unsigned long long>(r.stats.pswpin),
      static_cast<unsigned long long>(r.stats.file_pages_written),
      static_cast<unsigned long long>(r.stats.pgsteal_kswapd + r.stats.pgsteal_direct),
      static_cast<unsigned long long>(r.stats.oom_kills),
      static_cast<unsigned long long>(r.stats.thp_fault_alloc),
      static_cast<unsigned long long>(r.stats.thp_split_pmd),
      static_cast<unsigned long long>(r.shmem_loads),
      static_cast<unsigned long long>(r.shmem_stores),
      static_cast<unsigned long long>(r.shmem_major_faults));
  if (!r.first_error.empty()) {
    std::printf("FAILED: %s\n", r.first_error.c_str());
    return 1;
  }
  std::printf("every load returned the last value stored\n");
  return 0;
}
