// Runs a serial workload's operations on several cores (design notes 3.9):
// core 0's thread runs the driver (the script runner), which executes an
// operation for core 0 inline and posts any other core's to that core's
// own SystemC thread, then waits until it is done. Each operation thus runs
// with its core's CPU port (its quantum keeper, stats, TLBs; kernel_of sets
// the kernel's cpu), strictly in program order: the results do not depend
// on the quantum. A core that waits is idle, so the cores are serialised in
// simulated time (each starts at the time the previous operation ended).
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <vector>

#include <systemc>

#include "model/cpu/cpu_port.h"

namespace mmusim {

class CoreDispatcher {
 public:
  using Op = std::function<void(CpuPort&)>;

  // `cores`: cpu.cores (at least 1).
  explicit CoreDispatcher(unsigned cores);
  ~CoreDispatcher();
  CoreDispatcher(const CoreDispatcher&) = delete;
  CoreDispatcher& operator=(const CoreDispatcher&) = delete;

  unsigned cores() const { return m_cores; }
  // The workloads for Hardware::run: `driver` on core 0, then each other
  // core's, which runs what is posted to it until stop().
  std::vector<Workload*> workloads(Workload& driver);
  // From the driver's thread, whose port is `self`: runs `op` on core
  // `core` (inline when it is self's) and returns when it has finished; an
  // exception it threw is rethrown here. std::out_of_range for a core not
  // below cores().
  void run_on(unsigned core, CpuPort& self, const Op& op);
  // From the driver's thread, at its end (also after an error): every other
  // core's workload returns.
  void stop();

 private:
  // A core other than 0: waits for posted work (flag, then wait).
  struct Worker : Workload {
    CoreDispatcher* owner = nullptr;
    unsigned core = 0;
    bool has_work = false;
    Op op;
    sc_core::sc_event go;
    void run(CpuPort& cpu) override;
  };

  unsigned m_cores;
  std::vector<std::unique_ptr<Worker>> m_workers;  // cores 1..N-1
  bool m_stop = false;
  bool m_done = false;
  std::exception_ptr m_error;
  sc_core::sc_event m_done_event;
};

}  // namespace mmusim
