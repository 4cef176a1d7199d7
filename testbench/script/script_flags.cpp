#include "testbench/script/script_flags.h"

#include <iterator>

namespace mmusim::script {

namespace {

struct FlagWord {
  FlagFamily family;
  std::string_view name;
  int value;
};

constexpr FlagWord kFlagWords[] = {
    {FlagFamily::kProt, "PROT_NONE", 0x0},
    {FlagFamily::kProt, "PROT_READ", 0x1},
    {FlagFamily::kProt, "PROT_WRITE", 0x2},
    {FlagFamily::kProt, "PROT_EXEC", 0x4},

    {FlagFamily::kMap, "MAP_SHARED", 0x1},
    {FlagFamily::kMap, "MAP_PRIVATE", 0x2},
    {FlagFamily::kMap, "MAP_FIXED", 0x10},
    {FlagFamily::kMap, "MAP_ANONYMOUS", 0x20},
    {FlagFamily::kMap, "MAP_GROWSDOWN", 0x100},
    {FlagFamily::kMap, "MAP_LOCKED", 0x2000},
    {FlagFamily::kMap, "MAP_NORESERVE", 0x4000},
    {FlagFamily::kMap, "MAP_POPULATE", 0x8000},
    {FlagFamily::kMap, "MAP_FIXED_NOREPLACE", 0x100000},
    // Extensions (docs/syscall-script-extensions.md): hugetlb pages.
    {FlagFamily::kMap, "MAP_HUGETLB", 0x40000},
    {FlagFamily::kMap, "MAP_HUGE_2MB", 21 << 26},
    {FlagFamily::kMap, "MAP_HUGE_1GB", 30 << 26},

    {FlagFamily::kMremap, "MREMAP_MAYMOVE", 1},
    {FlagFamily::kMremap, "MREMAP_FIXED", 2},
    {FlagFamily::kMremap, "MREMAP_DONTUNMAP", 4},

    {FlagFamily::kMadv, "MADV_NORMAL", 0},
    {FlagFamily::kMadv, "MADV_RANDOM", 1},
    {FlagFamily::kMadv, "MADV_SEQUENTIAL", 2},
    {FlagFamily::kMadv, "MADV_WILLNEED", 3},
    {FlagFamily::kMadv, "MADV_DONTNEED", 4},
    {FlagFamily::kMadv, "MADV_FREE", 8},
    {FlagFamily::kMadv, "MADV_REMOVE", 9},
    {FlagFamily::kMadv, "MADV_DONTFORK", 10},
    {FlagFamily::kMadv, "MADV_DOFORK", 11},
    {FlagFamily::kMadv, "MADV_HUGEPAGE", 14},
    {FlagFamily::kMadv, "MADV_NOHUGEPAGE", 15},
    {FlagFamily::kMadv, "MADV_MERGEABLE", 12},
    {FlagFamily::kMadv, "MADV_UNMERGEABLE", 13},
    {FlagFamily::kMadv, "MADV_DONTDUMP", 16},
    {FlagFamily::kMadv, "MADV_DODUMP", 17},
    {FlagFamily::kMadv, "MADV_WIPEONFORK", 18},
    {FlagFamily::kMadv, "MADV_KEEPONFORK", 19},
    {FlagFamily::kMadv, "MADV_COLD", 20},
    {FlagFamily::kMadv, "MADV_PAGEOUT", 21},
    {FlagFamily::kMadv, "MADV_HWPOISON", 100},
    {FlagFamily::kMadv, "MADV_SOFT_OFFLINE", 101},

    {FlagFamily::kMs, "MS_ASYNC", 1},
    {FlagFamily::kMs, "MS_INVALIDATE", 2},
    {FlagFamily::kMs, "MS_SYNC", 4},

    {FlagFamily::kOpen, "O_RDONLY", 0},
    {FlagFamily::kOpen, "O_WRONLY", 1},
    {FlagFamily::kOpen, "O_RDWR", 2},

    // Linux arm64 MT_* MAIR indices (the kernel layer's MAIR, model/arch/memattr.h).
    {FlagFamily::kMt, "MT_NORMAL", 0},
    {FlagFamily::kMt, "MT_NORMAL_TAGGED", 1},
    {FlagFamily::kMt, "MT_NORMAL_NC", 2},
    {FlagFamily::kMt, "MT_DEVICE_nGnRnE", 3},
    {FlagFamily::kMt, "MT_DEVICE_nGnRE", 4},
    {FlagFamily::kMt, "MT_DEVICE_nGRE", 5},
    {FlagFamily::kMt, "MT_DEVICE_GRE", 6},
    {FlagFamily::kMt, "MT_NORMAL_WT", 7},
    {FlagFamily::kMt, "MT_ONFAULT", kMtOnFault},
};

}  // namespace

std::string_view family_name(FlagFamily family) {
  switch (family) {
    case FlagFamily::kProt:
      return "PROT";
    case FlagFamily::kMap:
      return "MAP";
    case FlagFamily::kMremap:
      return "MREMAP";
    case FlagFamily::kMadv:
      return "MADV";
    case FlagFamily::kMs:
      return "MS";
    case FlagFamily::kOpen:
      return "O";
    case FlagFamily::kMt:
      return "MT";
  }
  return "?";
}

bool is_bitmask(FlagFamily family) {
  return family != FlagFamily::kMadv && family != FlagFamily::kOpen;
}

std::optional<int> flag_value(FlagFamily family, std::string_view word) {
  for (const FlagWord& f : kFlagWords)
    if (f.family == family && f.name == word) return f.value;
  return std::nullopt;
}

}  // namespace mmusim::script
