#include "testbench/script/transcript.h"

#include <cstdio>

namespace mmusim::script {

namespace {

struct ErrnoName {
  int number;
  std::string_view name;
};

// Linux asm-generic/errno-base.h and errno.h.
constexpr ErrnoName kErrnos[] = {
    {1, "EPERM"},   {2, "ENOENT"},  {6, "ENXIO"},      {9, "EBADF"},  {11, "EAGAIN"},
    {12, "ENOMEM"}, {13, "EACCES"}, {14, "EFAULT"},    {16, "EBUSY"}, {17, "EEXIST"},
    {19, "ENODEV"}, {22, "EINVAL"}, {75, "EOVERFLOW"},
};

// Linux reserves the top 4095 values of the return register for errors.
constexpr uint64_t kMaxErrno = 4095;

}  // namespace

std::string format_hex_addr(uint64_t addr) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(addr));
  return buf;
}

std::string format_byte(uint8_t value) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned>(value));
  return buf;
}

std::optional<std::string_view> errno_name(int err) {
  for (const ErrnoName& e : kErrnos)
    if (e.number == err) return e.name;
  return std::nullopt;
}

std::optional<int> errno_from_name(std::string_view name) {
  for (const ErrnoName& e : kErrnos)
    if (e.name == name) return e.number;
  return std::nullopt;
}

std::string format_errno(int64_t err) {
  const uint64_t positive = err < 0 ? 0 - static_cast<uint64_t>(err) : static_cast<uint64_t>(err);
  if (positive <= kMaxErrno)
    if (const auto name = errno_name(static_cast<int>(positive))) return "-" + std::string(*name);
  return "-E" + std::to_string(positive);
}

std::string format_status(int64_t result) {
  return result < 0 ? format_errno(result) : std::to_string(result);
}

std::string format_addr_result(uint64_t result) {
  if (result >= UINT64_MAX - kMaxErrno + 1) return format_errno(static_cast<int64_t>(result));
  return format_hex_addr(result);
}

std::string format_line(std::string_view op, std::string_view result) {
  std::string line(op);
  line += " = ";
  line += result;
  return line;
}

std::string format_smaps_field(std::string_view name, uint64_t kb) {
  char buf[96];
  const std::string label = std::string(name) + ":";
  std::snprintf(buf, sizeof buf, "  %-16s%8llu kB", label.c_str(),
                static_cast<unsigned long long>(kb));
  return buf;
}

std::string format_maps_entry(const MapsEntry& e) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "  %llx-%llx %c%c%c%c %08llx",
                static_cast<unsigned long long>(e.start), static_cast<unsigned long long>(e.end),
                e.read ? 'r' : '-', e.write ? 'w' : '-', e.exec ? 'x' : '-', e.shared ? 's' : 'p',
                static_cast<unsigned long long>(e.offset));
  std::string line = buf;
  if (!e.name.empty()) {
    line += ' ';
    line += e.name;
  }
  return line;
}

}  // namespace mmusim::script
