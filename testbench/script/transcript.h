// Transcript formatting shared by the simulator's script runner and the
// Linux replayer, so that both print byte-identical lines
// (docs/syscall-script.md, "Core operations").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mmusim::script {

// "0x100000000000": lowercase hex, no padding.
std::string format_hex_addr(uint64_t addr);

// "0x2a": two lowercase hex digits.
std::string format_byte(uint8_t value);

// "-EINVAL" for -22 (or 22). Numbers without a name in the table print as
// "-E<number>", e.g. "-E95", so that the line still compares unequal rather
// than being mistaken for a result.
std::string format_errno(int64_t err);

// "0" for 0, "-EINVAL" for a negative value (the status of file, open,
// close, munmap, mprotect, ...). Positive values print in decimal.
std::string format_status(int64_t result);

// The result of mmap/mremap as the raw register value: an address in hex,
// or "-ERRNO" for the Linux error range [-4095, -1].
std::string format_addr_result(uint64_t result);

// The name of a positive errno ("EINVAL"); nullopt when not in the table.
std::optional<std::string_view> errno_name(int err);
// The number of an errno name ("EINVAL" -> 22).
std::optional<int> errno_from_name(std::string_view name);

// "op = result", the form of every transcript line.
std::string format_line(std::string_view op, std::string_view result);

// One VMA as `maps` prints it, /proc/PID/maps without device and inode:
// "  100000002000-100000003000 r--s 00001000 data.bin".
struct MapsEntry {
  uint64_t start = 0;
  uint64_t end = 0;
  bool read = false;
  bool write = false;
  bool exec = false;
  bool shared = false;
  uint64_t offset = 0;  // file offset in bytes (0 for private anonymous)
  std::string name;     // file name, "[shared-anon]", or empty
};
std::string format_maps_entry(const MapsEntry& entry);

// The /proc/PID/smaps fields `smaps` prints after each maps line, in
// Linux's order (a subset of its lines).
constexpr const char* kSmapsFields[] = {
    "Size",           "KernelPageSize",  "MMUPageSize",   "Rss",           "Pss",
    "Shared_Clean",   "Shared_Dirty",    "Private_Clean", "Private_Dirty", "AnonHugePages",
    "Shared_Hugetlb", "Private_Hugetlb", "Swap",          "Locked"};
constexpr unsigned kSmapsFieldCount = sizeof kSmapsFields / sizeof kSmapsFields[0];
// "  Rss:                   8 kB": the name and colon padded to 16 columns, the value to 8.
std::string format_smaps_field(std::string_view name, uint64_t kb);

}  // namespace mmusim::script
