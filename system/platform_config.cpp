#include "system/platform_config.h"

#include <cstdio>
#include <string>
#include <vector>

namespace mmusim {

namespace {

using util::ConfigNode;
constexpr uint64_t kMaxLatency = 1'000'000;

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

const std::vector<std::string> kPolicies = {"lru", "tree-plru", "fifo", "random", "srrip"};

ReplPolicy read_policy(const ConfigNode& n, ReplPolicy d, const char* what) {
  return *repl_policy_from_name(
      n.get_enum("replacement", std::string(to_string(d)), kPolicies, what));
}

// "4K,2M" -> bit mask over kPageShift; names the key on a bad word.
uint8_t parse_page_sizes(const ConfigNode& n, const std::string& text) {
  uint8_t mask = 0;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string word = text.substr(start, comma == std::string::npos ? comma : comma - start);
    int found = -1;
    for (unsigned i = 0; i < kPageSizes; ++i)
      if (word == page_size_name(i)) found = static_cast<int>(i);
    if (found < 0)
      throw util::ConfigError(n.path() + ".page_sizes: '" + word +
                              "' is not a page size (4K, 64K, 2M, 1G)");
    mask |= static_cast<uint8_t>(1u << found);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return mask;
}

// 0b0101 -> "4K,2M".
std::string page_sizes_text(uint8_t mask) {
  std::string text;
  for (unsigned i = 0; i < kPageSizes; ++i)
    if (mask & (1u << i)) text += (text.empty() ? "" : ",") + std::string(page_size_name(i));
  return text;
}

TlbParams read_tlb(const ConfigNode& n, const TlbParams& d) {
  TlbParams p = d;
  p.entries = static_cast<unsigned>(
      n.get_uint("entries", d.entries, 1, 1 << 20, "entries (unified organisation)"));
  // A fully associative TLB stays one when only its entries are set.
  const bool fully_associative = d.ways == d.entries;
  p.ways = static_cast<unsigned>(n.get_uint(
      "ways", fully_associative ? p.entries : d.ways, 1, 1 << 20,
      "associativity; equal to entries for fully associative", fully_associative ? "entries" : ""));
  p.hit_latency_cycles =
      n.get_uint("hit_latency_cycles", d.hit_latency_cycles, 0, kMaxLatency, "lookup latency");
  p.replacement = read_policy(n, d.replacement, "replacement policy");
  p.seed = n.get_uint("seed", d.seed, 0, UINT64_MAX, "seed of random replacement");
  p.page_sizes = parse_page_sizes(
      n, n.get_string("page_sizes", page_sizes_text(d.page_sizes),
                      "page sizes held, comma-separated (4K required); larger translations "
                      "are fractured into the largest size held"));
  p.split = n.get_bool("split", d.split,
                       "one bank per page size (geometry under banks.<size>) instead of one "
                       "structure");
  const ConfigNode banks = n.child("banks");
  for (unsigned s = 0; s < kPageSizes; ++s) {
    const ConfigNode b = banks.child(page_size_name(s));
    const unsigned def_entries = s == 0 ? p.entries : 16;
    p.banks[s].entries = static_cast<unsigned>(
        b.get_uint("entries", def_entries, 1, 1 << 20, "entries of this page size's bank (split)"));
    // The 4K bank of a fully associative TLB is fully associative too.
    const bool bank_fully = s == 0 && p.ways == p.entries;
    const unsigned def_ways = bank_fully ? p.banks[s].entries : s == 0 ? p.ways : 4;
    p.banks[s].ways = static_cast<unsigned>(b.get_uint("ways", def_ways, 1, 1 << 20,
                                                       "ways of this page size's bank (split)",
                                                       bank_fully ? "entries" : ""));
  }
  return p;
}

WalkCacheParams read_walk_cache(const ConfigNode& n, const WalkCacheParams& d) {
  WalkCacheParams p = d;
  const std::string mode = n.get_enum("mode", to_string(d.mode), {"none", "per-level", "unified"},
                                      "cached upper-level descriptors: none, one cache per "
                                      "level (L0-L2), or one unified partial-translation cache");
  p.mode = mode == "none"        ? WalkCacheMode::kNone
           : mode == "per-level" ? WalkCacheMode::kPerLevel
                                 : WalkCacheMode::kUnified;
  for (int l = 0; l < 3; ++l) {
    const ConfigNode c = n.child("L" + std::to_string(l));
    p.entries[l] = static_cast<unsigned>(
        c.get_uint("entries", d.entries[l], 1, 1 << 16, "per-level: entries for this level"));
    p.ways[l] = static_cast<unsigned>(c.get_uint("ways", d.ways[l], 1, 1 << 16, "per-level: ways"));
  }
  const ConfigNode u = n.child("unified");
  p.unified_entries = static_cast<unsigned>(
      u.get_uint("entries", d.unified_entries, 1, 1 << 16, "unified: entries"));
  p.unified_ways =
      static_cast<unsigned>(u.get_uint("ways", d.unified_ways, 1, 1 << 16, "unified: ways"));
  p.hit_latency_cycles = n.get_uint("hit_latency_cycles", d.hit_latency_cycles, 0, kMaxLatency,
                                    "one lookup per walk (all levels in parallel)");
  p.replacement = read_policy(n, d.replacement, "replacement policy");
  return p;
}

CacheParams read_cache(const ConfigNode& n, const CacheParams& d) {
  CacheParams p = d;
  p.size_bytes = n.get_uint("size", d.size_bytes, 64, 1ull << 30, "capacity in bytes");
  p.ways = static_cast<unsigned>(n.get_uint("ways", d.ways, 1, 1024, "associativity"));
  p.line_bytes =
      static_cast<unsigned>(n.get_uint("line_bytes", d.line_bytes, 8, 4096, "line size"));
  p.hit_latency_cycles = n.get_uint("hit_latency_cycles", d.hit_latency_cycles, 0, kMaxLatency,
                                    "lookup latency (paid by hits and misses)");
  p.replacement = read_policy(n, d.replacement, "replacement policy");
  p.mshrs = static_cast<unsigned>(n.get_uint(
      "mshrs", d.mshrs, 1, 4096, "line fills in flight; hits on a line being filled wait"));
  if (n.path() == "l1d")
    p.write_through_allocate = n.get_bool(
        "write_through_allocate", d.write_through_allocate,
        "Normal write-through memory: a write miss allocates the line before writing through");
  return p;
}

}  // namespace

PlatformParams read_platform_params(ConfigNode& root) {
  PlatformParams d;
  PlatformParams p;

  // The implementation first: its defaults apply to the mmu.* keys read below.
  const ConfigNode mmu = root.child("mmu");
  p.mmu_impl =
      mmu.get_enum("impl", d.mmu_impl, {"cpp", "rtl", "cosim"},
                   "MMU model: the C++ Mmu (cpp), the Verilated RTL (rtl: TLB geometry fixed at "
                   "build time, tree-PLRU, no walk cache) or both in lock-step (cosim)");
  const MmuImplFactory* impl = nullptr;
  if (p.mmu_impl != "cpp") {
    impl = find_mmu_impl(p.mmu_impl);
    if (!impl)
      throw util::ConfigError("mmu.impl: '" + p.mmu_impl +
                              "' is not built into this executable (MMUSIM_BUILD_RTL=OFF or no "
                              "Verilator)");
    impl->defaults(d);
    d.mmu_impl = p.mmu_impl;
  }

  const ConfigNode cpu = root.child("cpu");
  p.cpu_frequency_mhz =
      cpu.get_double("frequency_mhz", d.cpu_frequency_mhz, 1.0, 100000.0, "core clock in MHz");
  p.cpu.quantum_cycles = cpu.get_uint("quantum_cycles", d.cpu.quantum_cycles, 1, 1ull << 40,
                                      "loosely-timed quantum: cycles between synchronisations");
  p.cpu.window = static_cast<unsigned>(
      cpu.get_uint("window", d.cpu.window, 1, 4096,
                   "independent accesses in flight (1: a blocking core that waits for each)"));
  p.cpu.issue_interval_cycles =
      cpu.get_uint("issue_interval_cycles", d.cpu.issue_interval_cycles, 0, kMaxLatency,
                   "cycles between two issues when the window has room");
  p.cpu.max_fault_retries = static_cast<unsigned>(
      cpu.get_uint("max_fault_retries", d.cpu.max_fault_retries, 1, 1000,
                   "faults in a row on one access before the run stops with a kernel-bug error"));

  p.mmu.l1_itlb = read_tlb(mmu.child("l1_itlb"), d.mmu.l1_itlb);
  p.mmu.l1_dtlb = read_tlb(mmu.child("l1_dtlb"), d.mmu.l1_dtlb);
  p.mmu.l2_tlb = read_tlb(mmu.child("l2_tlb"), d.mmu.l2_tlb);
  p.mmu.l2_inclusive = mmu.child("l2_tlb").get_bool("inclusive", d.mmu.l2_inclusive,
                                                    "an L2 eviction back-invalidates the L1 TLBs");
  const ConfigNode walker = mmu.child("walker");
  p.mmu.walker.step_latency_cycles =
      walker.get_uint("step_latency_cycles", d.mmu.walker.step_latency_cycles, 0, kMaxLatency,
                      "per lookup level: descriptor decode and next-address computation");
  p.mmu.walker.max_concurrent_walks = static_cast<unsigned>(
      walker.get_uint("max_concurrent_walks", d.mmu.walker.max_concurrent_walks, 1, 1024,
                      "walks in flight at once; another waits for a free slot"));
  p.mmu.walker.walk_cache = read_walk_cache(walker.child("walk_cache"), d.mmu.walker.walk_cache);
  p.walker_through_l1d =
      walker.get_bool("through_l1d", d.walker_through_l1d,
                      "descriptor reads go through the L1D (true) or straight to the bus (false)");

  p.l1i = read_cache(root.child("l1i"), d.l1i);
  p.l1d = read_cache(root.child("l1d"), d.l1d);

  const ConfigNode bus = root.child("bus");
  p.bus.latency_cycles = bus.get_uint("latency_cycles", d.bus.latency_cycles, 0, kMaxLatency,
                                      "per transaction, request and response");

  const ConfigNode dram = root.child("dram");
  p.dram.size_bytes =
      dram.get_uint("size", d.dram.size_bytes, 1 << 20, 1ull << 46,
                    "DRAM size in bytes (sparse: only touched pages use host memory)");
  p.dram.read_latency_cycles = dram.get_uint("read_latency_cycles", d.dram.read_latency_cycles, 0,
                                             kMaxLatency, "per read transaction");
  p.dram.write_latency_cycles = dram.get_uint("write_latency_cycles", d.dram.write_latency_cycles,
                                              0, kMaxLatency, "per write transaction");

  p.sysctrl_latency_cycles =
      root.child("sysctrl").get_uint("latency_cycles", d.sysctrl_latency_cycles, 0, kMaxLatency,
                                     "register access latency of the sysctrl block");
  auto device = [&](const char* name, const PlatformParams::DeviceParams& dd, const char* what) {
    const ConfigNode n = root.child(name);
    PlatformParams::DeviceParams out;
    out.enable = n.get_bool("enable", dd.enable, std::string("map the ") + what + " on the bus");
    out.base = n.get_uint("base", dd.base, 0, (1ull << 48) - 4096,
                          std::string("physical base address of the ") + what +
                              " (4 KB aligned, 4 KB window; default " + hex(dd.base) + ")");
    out.latency_cycles = n.get_uint("latency_cycles", dd.latency_cycles, 0, kMaxLatency,
                                    std::string("register access latency of the ") + what);
    return out;
  };
  p.uart = device("uart", d.uart, "UART");
  p.timer = device("timer", d.timer, "timer");
  p.timer_divider = root.child("timer").get_uint("divider", d.timer_divider, 1, 1ull << 32,
                                                 "CPU cycles per timer count");
  p.status = device("status", d.status, "read-to-clear status block");
  const ConfigNode rom = root.child("rom");
  p.rom.enable = rom.get_bool("enable", d.rom.enable, "map the ROM on the bus");
  p.rom.base = rom.get_uint(
      "base", d.rom.base, 0, (1ull << 48) - 4096,
      "physical base address of the ROM (4 KB aligned; default " + hex(d.rom.base) + ")");
  p.rom.size_bytes = rom.get_uint("size", d.rom.size_bytes, 4096, 1ull << 32,
                                  "ROM size in bytes (a multiple of 4 KB)");
  p.rom.latency_cycles =
      rom.get_uint("latency_cycles", d.rom.latency_cycles, 0, kMaxLatency, "per read transaction");
  p.rom.file = rom.get_string("file", d.rom.file,
                              "file whose bytes fill the ROM from offset 0 (empty: all zero)");

  const ConfigNode kernel = root.child("kernel");
  p.kernel.phys_mem_bytes = kernel.get_uint(
      "phys_mem", d.kernel.phys_mem_bytes, 0, 1ull << 46,
      "physical memory the kernel may use for pages and tables (0: all of DRAM; else a multiple "
      "of 4096 from 1M, the kernel's minimum, up to dram.size); --phys-mem");
  if (p.kernel.phys_mem_bytes &&
      (p.kernel.phys_mem_bytes % 4096 || p.kernel.phys_mem_bytes < sw::KernelParams::kMinPhysMem ||
       p.kernel.phys_mem_bytes > p.dram.size_bytes))
    throw util::ConfigError("kernel.phys_mem: " + std::to_string(p.kernel.phys_mem_bytes) +
                            " is impossible: must be 0 or a multiple of 4096 from 1048576 (the "
                            "kernel's minimum) up to dram.size (" +
                            std::to_string(p.dram.size_bytes) + ")");
  p.kernel.swap_bytes = kernel.get_uint(
      "swap", d.kernel.swap_bytes, 0, 1ull << 44,
      "swap space on the block device (0: no swap; else a multiple of 4096, at least one page); "
      "--swap");
  if (p.kernel.swap_bytes && (p.kernel.swap_bytes < 4096 || p.kernel.swap_bytes % 4096))
    throw util::ConfigError("kernel.swap: " + std::to_string(p.kernel.swap_bytes) +
                            " is impossible: must be 0 or a multiple of 4096 (at least one page)");
  p.kernel.file_store_bytes = kernel.get_uint(
      "file_store", d.kernel.file_store_bytes, 0, 1ull << 44,
      "files on the block device, in this many bytes after the swap area (0: files in host "
      "memory with kernel.costs.file_*_cycles; else a multiple of 4096, timed by the device)");
  if (p.kernel.file_store_bytes % 4096)
    throw util::ConfigError("kernel.file_store: " + std::to_string(p.kernel.file_store_bytes) +
                            " is impossible: must be 0 or a multiple of 4096");
  const ConfigNode blockdev = root.child("blockdev");
  p.blockdev_read_latency_ns =
      blockdev.get_uint("read_latency_ns", d.blockdev_read_latency_ns, 0, 1'000'000'000,
                        "block device: time of one read command (SSD-like: 25 us)");
  p.blockdev_write_latency_ns =
      blockdev.get_uint("write_latency_ns", d.blockdev_write_latency_ns, 0, 1'000'000'000,
                        "block device: time of one write command (SSD-like: 200 us)");
  p.blockdev_reg_latency_cycles =
      blockdev.get_uint("latency_cycles", d.blockdev_reg_latency_cycles, 0, kMaxLatency,
                        "register access latency of the block device");
  p.mmu.walker.hafdbs = walker.get_bool(
      "hafdbs", d.mmu.walker.hafdbs,
      "FEAT_HAFDBS: the walker sets the access flag and clears AP[2] of DBM descriptors on "
      "writes (false: the kernel takes access-flag and write faults)");

  const std::string thp =
      kernel.get_enum("thp", sw::to_string(d.kernel.thp), {"always", "madvise", "never"},
                      "transparent huge pages for private anonymous memory: 2 MB blocks in "
                      "every VMA (always), in MADV_HUGEPAGE VMAs (madvise, as the Linux host) "
                      "or none (never)");
  p.kernel.thp = thp == "always"    ? sw::ThpPolicy::kAlways
                 : thp == "madvise" ? sw::ThpPolicy::kMadvise
                                    : sw::ThpPolicy::kNever;
  p.kernel.contpte = kernel.get_bool(
      "contpte", d.kernel.contpte,
      "contiguous hint: anonymous write faults map 64 KB folios (16 contiguous frames) and "
      "page tables fold runs of 16 PTEs with the contiguous bit (Linux arm64 contpte with "
      "64 KB mTHP; off as in Linux's default)");
  p.kernel.hugetlb_pages_2m = kernel.get_uint(
      "hugetlb_pages_2m", d.kernel.hugetlb_pages_2m, 0, uint64_t{1} << 25,
      "hugetlb pool: 2 MB pages set aside at boot for MAP_HUGETLB (vm.nr_hugepages; 0 as on "
      "the host: MAP_HUGETLB mappings fail with ENOMEM)");
  const ConfigNode costs = kernel.child("costs");
  const sw::KernelCostParams& dc = d.kernel.costs;
  sw::KernelCostParams& c = p.kernel.costs;
  c.syscall_cycles = costs.get_uint("syscall_cycles", dc.syscall_cycles, 0, kMaxLatency,
                                    "system call entry and exit");
  c.fault_cycles = costs.get_uint("fault_cycles", dc.fault_cycles, 0, kMaxLatency,
                                  "exception entry, fault decode and exit");
  c.vma_op_cycles = costs.get_uint("vma_op_cycles", dc.vma_op_cycles, 0, kMaxLatency,
                                   "one VMA find/insert/split/merge");
  c.descriptor_write_cycles = costs.get_uint("descriptor_write_cycles", dc.descriptor_write_cycles,
                                             0, kMaxLatency, "one descriptor store");
  c.page_zero_cycles = costs.get_uint("page_zero_cycles", dc.page_zero_cycles, 0, kMaxLatency,
                                      "clearing a 4 KB page");
  c.page_copy_cycles = costs.get_uint("page_copy_cycles", dc.page_copy_cycles, 0, kMaxLatency,
                                      "copying a 4 KB page");
  c.frame_alloc_cycles = costs.get_uint("frame_alloc_cycles", dc.frame_alloc_cycles, 0, kMaxLatency,
                                        "allocating one frame");
  c.tlbi_cycles = costs.get_uint("tlbi_cycles", dc.tlbi_cycles, 0, kMaxLatency,
                                 "one TLBI and its share of the DSB");
  c.file_read_cycles = costs.get_uint("file_read_cycles", dc.file_read_cycles, 0, kMaxLatency,
                                      "reading one page from the backing store");
  c.file_write_cycles = costs.get_uint("file_write_cycles", dc.file_write_cycles, 0, kMaxLatency,
                                       "writing one page back to the backing store");
  p.validate();
  if (impl) impl->check(p);
  return p;
}

}  // namespace mmusim
