// One address space (mm_struct) and what its tasks share: VMAs, page
// tables, ASID, open files, the heap break. Owned by the address-space
// subsystem (AddressSpaceState in sw/mm/address_spaces.h); other subsystems get
// a Process& for the operation at hand.
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "sw/kernel.h"
#include "sw/mm/pgtable.h"
#include "sw/mm/vma.h"
#include "sw/pagecache/files.h"

namespace mmusim::sw {

struct Process {
  Pid pid = 0;
  Asid asid;
  VmaSet vmas;
  std::unique_ptr<PageTable> page_table;
  std::map<int, std::shared_ptr<OpenFile>> fds;
  int users = 0;           // tasks sharing this mm (threads)
  uint64_t brk_start = 0;  // mm->start_brk (0: no heap yet)
  uint64_t brk = 0;        // mm->brk
};

}  // namespace mmusim::sw
