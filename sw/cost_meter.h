// Accumulates the cost of one kernel operation (a system call, a fault) from
// KernelCostParams, and keeps the kernel-wide KernelStats in step with it.
#pragma once

#include "sw/cost.h"
#include "sw/kernel.h"

namespace mmusim::sw {

class CostMeter {
 public:
  CostMeter(const KernelCostParams& params, KernelStats& stats)
      : m_params(params), m_stats(stats) {}

  void syscall_entry() { m_cost.cycles += Cycles(m_params.syscall_cycles); }
  void fault_entry() { m_cost.cycles += Cycles(m_params.fault_cycles); }
  void vma_ops(uint64_t n) { m_cost.cycles += Cycles(m_params.vma_op_cycles * n); }
  void descriptor_read() { m_cost.bytes_read += 8; }
  void descriptor_write() {
    m_cost.cycles += Cycles(m_params.descriptor_write_cycles);
    m_cost.descriptor_writes++;
    m_cost.bytes_written += 8;
    m_stats.descriptor_writes++;
  }
  void page_zero(uint64_t bytes) {
    m_cost.cycles += Cycles(m_params.page_zero_cycles);
    m_cost.bytes_written += bytes;
  }
  void frame_alloc() {
    m_cost.cycles += Cycles(m_params.frame_alloc_cycles);
    m_cost.frames_allocated++;
  }
  void page_copy(uint64_t bytes) {
    m_cost.cycles += Cycles(m_params.page_copy_cycles);
    m_cost.bytes_read += bytes;
    m_cost.bytes_written += bytes;
  }
  void file_read() {
    m_cost.cycles += Cycles(m_params.file_read_cycles);
    m_cost.file_pages_read++;
    m_stats.file_pages_read++;
  }
  // The same, timed by the device (a BackingStore on the block device).
  void file_read_timed(uint64_t device_cycles) {
    m_cost.file_pages_read++;
    m_stats.file_pages_read++;
    device_wait(device_cycles);
  }
  void file_write_timed(uint64_t device_cycles) {
    m_cost.file_pages_written++;
    m_stats.file_pages_written++;
    device_wait(device_cycles);
  }
  void file_write() {
    m_cost.cycles += Cycles(m_params.file_write_cycles);
    m_cost.file_pages_written++;
    m_stats.file_pages_written++;
  }
  // Waiting for the block device (a major fault, a writeback to swap).
  void device_wait(uint64_t cycles) {
    m_cost.cycles += Cycles(cycles);
    m_stats.device_cycles += cycles;
  }
  void tlbi() {
    m_cost.cycles += Cycles(m_params.tlbi_cycles);
    m_cost.tlb_invalidations++;
    m_stats.tlb_invalidations++;
  }

  // A wait for other CPUs' TLB maintenance (a DSB ISH stall, IPI acknowledgements).
  void tlb_sync(Cycles wait) {
    m_cost.cycles += wait;
    m_stats.tlb_shootdown_cycles += wait.count();
  }

  const KernelCost& cost() const { return m_cost; }
  KernelStats& stats() { return m_stats; }

 private:
  const KernelCostParams& m_params;
  KernelStats& m_stats;
  KernelCost m_cost;
};

}  // namespace mmusim::sw
