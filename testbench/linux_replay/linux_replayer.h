// The Linux replayer: runs a syscall script (docs/syscall-script.md)
// on the host kernel, with real system calls in this process, and prints the
// transcript the simulator prints in compare mode (`mmusim script --compare`).
// It is the reference side of the differential tests (tests/difftest).
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "testbench/script/script_parser.h"

namespace mmusim::linux_replay {

// The comparison arena of the spec: the only addresses scripts map, and the
// only VMAs `maps` prints.
constexpr uint64_t kArenaStart = 0x1000'0000'0000ull;
constexpr uint64_t kArenaEnd = 0x2000'0000'0000ull;

class LinuxReplayer {
 public:
  // `source_name` is the file name used in "FILE:LINE: ..." errors.
  LinuxReplayer(std::string source_name, std::vector<script::ScriptOp> ops, std::ostream& out);
  ~LinuxReplayer();
  LinuxReplayer(const LinuxReplayer&) = delete;
  LinuxReplayer& operator=(const LinuxReplayer&) = delete;

  // Throws script::ScriptError "FILE:LINE: OP: not supported by the Linux
  // replayer" for the first extension operation, and for file names that are
  // not plain names, before anything runs.
  void check_supported() const;

  // Runs every operation. Throws script::ScriptError when an operation would
  // touch memory outside the arena that this process itself uses (the
  // script's process starts empty; this one cannot), after printing the
  // lines of the operations before it. Throws std::runtime_error when the
  // host refuses something the replayer needs (temporary directory).
  void run();

 private:
  void execute(const script::ScriptOp& op);
  [[noreturn]] void refuse(const script::ScriptOp& op, const std::string& what) const;
  // Refuses `op` when [start, end) would reach this process's own memory.
  void guard_range(const script::ScriptOp& op, uint64_t start, uint64_t end) const;
  void guard_access(const script::ScriptOp& op, uint64_t addr) const;
  int real_fd(uint64_t script_fd) const;
  std::string path_of(const std::string& name) const;
  // `maps`, or with `smaps` the same VMAs each followed by its smaps fields.
  void print_maps(bool smaps);
  void cleanup();

  std::string m_source;
  std::vector<script::ScriptOp> m_ops;
  std::ostream& m_out;
  std::string m_dir;              // private mkdtemp directory, "" until run()
  std::map<uint64_t, int> m_fds;  // script FD -> host fd
};

// The command-line tool: `mmusim_linux_replay FILE`. Returns the exit status
// (0 success, 1 host failure, 2 bad or unsupported script).
int replay_main(int argc, char* argv[]);

}  // namespace mmusim::linux_replay
