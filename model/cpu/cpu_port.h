// The CPU's memory port. An SC_THREAD runs a Workload, which issues
// instruction fetches, loads and stores of 1-64 bytes (any alignment) through
// access(), and read-modify-writes through modify(). Each access goes to the MMU as a TLM
// transaction; time is kept loosely with a quantum keeper. A translation, access-flag or permission
// fault traps to the kernel layer, whose cost is charged before the access
// is retried or a signal is delivered to the simulated process; alignment
// faults and external aborts (bus errors) enter the kernel too (charged and
// counted there) and deliver SIGBUS, never retried.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>
#include <cstdint>
#include <exception>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "model/arch/descriptor.h"
#include "model/ports/fault_handler.h"
#include "model/sim/access_ext.h"
#include "model/sim/clock.h"
#include "model/stats/stats.h"
#include "model/util/config_node.h"

namespace mmusim {

// kSigkill: the process was OOM-killed while the kernel handled the fault.
enum class AccessOutcome : uint8_t { kOk, kSigsegv, kSigbus, kSigkill };

// Largest access the port takes: a cache line of the default L1 (x86 AVX-512
// and Arm LD4/ST64B stay below it; larger trace records are clamped by the
// trace reader, as cachegrind clamps them).
constexpr unsigned kMaxAccessBytes = 64;

class CpuPort;
class Mmu;

// Contract: run() is called once, inside the CPU's thread; it may call
// CpuPort::access() and CpuPort::charge() and drive the operating system, and returns
// when the workload is complete. Exceptions it throws end the simulation
// and are rethrown from Platform::run().
class Workload {
 public:
  virtual ~Workload() = default;
  virtual void run(CpuPort& cpu) = 0;
};

struct CpuPortParams {
  uint64_t quantum_cycles = 10000;  // loosely-timed quantum
  // Independent accesses in flight at once. Access i issues when access
  // i - window has completed (and at least issue_interval_cycles after the
  // previous issue); 1 is a blocking core that waits for every access.
  unsigned window = 1;
  uint64_t issue_interval_cycles = 1;
  // A fault that the kernel claims to have fixed but that recurs this many
  // times in a row is a kernel bug: the simulation stops with an error.
  unsigned max_fault_retries = 8;
  void validate(const std::string& name) const;
  // The parameters under `n` (docs/config.md: key, default, range and
  // meaning are declared here), starting from `defaults`. util::ConfigError
  // names the full key of a bad value.
  static CpuPortParams read(const util::ConfigNode& n, const CpuPortParams& defaults);
};

// Counts per workload access, each access once however many pages and lines
// it touches, as cachegrind counts its refs and misses (docs/stats.md).
struct AccessCounts {
  uint64_t accesses = 0;
  // Some part of the access missed the L1 TLB on its first attempt (a retry
  // after a fault looks up again; that lookup is not the access's outcome).
  uint64_t l1_tlb_misses = 0;
  // The same for the L2 TLB: some part missed the L1 and then the L2 TLB on
  // its first attempt (and was walked).
  uint64_t l2_tlb_misses = 0;
  // Some line of the access missed in the L1 cache (bypassing Device and
  // non-cacheable accesses never miss).
  uint64_t l1_cache_misses = 0;
  // Some line of the access missed the L1 and then the L2 (l2.enable); the
  // L1 and then the LLC (llc.enable), past the L2 if there is one.
  uint64_t l2_cache_misses = 0;
  uint64_t llc_misses = 0;
};

struct CpuPortStats {
  uint64_t accesses = 0;  // as issued by the workload (a split access counts once)
  uint64_t fetches = 0, loads = 0, stores = 0;
  uint64_t modifies = 0;  // read-modify-writes (also counted in stores)
  // Per access: fetches; reads (loads and read-modify-writes, which count as
  // one read, as in cachegrind); writes (stores other than modifies).
  AccessCounts per_fetch, per_read, per_write;
  uint64_t split_accesses = 0;  // crossed a page boundary
  uint64_t faults = 0;          // traps taken (each retry of a faulting access counts)
  uint64_t sigsegv = 0, sigbus = 0;
  uint64_t kernel_cycles = 0;        // charged for kernel work
  uint64_t access_cycles = 0;        // sum of access latencies (issue to completion)
  uint64_t window_stall_cycles = 0;  // issue delayed because the window was full
  // Accesses to Device-nGnRnE/nGnRE memory that held younger accesses back
  // (counted with cpu.window > 1 only: a window of 1 holds every access).
  uint64_t serialising_accesses = 0;
  // Work other cores posted to this one (post_interrupt), charged before its
  // next access: IPI handlers, and the DVM messages it processed.
  uint64_t interrupt_cycles = 0;
  uint64_t dvm_stall_cycles = 0;
  uint64_t ipis_received = 0;
};

// What another core posts to this one (CpuPort::post_interrupt).
enum class InterruptKind : uint8_t { kIpi, kDvm };

class CpuPort : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<CpuPort> socket;

  // Every parameter is a constructor argument (CpuPortParams, documented
  // there); what params.validate() refuses is an SC_REPORT_ERROR of type
  // mmusim/cpu naming the key (model/sim/report.h). Errors while running (an
  // access size out of range, no workload, a fault the handler does not
  // resolve or no handler for it) are SC_REPORT_ERRORs of the same type.
  // `index`: the core it is (cpu.cores); core 0's workload is required,
  // another core without one is idle.
  CpuPort(sc_core::sc_module_name name, const CpuPortParams& params, const Clock& clock,
          unsigned index = 0);
  // The payload owns no extension: ours is a member (the payload would delete it).
  ~CpuPort() override { m_trans.clear_extension(&m_ext); }

  // Where faults trap (the system assembly attaches the kernel layer's).
  void set_fault_handler(ports::FaultHandler* handler) { m_fault_handler = handler; }
  ports::FaultHandler* fault_handler() const { return m_fault_handler; }
  void set_workload(Workload* workload) { m_workload = workload; }
  unsigned index() const { return m_index; }
  // Work another core's action costs this one (an IPI handler, DVM messages
  // processed): added to a pending count this core charges before its next
  // access. Plain C++, no SystemC call: any core's thread may post.
  void post_interrupt(Cycles cycles, InterruptKind kind) {
    m_posted += cycles.count();
    if (kind == InterruptKind::kIpi) {
      m_stats.interrupt_cycles += cycles.count();
      ++m_stats.ipis_received;
    } else {
      m_stats.dvm_stall_cycles += cycles.count();
    }
  }
  // Posted cycles not charged yet.
  uint64_t posted_cycles() const { return m_posted; }

  // Issues one access of `size` bytes (1-kMaxAccessBytes) at `va`. Loads and
  // fetches fill `data` (little-endian); stores take it. Must be called from
  // the thread.
  AccessOutcome access(arch::AccessKind kind, VirtAddr va, unsigned size, uint8_t* data,
                       arch::ExceptionLevel el = arch::ExceptionLevel::kEl0);
  // A read-modify-write of one location (x86 `inc [m]`, an Arm atomic): one
  // write access that stores `data`, counted as a read in the per-access
  // stats (cachegrind's convention for its "modify" events).
  AccessOutcome modify(VirtAddr va, unsigned size, uint8_t* data,
                       arch::ExceptionLevel el = arch::ExceptionLevel::kEl0);
  // Charges kernel work (system calls the workload makes) to simulated time.
  // Kernel work: counted in kernel_cycles, then charged.
  void charge_kernel(Cycles cycles);
  // A kernel cost that carries its `cycles` (the kernel layer's KernelCost),
  // as charge_kernel().
  template <class Cost>
  auto charge(const Cost& cost) -> decltype(void(Cycles(cost.cycles))) {
    charge_kernel(Cycles(cost.cycles));
  }
  void charge(Cycles cycles);

  // Current simulated time of this core, in cycles (includes local offset):
  // when its next access can issue.
  Cycles now() const;
  // Waits for every access in flight (a trap, a system call, the end).
  void drain();
  // Brings SystemC time up to this core's local time (a quantum-keeper
  // sync): for a workload about to wait on an event, so that the wait starts
  // at the core's own time rather than the quantum's start.
  void sync() { m_qk.sync(); }
  // `socket` reaches an Mmu called directly (known once the simulation started).
  bool direct_mmu() const { return m_mmu != nullptr; }
  const CpuPortStats& stats() const { return m_stats; }
  // Registers these counters (docs/stats.md) in `g`; this component must
  // outlive it. `multi_core`: the counters of posted work too (cpu.cores > 1).
  void register_stats(stats::Group& g, bool multi_core = false) const;
  bool finished() const { return m_finished; }
  // The exception the workload ended with, if any.
  std::exception_ptr error() const { return m_error; }

 private:
  void thread();
  void start_of_simulation() override;
  AccessOutcome issue(arch::AccessKind kind, AccessCounts& counts, VirtAddr va, unsigned size,
                      uint8_t* data, arch::ExceptionLevel el);
  // One access inside a single page; faults are trapped and retried here.
  AccessOutcome access_page(arch::AccessKind kind, VirtAddr va, unsigned size, uint8_t* data,
                            arch::ExceptionLevel el);

  // Charges what other cores posted (post_interrupt).
  void take_posted();

  CpuPortParams m_params;
  const Clock& m_clock;
  unsigned m_index = 0;
  uint64_t m_posted = 0;
  // The Mmu `socket` is bound to (direct path: Mmu::access, the same as its
  // b_transport), else nullptr.
  Mmu* m_mmu = nullptr;
  ports::FaultHandler* m_fault_handler = nullptr;
  Workload* m_workload = nullptr;
  // Moves local time to absolute cycle `when` (never backwards).
  void advance_to(Cycles when);

  // The quantum keeper, with a need_sync() for a time stamp the caller has
  // already read (sc_time_stamp() is a library call on the hot path).
  struct QuantumKeeper : tlm_utils::tlm_quantumkeeper {
    bool need_sync_at(uint64_t stamp) const {
      return stamp + m_local_time.value() >= m_next_sync_point.value();
    }
  };
  QuantumKeeper m_qk;
  uint64_t m_period;                   // clock period in sc_time ticks
  std::vector<uint64_t> m_completion;  // ring of the last `window` completion cycles
  size_t m_next = 0;
  uint64_t m_all_done = 0;  // the latest completion so far: every older access is done by then
  tlm::tlm_generic_payload m_trans;
  AccessExt m_ext;
  CpuPortStats m_stats;
  // Outcome of the access being issued, over its parts (see AccessCounts).
  bool m_tlb_missed = false;
  bool m_l2_tlb_missed = false;
  // Bit 0: some line missed the L1; above it, AccessExt::missed_below.
  uint8_t m_cache_missed = 0;
  bool m_finished = false;
  std::exception_ptr m_error;
};

}  // namespace mmusim
