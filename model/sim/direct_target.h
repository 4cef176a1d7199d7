// A TLM target that an initiator of the same platform may call directly:
// the platform's sockets stay bound (the boundary where components are
// swapped), and an initiator that finds, at the start of simulation, that
// its port reaches a DirectTarget calls direct_transport() instead of going
// through the socket's indirections. direct_transport() does exactly what
// the target's b_transport does (the Cache implements it: model/mem/cache.h).
#pragma once

#include <systemc>
#include <tlm>
#include <vector>

namespace mmusim {

class DirectTarget {
 public:
  virtual ~DirectTarget() = default;
  // True when an initiator port whose bound interface is `bound_interface`
  // reaches this target's b_transport.
  virtual bool reached_by(const sc_core::sc_interface* bound_interface) = 0;
  // What b_transport does.
  virtual void direct_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) = 0;

  // The DirectTarget an initiator port with interface `bound_interface`
  // reaches, or nullptr. Searches every module: call it once, after
  // elaboration (start_of_simulation).
  static DirectTarget* reached_from(const sc_core::sc_interface* bound_interface) {
    return bound_interface ? find(sc_core::sc_get_top_level_objects(), bound_interface) : nullptr;
  }

 private:
  static DirectTarget* find(const std::vector<sc_core::sc_object*>& objects,
                            const sc_core::sc_interface* bound_interface) {
    for (sc_core::sc_object* o : objects) {
      if (auto* t = dynamic_cast<DirectTarget*>(o); t && t->reached_by(bound_interface)) return t;
      if (DirectTarget* t = find(o->get_child_objects(), bound_interface)) return t;
    }
    return nullptr;
  }
};

}  // namespace mmusim
