// What kernel work costs. Every kernel operation returns a KernelCost; the
// platform charges `cycles` to simulated time. The counts say where the
// cycles came from (and what memory traffic the operation caused).
#pragma once

#include <cstdint>

#include "model/arch/types.h"

namespace mmusim::sw {

// Cycle costs of kernel work, in core cycles. Defaults are of the order
// measured for arm64 Linux on a ~2 GHz out-of-order core.
struct KernelCostParams {
  uint64_t syscall_cycles = 150;         // entry + exit of a system call
  uint64_t fault_cycles = 400;           // exception entry, fault decode, exit
  uint64_t vma_op_cycles = 60;           // find/insert/split/merge of one VMA
  uint64_t descriptor_write_cycles = 4;  // one descriptor store (+ barrier share)
  uint64_t page_zero_cycles = 256;       // clearing 4 KB (DC ZVA, 64 B per cycle)
  uint64_t page_copy_cycles = 512;       // copying 4 KB
  uint64_t frame_alloc_cycles = 80;      // one frame from the allocator
  uint64_t tlbi_cycles = 40;             // one TLBI + its share of DSB
  uint64_t file_read_cycles = 20000;     // reading one page from the backing store
  uint64_t file_write_cycles = 20000;    // writing one page back to the backing store
  uint64_t ipi_entry_cycles = 400;       // an IPI handler's exception entry + exit (receiver)
  void validate() const;                 // throws std::invalid_argument naming the field
};

struct KernelCost {
  Cycles cycles;
  uint64_t descriptor_writes = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t tlb_invalidations = 0;
  uint64_t frames_allocated = 0;
  uint64_t file_pages_read = 0;     // from the backing store
  uint64_t file_pages_written = 0;  // to the backing store

  KernelCost& operator+=(const KernelCost& o) {
    cycles += o.cycles;
    descriptor_writes += o.descriptor_writes;
    bytes_read += o.bytes_read;
    bytes_written += o.bytes_written;
    tlb_invalidations += o.tlb_invalidations;
    frames_allocated += o.frames_allocated;
    file_pages_read += o.file_pages_read;
    file_pages_written += o.file_pages_written;
    return *this;
  }
};

}  // namespace mmusim::sw
