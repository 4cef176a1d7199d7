// Seeded random syscall scripts (docs/syscall-script.md) for
// differential testing of the simulator against the Linux replayer: valid
// and invalid calls, loads and stores, within a few small regions of the
// comparison arena so that VMAs split and merge.
//
// A script is a pure function of (seed, ops, features): the generator uses
// its own PRNG, not <random>'s distributions, so a seed means the same
// script on every platform and standard library.
//
// What the scripts avoid, because the simulator (arm64 Linux) and the host
// (any 64-bit Linux, often x86-64) legitimately differ there:
//   - lengths and addresses between 2^47 and 2^57 (TASK_SIZE is 2^48 on
//     arm64, 2^47 or 2^56 on x86-64); "huge" values are 2^57 and above;
//   - unaligned mmap hints (x86-64 rounds them down, arm64 up);
//   - arch-specific PROT_ and MAP_ bits (PROT_BTI/PROT_MTE 0x10/0x20,
//     MAP_32BIT 0x40); the invalid bits used are 0x40 in PROT and 0x08
//     in the MAP type;
//   - madvise lengths that reach beyond the arena without wrapping (Linux
//     would walk the replayer's own mappings);
//   - MADV_ values with side effects outside the script (HWPOISON...).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mmusim::scriptgen {

// Families of operations. Loads, stores and `maps` are always generated.
enum Feature : unsigned {
  kAnon = 1u << 0,     // mmap/munmap/mprotect of anonymous memory
  kFiles = 1u << 1,    // file/open/close/truncate/pread/pwrite, file mappings
  kMremap = 1u << 2,   // mremap
  kMadvise = 1u << 3,  // madvise
  kMsync = 1u << 4,    // msync
  // MAP_GROWSDOWN in mmap flags (stack growth below such a VMA, the guard
  // gap); apart from anon because the simulator does not grow stacks yet.
  kGrowsdown = 1u << 5,
  // Numeric flag values beyond the spec's flag words that Linux accepts:
  // the MAP_DROPPABLE mapping type (0x08, Linux 6.11+ on 64-bit). Values
  // Linux rejects (PROT 0x40, MADV 5 and 7, MS 0x8, ...) are part of every
  // family.
  kRawFlags = 1u << 6,
  kAllFeatures = kAnon | kFiles | kMremap | kMadvise | kMsync | kGrowsdown | kRawFlags,
};

// "anon,files" -> kAnon | kFiles; "all" is every family. nullopt (and
// `error` set) for an unknown or empty word.
std::optional<unsigned> parse_features(std::string_view list, std::string* error);
// The canonical list for a mask, "anon,files".
std::string features_string(unsigned features);

struct GeneratorOptions {
  uint64_t seed = 0;
  unsigned ops = 40;  // operations before the final `maps`
  unsigned features = kAllFeatures;
};

// The script text: a comment line naming the options, the operations, and a
// final `maps`.
std::string generate_script(const GeneratorOptions& options);

}  // namespace mmusim::scriptgen
