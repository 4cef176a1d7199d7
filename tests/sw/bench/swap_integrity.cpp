// The data-integrity run of tests/sw/swap_integrity.h at any size:
//   swap_integrity [--seed N] [--phys-mb M] [--factor F] [--ops N] [--procs P]
//                  [--files-on-device 0|1] [--thp never|madvise|always] [--contpte 0|1]
//                  [--hafdbs 0|1] [--hugetlb-pages N] [--swap-kb K] [--phys-kb K]
//                  [--churn 0|1] (mprotect round trips and MADV_DONTNEED too)
// --thp madvise also advises MADV_HUGEPAGE on the private anonymous region;
// --swap-kb small enough ends in OOM kills, which must be clean.
// Exit status 0 when every load returned the last value stored.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tests/sw/swap_integrity.h"

int main(int argc, char* argv[]) {
  mmusim::sw::test::IntegrityParams ip;
  ip.ops = 1'000'000;
  for (int i = 1; i < argc; i += 2) {
    const char* arg = i + 1 < argc ? argv[i + 1] : nullptr;  // a lone --help: the usage
    const uint64_t v = arg ? std::strtoull(arg, nullptr, 10) : 0;
    if (!arg) argv[i] = const_cast<char*>("");
    if (!std::strcmp(argv[i], "--thp") && !std::strcmp(arg, "never"))
      ip.thp = mmusim::sw::ThpPolicy::kNever;
    else if (!std::strcmp(argv[i], "--thp") && !std::strcmp(arg, "always"))
      ip.thp = mmusim::sw::ThpPolicy::kAlways;
    else if (!std::strcmp(argv[i], "--thp") && !std::strcmp(arg, "madvise"))
      ip.madv_hugepage = true;
    else if (!std::strcmp(argv[i], "--contpte"))
      ip.contpte = v != 0;
    else if (!std::strcmp(argv[i], "--churn"))
      ip.churn = v != 0;
    else if (!std::strcmp(argv[i], "--hafdbs"))
      ip.hafdbs = v != 0;
    else if (!std::strcmp(argv[i], "--hugetlb-pages"))
      ip.hugetlb_pages = v;
    else if (!std::strcmp(argv[i], "--swap-kb"))
      ip.swap_pages = v / 4;
    else if (!std::strcmp(argv[i], "--phys-kb"))
      ip.phys_pages = v / 4;
    else if (!std::strcmp(argv[i], "--seed"))
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
    else {
      std::fprintf(stderr,
                   "usage: swap_integrity [--seed N] [--phys-mb M] [--factor F] [--ops N] "
                   "[--procs P] [--files-on-device 0|1] [--thp never|madvise|always] "
                   "[--contpte 0|1] [--hafdbs 0|1] [--hugetlb-pages N] [--swap-kb K] "
                   "[--phys-kb K] [--churn 0|1]\n");
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
      "%llu); shmem: %llu loads, %llu stores, %llu swapped back in by their access; hugetlb: %llu "
      "loads, %llu stores; killed %llu, forks refused %llu; ops done %llu; final check %llu "
      "bytes; %llu mprotects, %llu dontneeds\n",
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
      static_cast<unsigned long long>(r.shmem_major_faults),
      static_cast<unsigned long long>(r.hugetlb_loads),
      static_cast<unsigned long long>(r.hugetlb_stores), static_cast<unsigned long long>(r.killed),
      static_cast<unsigned long long>(r.fork_enomem), static_cast<unsigned long long>(r.ops_done),
      static_cast<unsigned long long>(r.final_checked),
      static_cast<unsigned long long>(r.mprotects), static_cast<unsigned long long>(r.dontneeds));
  if (!r.first_error.empty()) {
    std::printf("FAILED: %s\n", r.first_error.c_str());
    return 1;
  }
  std::printf("every load returned the last value stored\n");
  return 0;
}
