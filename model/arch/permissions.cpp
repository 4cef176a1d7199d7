#include "model/arch/permissions.h"

namespace mmusim::arch {

namespace {
constexpr bool el0_access(Ap ap) {
  return ap == Ap::kRw || ap == Ap::kRo;
}
constexpr bool read_only(Ap ap) {
  return ap == Ap::kPrivRo || ap == Ap::kRo;
}
}  // namespace

Permissions apply_table_attrs(Permissions perm, const TableAttrs& table) {
  bool el0 = el0_access(perm.ap) && !table.no_el0;
  bool ro = read_only(perm.ap) || table.read_only;
  perm.ap = el0 ? (ro ? Ap::kRo : Ap::kRw) : (ro ? Ap::kPrivRo : Ap::kPrivRw);
  perm.pxn = perm.pxn || table.pxn;
  perm.uxn = perm.uxn || table.uxn;
  return perm;
}

bool permits(const Permissions& perm, AccessKind access, ExceptionLevel el) {
  const bool el0 = el == ExceptionLevel::kEl0;
  switch (access) {
    case AccessKind::kRead:
      return !el0 || el0_access(perm.ap);
    case AccessKind::kWrite:
      return !read_only(perm.ap) && (!el0 || el0_access(perm.ap));
    case AccessKind::kFetch:
      if (el0) return !perm.uxn;
      return !perm.pxn && !(el0_access(perm.ap) && !read_only(perm.ap));
  }
  return false;
}

}  // namespace mmusim::arch
