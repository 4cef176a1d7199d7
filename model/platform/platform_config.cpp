#include "model/platform/platform_config.h"

namespace mmusim {

namespace {

using util::ConfigNode;
constexpr uint64_t kMaxLatency = 1'000'000;

TlbParams read_tlb(const ConfigNode& n, const TlbParams& d) {
  TlbParams p;
  p.entries =
      static_cast<unsigned>(n.get_uint("entries", d.entries, 1, 1 << 20, "entries in the TLB"));
  p.ways = static_cast<unsigned>(n.get_uint(
      "ways", d.ways, 1, 1 << 20, "associativity; equal to entries for fully associative"));
  p.hit_latency_cycles =
      n.get_uint("hit_latency_cycles", d.hit_latency_cycles, 0, kMaxLatency, "lookup latency");
  return p;
}

}  // namespace

PlatformParams read_platform_params(ConfigNode& root) {
  const PlatformParams d;
  PlatformParams p;

  const ConfigNode cpu = root.child("cpu");
  p.cpu_frequency_mhz =
      cpu.get_double("frequency_mhz", d.cpu_frequency_mhz, 1.0, 100000.0, "core clock in MHz");
  p.cpu.quantum_cycles = cpu.get_uint("quantum_cycles", d.cpu.quantum_cycles, 1, 1ull << 40,
                                      "loosely-timed quantum: cycles between synchronisations");
  p.cpu.max_fault_retries = static_cast<unsigned>(
      cpu.get_uint("max_fault_retries", d.cpu.max_fault_retries, 1, 1000,
                   "faults in a row on one access before the run stops with a kernel-bug error"));

  const ConfigNode mmu = root.child("mmu");
  p.mmu.l1_itlb = read_tlb(mmu.child("l1_itlb"), d.mmu.l1_itlb);
  p.mmu.l1_dtlb = read_tlb(mmu.child("l1_dtlb"), d.mmu.l1_dtlb);
  p.mmu.l2_tlb = read_tlb(mmu.child("l2_tlb"), d.mmu.l2_tlb);
  const ConfigNode walker = mmu.child("walker");
  p.mmu.walker.step_latency_cycles =
      walker.get_uint("step_latency_cycles", d.mmu.walker.step_latency_cycles, 0, kMaxLatency,
                      "per lookup level: descriptor decode and next-address computation");
  p.walker_through_l1d =
      walker.get_bool("through_l1d", d.walker_through_l1d,
                      "descriptor reads go through the L1D (true) or straight to the bus (false)");

  const ConfigNode l1d = root.child("l1d");
  p.l1d.size_bytes = l1d.get_uint("size", d.l1d.size_bytes, 64, 1ull << 30, "capacity in bytes");
  p.l1d.ways = static_cast<unsigned>(l1d.get_uint("ways", d.l1d.ways, 1, 1024, "associativity"));
  p.l1d.line_bytes =
      static_cast<unsigned>(l1d.get_uint("line_bytes", d.l1d.line_bytes, 8, 4096, "line size"));
  p.l1d.hit_latency_cycles = l1d.get_uint("hit_latency_cycles", d.l1d.hit_latency_cycles, 0,
                                          kMaxLatency, "lookup latency (paid by hits and misses)");

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

  const ConfigNode costs = root.child("kernel").child("costs");
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
  p.validate();
  return p;
}

}  // namespace mmusim
