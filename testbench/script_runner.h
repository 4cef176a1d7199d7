// Runs a parsed syscall script (docs/syscall-script.md) as the
// workload of one simulated process: system calls go to the kernel layer
// (their cost is charged to the CPU), loads and stores are real accesses
// through the CPU port, and one transcript line is printed per operation.
// Simulator extensions are documented in docs/syscall-script-extensions.md.
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "model/cpu/cpu_port.h"
#include "system/platform.h"
#include "testbench/core_dispatch.h"
#include "testbench/script/script_parser.h"

namespace mmusim {

struct ScriptRunnerOptions {
  // Linux-comparison mode: kernel-chosen addresses outside the comparison
  // arena print "outside", and `maps` lists only VMAs inside it, exactly as
  // the Linux replayer does.
  bool compare_mode = false;
  // The platform whose devices `iomap` maps and whose UART `uart` prints;
  // without one, `iomap` finds no device (-ENOENT) and `uart` prints "".
  const Platform* platform = nullptr;
  // Runs the lines after `cpu N` on core N (testbench/core_dispatch.h): the
  // runner is then the dispatcher's driver, on core 0. Without one, the
  // script has one core: `cpu 0` only.
  CoreDispatcher* dispatcher = nullptr;
};

// The bytes as a C string literal: printable ASCII as is, \n \r \t \\ \"
// escaped, everything else \xHH.
std::string c_quoted(const std::string& bytes);

constexpr uint64_t kArenaStart = 0x1000'0000'0000ull;
constexpr uint64_t kArenaEnd = 0x2000'0000'0000ull;

class ScriptRunner : public Workload {
 public:
  ScriptRunner(std::string source_name, std::vector<script::ScriptOp> ops, std::ostream& out,
               ScriptRunnerOptions options = {});

  void run(CpuPort& cpu) override;

 private:
  void execute(const script::ScriptOp& op, CpuPort& cpu);
  std::string access_result(AccessOutcome outcome) const;

  // Script task numbers to kernel pids; the process the platform starts
  // with is task 1.
  std::map<uint64_t, sw::Pid> m_tasks;
  std::string m_source;
  std::vector<script::ScriptOp> m_ops;
  std::ostream& m_out;
  ScriptRunnerOptions m_options;
  unsigned m_core = 0;  // where the following lines run (`cpu N`)
};

}  // namespace mmusim
