// Linux user ABI constants the kernel layer implements (values as in
// include/uapi/asm-generic/mman-common.h, mman.h and errno-base.h), in a
// namespace of their own so they never collide with the host's macros.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mmusim::sw::abi {

constexpr int kProtNone = 0x0;
constexpr int kProtRead = 0x1;
constexpr int kProtWrite = 0x2;
constexpr int kProtExec = 0x4;

constexpr int kMapShared = 0x01;
constexpr int kMapPrivate = 0x02;
constexpr int kMapSharedValidate = 0x03;
constexpr int kMapDroppable = 0x08;
constexpr int kMapTypeMask = 0x0f;
constexpr int kMapFixed = 0x10;
constexpr int kMapAnonymous = 0x20;
constexpr int kMapGrowsdown = 0x0100;
constexpr int kMapLocked = 0x2000;
constexpr int kMapNoreserve = 0x4000;
constexpr int kMapPopulate = 0x8000;
constexpr int kMapHugetlb = 0x40000;
constexpr int kMapFixedNoreplace = 0x100000;

constexpr int kMremapMaymove = 1;
constexpr int kMremapFixed = 2;
constexpr int kMremapDontunmap = 4;

constexpr int kMadvNormal = 0;
constexpr int kMadvRandom = 1;
constexpr int kMadvSequential = 2;
constexpr int kMadvWillneed = 3;
constexpr int kMadvDontneed = 4;
constexpr int kMadvFree = 8;
constexpr int kMadvRemove = 9;
constexpr int kMadvDontfork = 10;
constexpr int kMadvDofork = 11;
constexpr int kMadvMergeable = 12;
constexpr int kMadvUnmergeable = 13;
constexpr int kMadvHugepage = 14;
constexpr int kMadvNohugepage = 15;
constexpr int kMadvDontdump = 16;
constexpr int kMadvDodump = 17;
constexpr int kMadvWipeonfork = 18;
constexpr int kMadvKeeponfork = 19;
constexpr int kMadvCold = 20;
constexpr int kMadvPageout = 21;
constexpr int kMadvHwpoison = 100;
constexpr int kMadvSoftOffline = 101;

constexpr int kMsAsync = 1;
constexpr int kMsInvalidate = 2;
constexpr int kMsSync = 4;

constexpr int kORdonly = 0;
constexpr int kOWronly = 1;
constexpr int kORdwr = 2;

// Error numbers (positive; system calls return their negation).
enum class Errno : int {
  kEPERM = 1,
  kENOENT = 2,
  kENXIO = 6,
  kEBADF = 9,
  kEAGAIN = 11,
  kENOMEM = 12,
  kEACCES = 13,
  kEFAULT = 14,
  kEBUSY = 16,
  kEEXIST = 17,
  kENODEV = 19,
  kEINVAL = 22,
  kEFBIG = 27,
  kENOSPC = 28,
  kEOVERFLOW = 75,
  kEOPNOTSUPP = 95,
};

// "EINVAL" for Errno::kEINVAL.
std::string_view errno_name(Errno e);
std::optional<Errno> errno_from_name(std::string_view name);

// Flag words as written in syscall scripts ("PROT_READ", "MAP_FIXED", ...).
// Returns nullopt for an unknown name. `kind` selects the namespace so that
// "0" and names of other families are rejected where they do not belong.
enum class FlagFamily { kProt, kMap, kMremap, kMadvise, kMsync, kOpen };
std::optional<int> flag_value(FlagFamily family, std::string_view name);

}  // namespace mmusim::sw::abi
