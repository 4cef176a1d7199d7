// Data integrity under memory pressure (issue 5 item 2): a seeded random
// mix of stores and loads over a working set several times physical memory,
// in several processes (fork and exit), with a shared file mapping (msync,
// pread), a private file mapping (copy-on-write), shared anonymous memory
// (shmem, shared by every process after fork) and MADV_PAGEOUT, checking
// every load against a shadow copy of what was last stored. Used by the
// ctest (small) and by tests/sw/bench/swap_integrity (any size).
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "sw/mm/address_spaces.h"
#include "tests/sw/swap_hw.h"

namespace mmusim::sw::test {

struct IntegrityParams {
  uint64_t seed = 1;
  uint64_t phys_pages = 256;  // physical memory
  uint64_t factor = 4;        // working set = factor x physical memory
  uint64_t ops = 20000;
  unsigned max_procs = 4;
  bool files_on_device = false;         // kernel.file_store: the files live on the block device too
  ThpPolicy thp = ThpPolicy::kMadvise;  // kernel.thp
  bool madv_hugepage = false;           // MADV_HUGEPAGE on the private anonymous region
  bool contpte = false;                 // kernel.contpte: 64 KB folios with the contiguous bit
  bool hafdbs = false;                  // the CPU sets AF and dirty state itself (FEAT_HAFDBS)
  // Pages of 2 MB in the hugetlb pool (taken from physical memory) and a
  // MAP_SHARED | MAP_HUGETLB region of that size shared by every process.
  uint64_t hugetlb_pages = 0;
  // Swap in pages; 0: twice the working set (never full). A small swap ends
  // in OOM kills: allowed then, each must be clean (the victim is gone, every
  // survivor's data intact), and the run ends when no process is left.
  uint64_t swap_pages = 0;
  // Also mprotect round trips (read-only, a load, read-write) over up to 600
  // pages and MADV_DONTNEED over up to 40 pages of the anonymous region.
  bool churn = false;
};

struct IntegrityResult {
  uint64_t loads_checked = 0, stores = 0, forks = 0, exits = 0, msyncs = 0, preads = 0;
  uint64_t pageouts = 0;
  uint64_t shmem_stores = 0, shmem_loads = 0;
  uint64_t shmem_major_faults = 0;  // shmem accesses that read their page back from swap
  uint64_t hugetlb_loads = 0, hugetlb_stores = 0;
  uint64_t killed = 0;       // processes the OOM killer took
  uint64_t fork_enomem = 0;  // forks refused for want of memory (small swap only)
  uint64_t mprotects = 0, dontneeds = 0;
  uint64_t final_checked = 0;  // bytes read back by the final check of every survivor
  uint64_t ops_done = 0;       // fewer than asked when the OOM killer took every process
  std::string first_error;     // empty: every load returned the last value stored
  KernelStats stats;
};

inline IntegrityResult run_integrity(const IntegrityParams& ip) {
  constexpr uint64_t kAnonBase = 0x1000'0000'0000;
  constexpr uint64_t kSharedBase = 0x2000'0000'0000;
  constexpr uint64_t kPrivBase = 0x3000'0000'0000;
  constexpr uint64_t kShmBase = 0x4000'0000'0000;
  constexpr uint64_t kHugeBase = 0x5000'0000'0000;
  constexpr int kShFd = 3, kPrivFd = 4;
  const uint64_t ws = ip.phys_pages * ip.factor;  // pages touched in all
  // Split: 3/8 anonymous (per process), 1/8 shared anonymous, a quarter
  // shared file, a quarter private file mapping.
  const uint64_t anon_pages = ws * 3 / 8, shm_pages = ws / 8, file_pages = ws / 4,
                 priv_pages = ws - anon_pages - shm_pages - file_pages;
  const uint64_t huge_bytes = ip.hugetlb_pages << 21;
  KernelParams kp = SwapRig::make(ip.phys_pages * 4096 + huge_bytes,
                                  ip.swap_pages ? ip.swap_pages * 4096 : ws * 4 * 4096 * 2,
                                  (ip.phys_pages * 4096) * 2 + huge_bytes + (64 << 20),
                                  ip.files_on_device ? (file_pages + priv_pages) * 4096 : 0);
  kp.thp = ip.thp;
  kp.contpte = ip.contpte;
  kp.hugetlb_pages_2m = ip.hugetlb_pages;
  const bool allow_oom = ip.swap_pages != 0;
  SwapRig r(kp);
  r.cpu.hafdbs = ip.hafdbs;
  std::unordered_map<uint64_t, uint8_t> huge;  // the shared hugetlb region's bytes
  IntegrityResult res;
  std::mt19937_64 rng(ip.seed);
  auto fail = [&](const std::string& what) {
    if (res.first_error.empty()) res.first_error = what;
  };

  struct Proc {
    Pid pid;
    std::unordered_map<uint64_t, uint8_t> anon;  // offset -> byte (absent: 0)
    std::unordered_map<uint64_t, uint8_t> priv;  // private copies of the private file mapping
  };
  std::vector<Proc> procs;
  std::unordered_map<uint64_t, uint8_t> shared;  // the shared file's bytes
  std::unordered_map<uint64_t, uint8_t> shm;     // the shared anonymous memory's bytes
  std::unordered_map<uint64_t, uint8_t> base;    // the private-mapped file's bytes (pwrite only)

  const Pid first = r.k.mm().spawn();
  auto setup = [&]() -> bool {
    if (r.k.mmap(VirtAddr(kAnonBase), anon_pages * 4096, 3, 0x22 | 0x10, -1, 0).value < 0)
      return false;
    if (ip.madv_hugepage &&
        r.k.madvise(VirtAddr(kAnonBase), anon_pages * 4096, abi::kMadvHugepage).value)
      return false;
    if (huge_bytes &&
        r.k.mmap(VirtAddr(kHugeBase), huge_bytes, 3, 0x21 | 0x10 | abi::kMapHugetlb, -1, 0).value <
            0)
      return false;
    if (r.k.mmap(VirtAddr(kShmBase), shm_pages * 4096, 3, 0x21 | 0x10, -1, 0).value < 0)
      return false;
    if (r.k.create_file("shared", file_pages * 4096).value || r.k.open(kShFd, "shared", 2).value)
      return false;
    if (r.k.mmap(VirtAddr(kSharedBase), file_pages * 4096, 3, 0x01 | 0x10, kShFd, 0).value < 0)
      return false;
    if (r.k.create_file("private", priv_pages * 4096).value ||
        r.k.open(kPrivFd, "private", 2).value)
      return false;
    // The private file has contents before it is mapped.
    for (uint64_t i = 0; i < priv_pages; i += 3) {
      const uint64_t off = i * 4096 + rng() % 4096;
      const uint8_t v = static_cast<uint8_t>(rng());
      if (r.k.pwrite(kPrivFd, off, v).value != 1) return false;
      base[off] = v;
    }
    return r.k.mmap(VirtAddr(kPrivBase), priv_pages * 4096, 3, 0x02 | 0x10, kPrivFd, 0).value >= 0;
  };
  if (!setup()) {
    fail("setup failed");
    return res;
  }
  procs.push_back(Proc{first, {}, {}});
  size_t cur = 0;
  auto get = [](const std::unordered_map<uint64_t, uint8_t>& m, uint64_t off) -> uint8_t {
    auto it = m.find(off);
    return it == m.end() ? 0 : it->second;
  };

  // After an OOM kill: drop the victims; the run goes on in a survivor.
  auto reap = [&]() -> bool {
    const size_t before = procs.size();
    const Pid was = procs[cur].pid;
    for (size_t i = 0; i < procs.size();)
      if (r.k.mm().exists(procs[i].pid))
        ++i;
      else
        procs.erase(procs.begin() + static_cast<long>(i));
    res.killed += before - procs.size();
    if (before != procs.size() && !allow_oom) fail("an OOM kill happened");
    if (procs.empty()) return false;
    cur = 0;
    for (size_t i = 0; i < procs.size(); ++i)
      if (procs[i].pid == was) cur = i;
    if (r.k.mm().current() != procs[cur].pid) r.k.mm().switch_to(procs[cur].pid);
    return true;
  };
  for (uint64_t n = 0; n < ip.ops && res.first_error.empty(); ++n) {
    if (r.log.size() > (1u << 16)) r.log.clear();  // the fake hardware's event log is not needed
    if (r.k.stats().oom_kills != res.killed && !reap()) break;
    res.ops_done = n + 1;
    const uint64_t dice = rng() % 1000;
    Proc& p = procs[cur];
    if (dice < 5 && procs.size() > 1) {  // switch task
      cur = rng() % procs.size();
      r.k.mm().switch_to(procs[cur].pid);
      continue;
    }
    if (dice < 7 && procs.size() < ip.max_procs) {  // fork
      const SyscallResult f = r.k.fork();
      if (f.value == -12 && allow_oom) {
        res.fork_enomem++;
        continue;
      }
      if (f.value <= 0) {
        fail("fork failed: " + std::to_string(f.value));
        break;
      }
      procs.push_back(Proc{static_cast<Pid>(f.value), p.anon, p.priv});
      res.forks++;
      continue;
    }
    if (dice < 8 && procs.size() > 1) {  // exit
      r.k.exit();
      procs.erase(procs.begin() + static_cast<long>(cur));
      cur = 0;
      r.k.mm().switch_to(procs[cur].pid);
      res.exits++;
      continue;
    }
    if (dice < 12) {  // msync part of the shared mapping
      const uint64_t first_page = rng() % file_pages;
      const uint64_t len = (1 + rng() % 16) * 4096;
      if (r.k.msync(VirtAddr(kSharedBase + first_page * 4096), len, 4).value < 0 &&
          first_page * 4096 + len <= file_pages * 4096)
        fail("msync failed");
      res.msyncs++;
      continue;
    }
    if (dice < 16) {  // pread checks the shared file through the read path
      const uint64_t off = rng() % (file_pages * 4096);
      uint8_t b = 0;
      const int64_t got = r.k.pread(kShFd, off, &b).value;
      if (got == -12 && allow_oom) continue;
      if (got != 1 || b != get(shared, off)) {
        std::ostringstream os;
        os << "pread offset " << off << " read " << int(b) << " want " << int(get(shared, off));
        fail(os.str());
      }
      res.preads++;
      continue;
    }
    if (dice < 18) {  // MADV_PAGEOUT of a small anonymous or shared anonymous range
      const bool on_shm = dice == 17;
      const uint64_t page = rng() % (on_shm ? shm_pages : anon_pages);
      r.k.madvise(VirtAddr((on_shm ? kShmBase : kAnonBase) + page * 4096), 8 * 4096,
                  abi::kMadvPageout);
      res.pageouts++;
      continue;
    }
    if (ip.churn && dice < 20) {  // mprotect read-only and back over part of the anonymous region
      const uint64_t page = rng() % anon_pages;
      const uint64_t len = std::min<uint64_t>(1 + rng() % 600, anon_pages - page) * 4096;
      const uint64_t probe = page * 4096 + rng() % len;
      if (r.k.mprotect(VirtAddr(kAnonBase + page * 4096), len, 1).value)
        fail("mprotect read-only failed");
      FaultOutcome sig = FaultOutcome::kRetry;
      const auto got = r.cpu.load(kAnonBase + probe, &sig);
      if (sig == FaultOutcome::kKilled && allow_oom) continue;
      if (!got || *got != get(p.anon, probe)) {
        std::ostringstream os;
        os << "op " << n << " load through read-only 0x" << std::hex << kAnonBase + probe
           << std::dec << " read " << (got ? int(*got) : -1) << " want " << int(get(p.anon, probe));
        fail(os.str());
      }
      if (r.k.mprotect(VirtAddr(kAnonBase + page * 4096), len, 3).value)
        fail("mprotect read-write failed");
      res.mprotects++;
      continue;
    }
    if (ip.churn && dice < 21) {  // MADV_DONTNEED: the range reads zero afterwards
      const uint64_t page = rng() % anon_pages;
      const uint64_t len = std::min<uint64_t>(1 + rng() % 40, anon_pages - page) * 4096;
      if (r.k.madvise(VirtAddr(kAnonBase + page * 4096), len, abi::kMadvDontneed).value)
        fail("MADV_DONTNEED failed");
      for (auto it = p.anon.begin(); it != p.anon.end();)
        it = it->first >= page * 4096 && it->first < page * 4096 + len ? p.anon.erase(it)
                                                                       : std::next(it);
      res.dontneeds++;
      continue;
    }
    // A load or store in one of the four regions.
    const uint64_t region = rng() % (huge_bytes ? 6 : 5);  // anon twice as likely
    uint64_t va, off;
    std::unordered_map<uint64_t, uint8_t>* m;
    const std::unordered_map<uint64_t, uint8_t>* fallback = nullptr;
    if (region < 2) {
      off = rng() % (anon_pages * 4096);
      va = kAnonBase + off;
      m = &p.anon;
    } else if (region == 2) {
      off = rng() % (file_pages * 4096);
      va = kSharedBase + off;
      m = &shared;
    } else if (region == 3) {
      off = rng() % (priv_pages * 4096);
      va = kPrivBase + off;
      m = &p.priv;
      fallback = &base;
    } else if (region == 4) {
      off = rng() % (shm_pages * 4096);
      va = kShmBase + off;
      m = &shm;
    } else {
      off = rng() % huge_bytes;
      va = kHugeBase + off;
      m = &huge;
    }
    const bool store = rng() % 2;
    const uint64_t majfaults0 = r.k.stats().pgmajfault;
    if (store) {
      const uint8_t v = static_cast<uint8_t>(rng());
      const FaultOutcome o = r.cpu.store(va, v);
      if (o == FaultOutcome::kKilled && allow_oom) {
        if (r.k.mm().exists(p.pid)) fail("a store ended in kKilled but its process lives");
        continue;
      }
      if (o != FaultOutcome::kRetry) {
        fail("store at 0x" + std::to_string(va) + " ended in a signal " +
             std::to_string(static_cast<int>(o)));
        break;
      }
      if (region == 3 && !p.priv.count(off)) {
        // A private copy takes the whole page from the file: remember it.
        const uint64_t pg = off & ~uint64_t{4095};
        for (uint64_t i = 0; i < 4096; ++i)
          if (base.count(pg + i) && !p.priv.count(pg + i)) p.priv[pg + i] = base.at(pg + i);
        p.priv[pg | 0xfff'f000'0000'0000ull] = 1;  // page marker: copied
      }
      (*m)[off] = v;
      res.stores++;
      if (region == 4) res.shmem_stores++;
      if (region == 5) res.hugetlb_stores++;
    } else {
      FaultOutcome sig = FaultOutcome::kRetry;
      const auto got = r.cpu.load(va, &sig);
      if (sig == FaultOutcome::kKilled && allow_oom) {
        if (r.k.mm().exists(p.pid)) fail("a load ended in kKilled but its process lives");
        continue;
      }
      uint8_t want = get(*m, off);
      if (fallback && !p.priv.count((off & ~uint64_t{4095}) | 0xfff'f000'0000'0000ull))
        want = get(*fallback, off);
      if (!got || *got != want) {
        std::ostringstream os;
        os << "op " << n << " pid " << p.pid << " load 0x" << std::hex << va << std::dec << " read "
           << (got ? int(*got) : -1) << " want " << int(want);
        fail(os.str());
      }
      res.loads_checked++;
      if (region == 4) res.shmem_loads++;
      if (region == 5) res.hugetlb_loads++;
    }
    if (region == 4) res.shmem_major_faults += r.k.stats().pgmajfault - majfaults0;
  }
  // At the end every byte ever stored is read back, in every survivor.
  auto check_all = [&](uint64_t base_va, const std::unordered_map<uint64_t, uint8_t>& m,
                       const Proc* priv_of) -> bool {
    for (const auto& [off, v] : m) {
      if (off & 0xfff'f000'0000'0000ull) continue;  // a page marker
      if (priv_of && !priv_of->priv.count((off & ~uint64_t{4095}) | 0xfff'f000'0000'0000ull))
        continue;  // not copied: the file's byte, checked through `base` below
      FaultOutcome sig = FaultOutcome::kRetry;
      const auto got = r.cpu.load(base_va + off, &sig);
      if (sig == FaultOutcome::kKilled && allow_oom) return false;
      res.final_checked++;
      if (!got || *got != v) {
        std::ostringstream os;
        os << "final check: load 0x" << std::hex << base_va + off << std::dec << " read "
           << (got ? int(*got) : -1) << " want " << int(v);
        fail(os.str());
        return false;
      }
    }
    return true;
  };
  if (res.first_error.empty() && r.k.stats().oom_kills != res.killed) reap();
  for (size_t i = 0; i < procs.size() && res.first_error.empty(); ++i) {
    if (!r.k.mm().exists(procs[i].pid)) continue;
    r.k.mm().switch_to(procs[i].pid);
    const Proc& p = procs[i];
    if (!check_all(kAnonBase, p.anon, nullptr) || !check_all(kPrivBase, p.priv, &p)) continue;
    std::unordered_map<uint64_t, uint8_t> file_bytes;  // uncopied private pages show the file
    for (const auto& [off, v] : base)
      if (!p.priv.count((off & ~uint64_t{4095}) | 0xfff'f000'0000'0000ull)) file_bytes[off] = v;
    if (!check_all(kPrivBase, file_bytes, nullptr)) continue;
    if (!check_all(kSharedBase, shared, nullptr) || !check_all(kShmBase, shm, nullptr)) continue;
    if (huge_bytes) check_all(kHugeBase, huge, nullptr);
  }
  res.stats = r.k.stats();
  if (res.first_error.empty() && res.stats.oom_kills && !allow_oom) fail("an OOM kill happened");
  if (res.first_error.empty() && res.stats.oom_kills < res.killed)
    fail("a process vanished without an OOM kill");
  return res;
}

}  // namespace mmusim::sw::test
