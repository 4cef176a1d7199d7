#include "sw/abi.h"

#include <array>
#include <utility>

namespace mmusim::sw::abi {

namespace {

constexpr std::array<std::pair<std::string_view, Errno>, 16> kErrnoNames{{
    {"EPERM", Errno::kEPERM},
    {"ENOENT", Errno::kENOENT},
    {"ENXIO", Errno::kENXIO},
    {"EBADF", Errno::kEBADF},
    {"EAGAIN", Errno::kEAGAIN},
    {"ENOMEM", Errno::kENOMEM},
    {"EACCES", Errno::kEACCES},
    {"EFAULT", Errno::kEFAULT},
    {"EBUSY", Errno::kEBUSY},
    {"EEXIST", Errno::kEEXIST},
    {"ENODEV", Errno::kENODEV},
    {"EINVAL", Errno::kEINVAL},
    {"EFBIG", Errno::kEFBIG},
    {"ENOSPC", Errno::kENOSPC},
    {"EOVERFLOW", Errno::kEOVERFLOW},
    {"EOPNOTSUPP", Errno::kEOPNOTSUPP},
}};

struct FlagName {
  FlagFamily family;
  std::string_view name;
  int value;
};

// The flag words of docs/syscall-script.md, "Lines and words".
constexpr std::array<FlagName, 43> kFlagNames{{
    {FlagFamily::kProt, "PROT_NONE", kProtNone},
    {FlagFamily::kProt, "PROT_READ", kProtRead},
    {FlagFamily::kProt, "PROT_WRITE", kProtWrite},
    {FlagFamily::kProt, "PROT_EXEC", kProtExec},
    {FlagFamily::kMap, "MAP_SHARED", kMapShared},
    {FlagFamily::kMap, "MAP_PRIVATE", kMapPrivate},
    {FlagFamily::kMap, "MAP_ANONYMOUS", kMapAnonymous},
    {FlagFamily::kMap, "MAP_FIXED", kMapFixed},
    {FlagFamily::kMap, "MAP_FIXED_NOREPLACE", kMapFixedNoreplace},
    {FlagFamily::kMap, "MAP_POPULATE", kMapPopulate},
    {FlagFamily::kMap, "MAP_NORESERVE", kMapNoreserve},
    {FlagFamily::kMap, "MAP_LOCKED", kMapLocked},
    {FlagFamily::kMap, "MAP_GROWSDOWN", kMapGrowsdown},
    {FlagFamily::kMremap, "MREMAP_MAYMOVE", kMremapMaymove},
    {FlagFamily::kMremap, "MREMAP_FIXED", kMremapFixed},
    {FlagFamily::kMremap, "MREMAP_DONTUNMAP", kMremapDontunmap},
    {FlagFamily::kMadvise, "MADV_NORMAL", kMadvNormal},
    {FlagFamily::kMadvise, "MADV_RANDOM", kMadvRandom},
    {FlagFamily::kMadvise, "MADV_SEQUENTIAL", kMadvSequential},
    {FlagFamily::kMadvise, "MADV_WILLNEED", kMadvWillneed},
    {FlagFamily::kMadvise, "MADV_DONTNEED", kMadvDontneed},
    {FlagFamily::kMadvise, "MADV_FREE", kMadvFree},
    {FlagFamily::kMadvise, "MADV_REMOVE", kMadvRemove},
    {FlagFamily::kMadvise, "MADV_DONTFORK", kMadvDontfork},
    {FlagFamily::kMadvise, "MADV_DOFORK", kMadvDofork},
    {FlagFamily::kMadvise, "MADV_HUGEPAGE", kMadvHugepage},
    {FlagFamily::kMadvise, "MADV_NOHUGEPAGE", kMadvNohugepage},
    {FlagFamily::kMadvise, "MADV_MERGEABLE", kMadvMergeable},
    {FlagFamily::kMadvise, "MADV_UNMERGEABLE", kMadvUnmergeable},
    {FlagFamily::kMadvise, "MADV_DONTDUMP", kMadvDontdump},
    {FlagFamily::kMadvise, "MADV_DODUMP", kMadvDodump},
    {FlagFamily::kMadvise, "MADV_WIPEONFORK", kMadvWipeonfork},
    {FlagFamily::kMadvise, "MADV_KEEPONFORK", kMadvKeeponfork},
    {FlagFamily::kMadvise, "MADV_COLD", kMadvCold},
    {FlagFamily::kMadvise, "MADV_PAGEOUT", kMadvPageout},
    {FlagFamily::kMadvise, "MADV_HWPOISON", kMadvHwpoison},
    {FlagFamily::kMadvise, "MADV_SOFT_OFFLINE", kMadvSoftOffline},
    {FlagFamily::kMsync, "MS_ASYNC", kMsAsync},
    {FlagFamily::kMsync, "MS_SYNC", kMsSync},
    {FlagFamily::kMsync, "MS_INVALIDATE", kMsInvalidate},
    {FlagFamily::kOpen, "O_RDONLY", kORdonly},
    {FlagFamily::kOpen, "O_WRONLY", kOWronly},
    {FlagFamily::kOpen, "O_RDWR", kORdwr},
}};

}  // namespace

std::string_view errno_name(Errno e) {
  for (const auto& [name, value] : kErrnoNames)
    if (value == e) return name;
  return "E?";
}

std::optional<Errno> errno_from_name(std::string_view name) {
  for (const auto& [n, value] : kErrnoNames)
    if (n == name) return value;
  return std::nullopt;
}

std::optional<int> flag_value(FlagFamily family, std::string_view name) {
  if (name == "0") return 0;  // valid in every family (the spec's lexical rules)
  for (const auto& f : kFlagNames)
    if (f.family == family && f.name == name) return f.value;
  return std::nullopt;
}

}  // namespace mmusim::sw::abi
