#include "model/cpu/cpu_port.h"

#include "model/mmu/mmu.h"
#include "model/sim/latency.h"
#include "model/sim/report.h"

#include <algorithm>
#include <stdexcept>

namespace mmusim {

using arch::AccessKind;
using arch::FaultKind;

void CpuPortParams::validate(const std::string& name) const {
  if (quantum_cycles == 0)
    throw std::invalid_argument(name + ".quantum_cycles: must be at least 1");
  if (window == 0) throw std::invalid_argument(name + ".window: must be at least 1");
  if (max_fault_retries == 0)
    throw std::invalid_argument(name + ".max_fault_retries: must be at least 1");
}

CpuPort::CpuPort(sc_core::sc_module_name name, const CpuPortParams& params, const Clock& clock,
                 unsigned index)
    : sc_module(name),
      socket("socket"),
      m_params(params),
      m_clock(clock),
      m_index(index),
      m_period(clock.period().value()),
      m_completion(params.window, 0) {
  MMUSIM_CHECK_PARAMS(report::kCpu, params.validate(this->name()));
  tlm::tlm_global_quantum::instance().set(clock.to_time(Cycles(params.quantum_cycles)));
  m_qk.reset();
  m_trans.set_extension(&m_ext);
  m_trans.set_byte_enable_ptr(nullptr);
  m_trans.set_dmi_allowed(false);
  SC_HAS_PROCESS(CpuPort);
  SC_THREAD(thread);
}

void CpuPort::thread() {
  if (!m_workload && m_index > 0) {  // an idle core
    m_finished = true;
    return;
  }
  try {
    if (!m_workload) MMUSIM_REPORT_ERROR(report::kCpu, std::string(name()) + ": no workload");
    m_workload->run(*this);
  } catch (...) {
    m_error = std::current_exception();
  }
  drain();
  m_qk.sync();
  // No sc_stop(): with nothing else scheduled, sc_start() returns by itself
  // (and sc_stop() would print an info line into the transcript).
  m_finished = true;
}

void CpuPort::start_of_simulation() {
  m_mmu = Mmu::bound_at(socket.get_interface());
}

Cycles CpuPort::now() const {
  return m_clock.to_cycles(m_qk.get_current_time());
}

void CpuPort::advance_to(Cycles when) {
  if (when > now()) m_qk.set(m_clock.delay_until(when));
}

void CpuPort::drain() {
  uint64_t last = 0;
  for (uint64_t c : m_completion)
    last = std::max(last, c);
  advance_to(Cycles(last));
}

void CpuPort::sync() {
  drain();
  m_qk.sync();
}

void CpuPort::charge(Cycles cycles) {
  drain();  // kernel work starts once the accesses before it are done
  m_qk.inc(m_clock.to_time(cycles));
  if (m_qk.need_sync()) m_qk.sync();
}

void CpuPort::take_posted() {
  // Taken at the next instruction boundary: after what is in flight.
  const Cycles posted(m_posted);
  m_posted = 0;
  drain();
  m_qk.inc(m_clock.to_time(posted));
}

void CpuPort::charge_kernel(Cycles cycles) {
  m_stats.kernel_cycles += cycles.count();
  charge(cycles);
}

AccessOutcome CpuPort::access(AccessKind kind, VirtAddr va, unsigned size, uint8_t* data,
                              arch::ExceptionLevel el) {
  switch (kind) {
    case AccessKind::kFetch:
      ++m_stats.fetches;
      return issue(kind, m_stats.per_fetch, va, size, data, el);
    case AccessKind::kRead:
      ++m_stats.loads;
      return issue(kind, m_stats.per_read, va, size, data, el);
    case AccessKind::kWrite:
      break;
  }
  ++m_stats.stores;
  return issue(kind, m_stats.per_write, va, size, data, el);
}

AccessOutcome CpuPort::modify(VirtAddr va, unsigned size, uint8_t* data, arch::ExceptionLevel el) {
  ++m_stats.stores;
  ++m_stats.modifies;
  return issue(AccessKind::kWrite, m_stats.per_read, va, size, data, el);
}

AccessOutcome CpuPort::issue(AccessKind kind, AccessCounts& counts, VirtAddr va, unsigned size,
                             uint8_t* data, arch::ExceptionLevel el) {
  if (size == 0 || size > kMaxAccessBytes)
    MMUSIM_REPORT_ERROR(report::kCpu, std::string(name()) + ": access size " +
                                          std::to_string(size) + ": must be 1-" +
                                          std::to_string(kMaxAccessBytes) + " bytes");
  if (__builtin_expect(m_posted != 0, 0)) take_posted();
  ++m_stats.accesses;
  ++counts.accesses;
  m_tlb_missed = false;
  m_l2_tlb_missed = false;
  m_cache_missed = 0;
  // Not naturally aligned as a whole: the MMU checks each part's alignment,
  // which catches the rest (a part that is the whole access).
  m_ext.unaligned = (size & (size - 1)) != 0;
  AccessOutcome o;
  const uint64_t in_page = va.offset_in(arch::kPageSize);
  if (in_page + size <= arch::kPageSize) {
    o = access_page(kind, va, size, data, el);
  } else {
    // Crosses a page: two translations, the lower page first (as a single
    // instruction faults on whichever part faults first).
    ++m_stats.split_accesses;
    m_ext.unaligned = true;  // a page-crossing access is never naturally aligned
    const unsigned first = static_cast<unsigned>(arch::kPageSize - in_page);
    m_ext.split_part = 1;
    o = access_page(kind, va, first, data, el);
    m_ext.split_part = 2;
    if (o == AccessOutcome::kOk) o = access_page(kind, va + first, size - first, data + first, el);
    m_ext.split_part = 0;
  }
  counts.l1_tlb_misses += m_tlb_missed;
  counts.l2_tlb_misses += m_l2_tlb_missed;
  if (m_cache_missed) {
    ++counts.l1_cache_misses;
    counts.l2_cache_misses += (m_cache_missed >> 1) & 1;
    counts.llc_misses += m_cache_missed >> 2;
  }
  return o;
}

AccessOutcome CpuPort::access_page(AccessKind kind, VirtAddr va, unsigned size, uint8_t* data,
                                   arch::ExceptionLevel el) {
  m_ext.kind = kind;
  m_ext.el = el;
  m_ext.requester = Requester::kCpu;
  m_trans.set_command(kind == AccessKind::kWrite ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  m_trans.set_data_ptr(data);
  m_trans.set_data_length(size);
  m_trans.set_streaming_width(size);
  for (unsigned attempt = 0;; ++attempt) {
    m_trans.set_address(va.value());
    m_trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    // Issue when the access `window` places back has completed. Times are
    // in sc_time ticks here (the clock period divides them all), converted
    // to cycles as now() and Clock::at() would.
    uint64_t& slot = m_completion[m_next];
    uint64_t stamp = m_clock.stamp().value();
    uint64_t local = m_qk.get_local_time().value();
    uint64_t issued = m_clock.ticks_to_cycles(stamp + local);
    if (slot > issued) {
      m_stats.window_stall_cycles += slot - issued;
      local = slot * m_period - stamp;
      m_qk.set(sc_core::sc_time::from_value(local));
      issued = slot;
    }
    sc_core::sc_time delay = m_qk.get_local_time();
    m_ext.tlb_hit = true;  // unless a lookup misses
    m_ext.l2_tlb_hit = true;
    m_ext.cache_hit = true;
    m_ext.older_done = m_all_done;
    if (m_mmu)
      m_mmu->access(m_trans, m_ext, delay);
    else
      socket->b_transport(m_trans, delay);
    m_tlb_missed |= attempt == 0 && !m_ext.tlb_hit;
    m_l2_tlb_missed |= attempt == 0 && !m_ext.tlb_hit && !m_ext.l2_tlb_hit;
    m_cache_missed |= !m_ext.cache_hit;
    if (m_ext.missed_below) {  // set by a miss of this part, or the other's (split_part)
      m_cache_missed |= m_ext.missed_below << 1;
      m_ext.missed_below = 0;
    }
    stamp = m_clock.stamp().value();  // the same, unless a target waited
    const uint64_t done = m_clock.ticks_to_cycles(stamp + delay.value());
    m_stats.access_cycles += done - issued;
    slot = done;
    m_next = m_next + 1 == m_completion.size() ? 0 : m_next + 1;
    // Device-nGnRnE and -nGnRE accesses are strictly ordered: nothing younger
    // issues before they complete (docs/architecture.md, memory types). The
    // MMU sets the type when it translates; after a fault it is stale, but a
    // fault drains everything anyway.
    // With a window of 1 nothing is ever in flight at an issue.
    uint64_t next_issue = done;
    if (m_params.window > 1) {
      if (done > m_all_done) m_all_done = done;
      if (static_cast<uint8_t>(static_cast<uint8_t>(m_ext.mem_type) -
                               static_cast<uint8_t>(arch::MemType::kDeviceNGnRnE)) < 2)
        ++m_stats.serialising_accesses;  // Device-nGnRnE or -nGnRE
      else
        next_issue = issued + m_params.issue_interval_cycles;
    }
    if (next_issue > m_clock.ticks_to_cycles(stamp + m_qk.get_local_time().value())) {
      const uint64_t ticks = next_issue * m_period - stamp;
      // Usually the access's own completion, already an sc_time.
      m_qk.set(ticks == delay.value() ? delay : sc_core::sc_time::from_value(ticks));
    }
    if (m_qk.need_sync_at(stamp)) m_qk.sync();
    if (m_trans.is_response_ok()) return AccessOutcome::kOk;
    drain();  // a trap is precise: everything older completes first

    const arch::FaultSyndrome& f = m_ext.fault;
    ++m_stats.faults;
    if (f.kind == FaultKind::kAlignment || f.kind == FaultKind::kExternal ||
        f.kind == FaultKind::kNone) {
      // Linux arm64: do_alignment_fault and do_sea deliver SIGBUS; the
      // kernel is entered for them too (its cost and counts), never retried.
      if (m_fault_handler && f.kind != FaultKind::kNone)
        charge_kernel(m_fault_handler->handle_fault(f).cost);
      ++m_stats.sigbus;
      return AccessOutcome::kSigbus;
    }
    if (attempt >= m_params.max_fault_retries)
      MMUSIM_REPORT_ERROR(report::kCpu, std::string(name()) + ": fault not resolved after " +
                                            std::to_string(attempt) + " retries: " + f.describe());
    if (!m_fault_handler)
      MMUSIM_REPORT_ERROR(report::kCpu,
                          std::string(name()) + ": fault with no kernel attached: " + f.describe());
    const ports::TrapResult r = m_fault_handler->handle_fault(f);
    charge_kernel(r.cost);
    if (r.outcome == ports::TrapOutcome::kSigsegv) {
      ++m_stats.sigsegv;
      return AccessOutcome::kSigsegv;
    }
    if (r.outcome == ports::TrapOutcome::kSigbus) {
      ++m_stats.sigbus;
      return AccessOutcome::kSigbus;
    }
    if (r.outcome == ports::TrapOutcome::kKilled) return AccessOutcome::kSigkill;
  }
}

void CpuPort::register_stats(stats::Group& g, bool multi_core) const {
  const CpuPortStats& s = m_stats;
  if (multi_core) {
    g.add("interrupt_cycles", s.interrupt_cycles, "cycles",
          "IPI handlers other cores posted to this one, charged before its next access");
    g.add("ipis_received", s.ipis_received, "interrupts", "IPIs taken");
    g.add("dvm_stall_cycles", s.dvm_stall_cycles, "cycles",
          "broadcast TLB maintenance (DVM) messages processed for other cores "
          "(dvm.receive_cycles each), charged before its next access");
  }
  g.add("accesses", s.accesses, "accesses", "accesses issued (a page-crossing access counts once)");
  g.add("fetches", s.fetches, "accesses", "instruction fetches issued");
  g.add("loads", s.loads, "accesses", "loads issued");
  g.add("stores", s.stores, "accesses", "stores issued (a read-modify-write is a store)");
  g.add("modifies", s.modifies, "accesses",
        "read-modify-writes (trace M records), also counted in stores");
  g.add("split_accesses", s.split_accesses, "accesses",
        "accesses that crossed a page and were translated twice");
  g.add("faults", s.faults, "traps",
        "MMU faults taken (a retried access that faults again counts again)");
  g.add("sigsegv", s.sigsegv, "signals", "SIGSEGV delivered to the process");
  g.add("sigbus", s.sigbus, "signals", "SIGBUS delivered to the process");
  g.add("kernel_cycles", s.kernel_cycles, "cycles", "charged for system calls and fault handling");
  g.add("access_cycles", s.access_cycles, "cycles",
        "sum of access latencies, issue to completion (overlapping accesses each count in full)");
  g.add("window_stall_cycles", s.window_stall_cycles, "cycles",
        "issue delayed because cpu.window accesses were in flight");
  g.add("serialising_accesses", s.serialising_accesses, "accesses",
        "Device-nGnRnE/nGnRE accesses that held younger accesses back until they completed");
  g.add_real(
      "cycles_per_access",
      [&s] {
        return s.accesses ? static_cast<double>(s.access_cycles) / static_cast<double>(s.accesses)
                          : 0.0;
      },
      "cycles", "access_cycles / accesses");
}

CpuPortParams CpuPortParams::read(const util::ConfigNode& n, const CpuPortParams& d) {
  CpuPortParams p = d;
  p.quantum_cycles = n.get_uint("quantum_cycles", d.quantum_cycles, 1, 1ull << 40,
                                "loosely-timed quantum: cycles between synchronisations");
  p.window = static_cast<unsigned>(
      n.get_uint("window", d.window, 1, 4096,
                 "independent accesses in flight (1: a blocking core that waits for each)"));
  p.issue_interval_cycles =
      n.get_uint("issue_interval_cycles", d.issue_interval_cycles, 0, kMaxLatencyCycles,
                 "cycles between two issues when the window has room");
  p.max_fault_retries = static_cast<unsigned>(
      n.get_uint("max_fault_retries", d.max_fault_retries, 1, 1000,
                 "faults in a row on one access before the run stops with a kernel-bug error"));
  return p;
}

}  // namespace mmusim
