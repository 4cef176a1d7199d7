#include "testbench/script_runner.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "sw/mm/address_spaces.h"
#include "sw/reclaim/reclaim.h"
#include "system/platform.h"
#include "testbench/script/transcript.h"

namespace mmusim {

using arch::AccessKind;
using script::OpKind;

ScriptRunner::ScriptRunner(std::string source_name, std::vector<script::ScriptOp> ops,
                           std::ostream& out, ScriptRunnerOptions options)
    : m_source(std::move(source_name)), m_ops(std::move(ops)), m_out(out), m_options(options) {}

std::string c_quoted(const std::string& bytes) {
  std::string out = "\"";
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out += static_cast<char>(c);
        } else {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        }
    }
  }
  return out + "\"";
}

std::string ScriptRunner::access_result(AccessOutcome outcome) const {
  return outcome == AccessOutcome::kSigsegv   ? "SIGSEGV"
         : outcome == AccessOutcome::kSigkill ? "SIGKILL"
                                              : "SIGBUS";
}

void ScriptRunner::run(CpuPort& cpu) {
  if (m_tasks.empty() && kernel_of(cpu).mm().current()) m_tasks[1] = kernel_of(cpu).mm().current();
  size_t reported = kernel_of(cpu).reclaim().oom_kills().size();
  // The other cores' workloads end with this one, also when an operation fails.
  struct StopCores {
    CoreDispatcher* d;
    ~StopCores() {
      if (d) d->stop();
    }
  } stop_cores{m_options.dispatcher};
  const unsigned cores = m_options.dispatcher ? m_options.dispatcher->cores() : 1;
  for (const script::ScriptOp& op : m_ops) {
    if (op.kind == OpKind::kCpu) {  // the current core stays on a bad N
      const bool ok = op.arg("N") < cores;
      if (ok) m_core = static_cast<unsigned>(op.arg("N"));
      m_out << script::format_line("cpu", ok ? "0" : "-EINVAL") << '\n';
      continue;
    }
    if (m_core == cpu.index())
      execute(op, cpu);
    else
      m_options.dispatcher->run_on(m_core, cpu, [&](CpuPort& on) { execute(op, on); });
    // OOM kills the operation caused, after its own line (and on stderr).
    const auto& kills = kernel_of(cpu).reclaim().oom_kills();
    for (; reported < kills.size(); ++reported) {
      m_out << "oom-kill: " << kills[reported].describe() << '\n';
      std::fprintf(stderr, "mmusim: %s\n", kills[reported].describe().c_str());
    }
  }
  m_out.flush();
}

void ScriptRunner::execute(const script::ScriptOp& op, CpuPort& cpu) {
  sw::Kernel& k = kernel_of(cpu);
  const std::string name(script::op_name(op.kind));
  auto line = [&](const std::string& result) {
    m_out << script::format_line(name, result) << '\n';
  };
  auto status = [&](const sw::SyscallResult& r) {
    cpu.charge(r.cost);
    line(script::format_status(r.value));
  };
  // mmap, mremap, iomap: an address (or "outside" the arena in comparison mode) or -ERRNO.
  auto address = [&](const sw::SyscallResult& r) {
    cpu.charge(r.cost);
    const uint64_t v = static_cast<uint64_t>(r.value);
    if (m_options.compare_mode && r.ok() && (v < kArenaStart || v >= kArenaEnd))
      line("outside");
    else
      line(script::format_addr_result(v));
  };
  // Task management first; everything else needs a current task.
  auto new_task = [&](uint64_t id, const sw::SyscallResult& r) {
    cpu.charge(r.cost);
    if (r.ok()) m_tasks[id] = static_cast<sw::Pid>(r.value);
    line(r.ok() ? "0" : script::format_errno(r.value));
  };
  switch (op.kind) {
    case OpKind::kSpawn:
      if (m_tasks.count(op.arg("PID"))) return line("-EEXIST");
      m_tasks[op.arg("PID")] = k.mm().spawn();
      if (!k.mm().current()) cpu.charge(k.mm().switch_to(m_tasks[op.arg("PID")]));
      return line("0");
    case OpKind::kSwitch: {
      auto it = m_tasks.find(op.arg("PID"));
      if (it == m_tasks.end() || !k.mm().exists(it->second)) return line("-ESRCH");
      cpu.charge(k.mm().switch_to(it->second));
      return line("0");
    }
    case OpKind::kUart:  // the machine's, whichever task runs (or none)
      return line(c_quoted(m_options.platform ? m_options.platform->uart.output() : std::string()));
    default:
      break;
  }
  if (!k.mm().current()) {  // after `exit`, until `switch` or `spawn`
    if (op.kind == OpKind::kMaps)
      m_out << "maps:\n";
    else
      line(op.kind == OpKind::kLoad || op.kind == OpKind::kStore || op.kind == OpKind::kFetch ||
                   op.kind == OpKind::kLoadN || op.kind == OpKind::kStoreN
               ? "SIGSEGV"
               : "-ESRCH");
    return;
  }
  switch (op.kind) {
    case OpKind::kSpawn:
    case OpKind::kSwitch:
    case OpKind::kUart:
      break;  // handled above
    case OpKind::kCpu:
      break;  // by run(), on the driver's core
    case OpKind::kFork:
    case OpKind::kThread: {
      const uint64_t id = op.kind == OpKind::kFork ? op.arg("CHILD") : op.arg("TID");
      if (m_tasks.count(id)) return line("-EEXIST");
      new_task(id, op.kind == OpKind::kFork ? k.fork() : k.clone_thread());
      return;
    }
    case OpKind::kExit: {
      const sw::Pid self = k.mm().current();
      const sw::SyscallResult r = k.exit();
      cpu.charge(r.cost);
      for (auto it = m_tasks.begin(); it != m_tasks.end(); ++it)
        if (it->second == self) {
          m_tasks.erase(it);
          break;
        }
      return line("0");
    }
    case OpKind::kFile:
      status(k.create_file(op.name, op.arg("SIZE")));
      break;
    case OpKind::kOpen:
      status(k.open(static_cast<int>(op.arg("FD")), op.name, op.flags("MODE")));
      break;
    case OpKind::kClose:
      status(k.close(static_cast<int>(op.arg("FD"))));
      break;
    case OpKind::kTruncate:
      status(k.ftruncate(static_cast<int>(op.arg("FD")), op.arg("SIZE")));
      break;
    case OpKind::kMsync:
      status(k.msync(VirtAddr(op.arg("ADDR")), op.arg("LEN"), op.flags("FLAGS")));
      break;
    case OpKind::kMadvise:
      status(k.madvise(VirtAddr(op.arg("ADDR")), op.arg("LEN"), op.flags("ADVICE")));
      break;
    case OpKind::kMremap: {
      const sw::SyscallResult r =
          k.mremap(VirtAddr(op.arg("OLD")), op.arg("OLDLEN"), op.arg("NEWLEN"), op.flags("FLAGS"),
                   VirtAddr(op.has_tail ? op.arg("NEWADDR") : 0));
      address(r);
      break;
    }
    case OpKind::kPread: {
      uint8_t byte = 0;
      const sw::SyscallResult r = k.pread(static_cast<int>(op.arg("FD")), op.arg("OFFSET"), &byte);
      cpu.charge(r.cost);
      line(r.value > 0    ? script::format_byte(byte)
           : r.value == 0 ? "eof"
                          : script::format_errno(r.value));
      break;
    }
    case OpKind::kPwrite: {
      const sw::SyscallResult r = k.pwrite(static_cast<int>(op.arg("FD")), op.arg("OFFSET"),
                                           static_cast<uint8_t>(op.arg("VALUE")));
      cpu.charge(r.cost);
      line(r.ok() ? "0" : script::format_errno(r.value));
      break;
    }
    case OpKind::kMmap: {
      const sw::SyscallResult r = k.mmap(
          VirtAddr(op.arg("ADDR")), op.arg("LEN"), op.flags("PROT"), op.flags("FLAGS"),
          op.has_tail ? static_cast<int>(op.arg("FD")) : -1, op.has_tail ? op.arg("OFFSET") : 0);
      address(r);
      break;
    }
    case OpKind::kMunmap:
      status(k.munmap(VirtAddr(op.arg("ADDR")), op.arg("LEN")));
      break;
    case OpKind::kIomap: {
      // mmap of the device's character device, whose driver maps its
      // registers with io_remap_pfn_range (docs/syscall-script-extensions.md).
      const IoWindow* window = nullptr;
      std::vector<IoWindow> windows;
      if (m_options.platform) windows = m_options.platform->io_windows();
      for (const IoWindow& w : windows)
        if (w.name == op.name) window = &w;
      if (!window) return line("-ENOENT");  // open("/dev/NAME") finds nothing
      sw::IoRegion dev;
      dev.name = window->name;
      dev.base = window->base;
      dev.size = window->size;
      dev.attr_index = window->default_attr_index;
      if (op.has_tail) {
        dev.attr_index = static_cast<uint8_t>(op.arg("MEMTYPE") & 7);
        dev.on_fault = (op.arg("MEMTYPE") & script::kMtOnFault) != 0;
      }
      const sw::SyscallResult r =
          k.io_remap(VirtAddr(op.arg("ADDR")), op.arg("LEN"), op.flags("PROT"), op.flags("FLAGS"),
                     dev, op.arg("OFFSET"));
      address(r);
      break;
    }
    case OpKind::kMprotect:
      status(k.mprotect(VirtAddr(op.arg("ADDR")), op.arg("LEN"), op.flags("PROT")));
      break;
    case OpKind::kLoad:
    case OpKind::kFetch: {
      uint8_t byte = 0;
      const AccessKind kind = op.kind == OpKind::kLoad ? AccessKind::kRead : AccessKind::kFetch;
      const AccessOutcome o = cpu.access(kind, VirtAddr(op.arg("ADDR")), 1, &byte);
      line(o == AccessOutcome::kOk ? script::format_byte(byte) : access_result(o));
      break;
    }
    case OpKind::kStore: {
      uint8_t byte = static_cast<uint8_t>(op.arg("VALUE"));
      const AccessOutcome o = cpu.access(AccessKind::kWrite, VirtAddr(op.arg("ADDR")), 1, &byte);
      line(o == AccessOutcome::kOk ? "ok" : access_result(o));
      break;
    }
    case OpKind::kLoadN: {
      const unsigned size = static_cast<unsigned>(op.arg("SIZE"));
      uint8_t bytes[8] = {};
      const AccessOutcome o = cpu.access(AccessKind::kRead, VirtAddr(op.arg("ADDR")), size, bytes);
      if (o != AccessOutcome::kOk) {
        line(access_result(o));
        break;
      }
      uint64_t v = 0;
      std::memcpy(&v, bytes, size);
      line(script::format_hex_addr(v));
      break;
    }
    case OpKind::kStoreN: {
      const unsigned size = static_cast<unsigned>(op.arg("SIZE"));
      const uint64_t v = op.arg("VALUE");
      uint8_t bytes[8];
      std::memcpy(bytes, &v, sizeof bytes);
      const AccessOutcome o = cpu.access(AccessKind::kWrite, VirtAddr(op.arg("ADDR")), size, bytes);
      line(o == AccessOutcome::kOk ? "ok" : access_result(o));
      break;
    }
    case OpKind::kMaps: {
      m_out << "maps:\n";
      for (const sw::VmaInfo& v : k.mm().maps()) {
        if (m_options.compare_mode &&
            (v.end.value() <= kArenaStart || v.start.value() >= kArenaEnd))
          continue;
        script::MapsEntry e{v.start.value(), v.end.value(), v.read,        v.write,
                            v.exec,          v.shared,      v.file_offset, v.name};
        m_out << script::format_maps_entry(e) << '\n';
      }
      break;
    }
    case OpKind::kBrk: {
      const sw::SyscallResult r = k.brk(VirtAddr(op.arg("ADDR")));
      cpu.charge(r.cost);
      line(script::format_hex_addr(static_cast<uint64_t>(r.value)));
      break;
    }
    case OpKind::kSmaps: {
      m_out << "smaps:\n";
      for (const sw::SmapsInfo& s : k.mm().smaps()) {
        const sw::VmaInfo& v = s.vma;
        script::MapsEntry e{v.start.value(), v.end.value(), v.read,        v.write,
                            v.exec,          v.shared,      v.file_offset, v.name};
        m_out << script::format_maps_entry(e) << '\n';
        const uint64_t values[script::kSmapsFieldCount] = {
            s.size_kb,          s.kernel_page_kb,  s.mmu_page_kb,       s.rss_kb,
            s.pss_kb,           s.shared_clean_kb, s.shared_dirty_kb,   s.private_clean_kb,
            s.private_dirty_kb, s.anon_huge_kb,    s.shared_hugetlb_kb, s.private_hugetlb_kb,
            s.swap_kb,          s.locked_kb};
        for (unsigned f = 0; f < script::kSmapsFieldCount; ++f)
          m_out << script::format_smaps_field(script::kSmapsFields[f], values[f]) << '\n';
      }
      break;
    }
    case OpKind::kStats: {
      const CpuPortStats& s = cpu.stats();
      char buf[256];
      std::snprintf(buf, sizeof buf,
                    "cycles %" PRIu64 " accesses %" PRIu64 " faults %" PRIu64
                    " kernel_cycles %" PRIu64,
                    cpu.now().count(), s.accesses, s.faults, s.kernel_cycles);
      line(buf);
      break;
    }
  }
}

}  // namespace mmusim
