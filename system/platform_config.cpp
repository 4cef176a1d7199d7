#include "system/platform_config.h"

#include <string>

#include "model/sim/latency.h"
#include "model/util/enum_names.h"

namespace mmusim {

namespace {

using util::ConfigNode;

constexpr util::EnumNames<sw::TlbShootdown, 2> kShootdownNames{
    {{sw::TlbShootdown::kBroadcast, "broadcast"}, {sw::TlbShootdown::kIpi, "ipi"}}};

constexpr util::EnumNames<sw::ThpPolicy, 3> kThpPolicyNames{{{sw::ThpPolicy::kAlways, "always"},
                                                             {sw::ThpPolicy::kMadvise, "madvise"},
                                                             {sw::ThpPolicy::kNever, "never"}}};

sw::KernelCostParams read_kernel_costs(const ConfigNode& costs, const sw::KernelCostParams& dc) {
  sw::KernelCostParams c = dc;
  const auto cycles = [&costs](const char* key, uint64_t d, const char* what) {
    return costs.get_uint(key, d, 0, kMaxLatencyCycles, what);
  };
  c.syscall_cycles = cycles("syscall_cycles", dc.syscall_cycles, "system call entry and exit");
  c.fault_cycles =
      cycles("fault_cycles", dc.fault_cycles, "exception entry, fault decode and exit");
  c.vma_op_cycles = cycles("vma_op_cycles", dc.vma_op_cycles, "one VMA find/insert/split/merge");
  c.descriptor_write_cycles =
      cycles("descriptor_write_cycles", dc.descriptor_write_cycles, "one descriptor store");
  c.page_zero_cycles = cycles("page_zero_cycles", dc.page_zero_cycles, "clearing a 4 KB page");
  c.page_copy_cycles = cycles("page_copy_cycles", dc.page_copy_cycles, "copying a 4 KB page");
  c.frame_alloc_cycles =
      cycles("frame_alloc_cycles", dc.frame_alloc_cycles, "allocating one frame");
  c.tlbi_cycles = cycles("tlbi_cycles", dc.tlbi_cycles, "one TLBI and its share of the DSB");
  c.file_read_cycles =
      cycles("file_read_cycles", dc.file_read_cycles, "reading one page from the backing store");
  c.file_write_cycles = cycles("file_write_cycles", dc.file_write_cycles,
                               "writing one page back to the backing store");
  c.ipi_entry_cycles =
      cycles("ipi_entry_cycles", dc.ipi_entry_cycles,
             "a TLB-shootdown IPI handler's exception entry and exit, on the receiving CPU");
  return c;
}

}  // namespace

sw::KernelParams read_kernel_params(const ConfigNode& kernel, const sw::KernelParams& d,
                                    uint64_t dram_bytes) {
  sw::KernelParams p = d;
  p.phys_mem_bytes = kernel.get_uint(
      "phys_mem", d.phys_mem_bytes, 0, 1ull << 46,
      "physical memory the kernel may use for pages and tables (0: all of DRAM; else a multiple "
      "of 4096 from 1M, the kernel's minimum, up to dram.size); --phys-mem");
  if (p.phys_mem_bytes &&
      (p.phys_mem_bytes % 4096 || p.phys_mem_bytes < sw::KernelParams::kMinPhysMem ||
       p.phys_mem_bytes > dram_bytes))
    throw util::ConfigError("kernel.phys_mem: " + std::to_string(p.phys_mem_bytes) +
                            " is impossible: must be 0 or a multiple of 4096 from 1048576 (the "
                            "kernel's minimum) up to dram.size (" +
                            std::to_string(dram_bytes) + ")");
  p.swap_bytes = kernel.get_uint(
      "swap", d.swap_bytes, 0, 1ull << 44,
      "swap space on the block device (0: no swap; else a multiple of 4096, at least one page); "
      "--swap");
  if (p.swap_bytes && (p.swap_bytes < 4096 || p.swap_bytes % 4096))
    throw util::ConfigError("kernel.swap: " + std::to_string(p.swap_bytes) +
                            " is impossible: must be 0 or a multiple of 4096 (at least one page)");
  p.file_store_bytes = kernel.get_uint(
      "file_store", d.file_store_bytes, 0, 1ull << 44,
      "files on the block device, in this many bytes after the swap area (0: files in host "
      "memory with kernel.costs.file_*_cycles; else a multiple of 4096, timed by the device)");
  if (p.file_store_bytes % 4096)
    throw util::ConfigError("kernel.file_store: " + std::to_string(p.file_store_bytes) +
                            " is impossible: must be 0 or a multiple of 4096");
  p.thp = util::get_enum(kernel, "thp", d.thp, kThpPolicyNames,
                         "transparent huge pages for private anonymous memory: 2 MB blocks in "
                         "every VMA (always), in MADV_HUGEPAGE VMAs (madvise, as the Linux host) "
                         "or none (never)");
  p.contpte = kernel.get_bool(
      "contpte", d.contpte,
      "contiguous hint: anonymous write faults map 64 KB folios (16 contiguous frames) and "
      "page tables fold runs of 16 PTEs with the contiguous bit (Linux arm64 contpte with "
      "64 KB mTHP; off as in Linux's default)");
  p.hugetlb_pages_2m = kernel.get_uint(
      "hugetlb_pages_2m", d.hugetlb_pages_2m, 0, uint64_t{1} << 25,
      "hugetlb pool: 2 MB pages set aside at boot for MAP_HUGETLB (vm.nr_hugepages; 0 as on "
      "the host: MAP_HUGETLB mappings fail with ENOMEM)");
  p.tlb_shootdown = util::get_enum(
      kernel, "tlb_shootdown", d.tlb_shootdown, kShootdownNames,
      "how a TLB flush reaches the other CPUs: broadcast TLBI ...IS and DSB ISH (Arm DVM, as "
      "arm64 Linux) or an IPI to each other CPU of the mm's cpumask (x86/RISC-V style)");
  p.page_colours = kernel.get_uint(
      "page_colours", d.page_colours, 1, 65536,
      "page colouring: a private anonymous 4 KB page gets a frame whose number modulo this equals "
      "its virtual page number's, while one is left (a power of two; 1: off)");
  if (p.page_colours & (p.page_colours - 1))
    throw util::ConfigError("kernel.page_colours: " + std::to_string(p.page_colours) +
                            " is impossible: must be a power of two");
  p.costs = read_kernel_costs(kernel.child("costs"), d.costs);
  return p;
}

PlatformParams read_platform_params(ConfigNode& root) {
  PlatformParams p;
  static_cast<HardwareParams&>(p) = HardwareParams::read(root);
  p.kernel = read_kernel_params(root.child("kernel"), PlatformParams{}.kernel, p.dram.size_bytes);
  // The MMU features the kernel's TLB policy and ASID allocator depend on.
  const ConfigNode mmu = root.child("mmu");
  p.kernel.asid_bits = static_cast<unsigned>(
      mmu.get_uint("asid_bits", p.kernel.asid_bits, 0, 64,
                   "ASID width, 8 or 16 (ID_AA64MMFR0_EL1.ASIDBits): the kernel's ASID allocator "
                   "rolls over to a new generation when they run out"));
  if (p.kernel.asid_bits != 8 && p.kernel.asid_bits != 16)
    throw util::ConfigError("mmu.asid_bits: " + std::to_string(p.kernel.asid_bits) +
                            " is impossible: must be 8 or 16");
  p.kernel.tlbi_range = mmu.get_bool(
      "tlbi_range", p.kernel.tlbi_range,
      "FEAT_TLBIRANGE: the kernel flushes ranges with TLBI RVAE1IS (Linux __flush_tlb_range_op) "
      "instead of one TLBI per page");
  p.validate();
  if (p.mmu_impl != "cpp") find_mmu_impl(p.mmu_impl)->check(p);
  return p;
}

}  // namespace mmusim
