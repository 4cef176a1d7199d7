// Stage-1 access permission checks (Arm ARM D8.4 "Memory access control").
#pragma once

#include "model/arch/descriptor.h"
#include "model/arch/fault.h"

namespace mmusim::arch {

// Effective permissions of a leaf, after the hierarchical APTable/XNTable
// controls of the tables above it have been folded in.
struct Permissions {
  Ap ap = Ap::kPrivRw;
  bool pxn = false;
  bool uxn = false;
};

// Folds a table descriptor's hierarchical controls into `perm` (D8.4.2):
// APTable[0] removes EL0 access, APTable[1] removes write access, and the
// XNTable bits force execute-never.
Permissions apply_table_attrs(Permissions perm, const TableAttrs& table);

// True when `access` at `el` is allowed. Rules (D8.4.1):
//  - EL0 reads and writes need AP[1] (EL0 access); writes need AP[2] clear.
//  - EL0 fetches need UXN clear (AP does not gate EL0 execution, which is
//    how execute-only memory works).
//  - EL1 fetches need PXN clear and the region not writable at EL0
//    (memory writable at EL0 is privileged-execute-never).
bool permits(const Permissions& perm, AccessKind access, ExceptionLevel el);

}  // namespace mmusim::arch
