#include "testbench/core_dispatch.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace mmusim {

CoreDispatcher::CoreDispatcher(unsigned cores) : m_cores(cores) {
  if (cores == 0) throw std::invalid_argument("CoreDispatcher: no cores");
  for (unsigned c = 1; c < cores; ++c) {
    m_workers.push_back(std::make_unique<Worker>());
    m_workers.back()->owner = this;
    m_workers.back()->core = c;
  }
}

CoreDispatcher::~CoreDispatcher() = default;

std::vector<Workload*> CoreDispatcher::workloads(Workload& driver) {
  std::vector<Workload*> out{&driver};
  for (auto& w : m_workers)
    out.push_back(w.get());
  return out;
}

void CoreDispatcher::Worker::run(CpuPort& cpu) {
  for (;;) {
    // Notifications are delta-delayed and the flags are read first, so a
    // notification sent before this thread waits is not lost.
    while (!has_work && !owner->m_stop)
      sc_core::wait(go);
    if (!has_work) return;  // stopped
    try {
      op(cpu);
    } catch (...) {
      owner->m_error = std::current_exception();
    }
    has_work = false;
    op = nullptr;
    cpu.sync();  // the driver resumes at the time this operation ended
    owner->m_done = true;
    owner->m_done_event.notify(sc_core::SC_ZERO_TIME);
  }
}

void CoreDispatcher::run_on(unsigned core, CpuPort& self, const Op& op) {
  if (core >= m_cores)
    throw std::out_of_range("CoreDispatcher: core " + std::to_string(core) + " of " +
                            std::to_string(m_cores));
  if (core == self.index()) return op(self);
  if (core == 0 || self.index() != 0)
    throw std::logic_error("CoreDispatcher: run_on from core " + std::to_string(self.index()) +
                           " (the driver runs on core 0)");
  Worker& w = *m_workers[core - 1];
  self.sync();  // the other core starts when this one has got there
  w.op = op;
  w.has_work = true;
  m_done = false;
  w.go.notify(sc_core::SC_ZERO_TIME);
  while (!m_done)
    sc_core::wait(m_done_event);
  if (m_error) std::rethrow_exception(std::exchange(m_error, nullptr));
}

void CoreDispatcher::stop() {
  m_stop = true;
  for (auto& w : m_workers)
    w->go.notify(sc_core::SC_ZERO_TIME);
}

}  // namespace mmusim
