#include "model/platform/core.h"

#include "model/platform/hardware.h"

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "model/sim/report.h"

namespace mmusim {

namespace {

// Binds every socket of an idle C++ Mmu; any access through them is a platform bug.
class MmuStub : public sc_core::sc_module {
 public:
  MmuStub(sc_core::sc_module_name name, Mmu& mmu)
      : sc_module(name), cpu("cpu"), mem("mem"), imem("imem"), walk("walk") {
    cpu.bind(mmu.cpu);
    mmu.mem.bind(mem);
    mmu.imem.bind(imem);
    mmu.walker.mem.bind(walk);
    mem.register_b_transport(this, &MmuStub::b_transport);
    imem.register_b_transport(this, &MmuStub::b_transport);
    walk.register_b_transport(this, &MmuStub::b_transport);
  }

 private:
  void b_transport(tlm::tlm_generic_payload&, sc_core::sc_time&) {
    MMUSIM_REPORT_ERROR(report::kPlatform,
                        std::string(name()) + ": access through the idle C++ Mmu");
  }
  tlm_utils::simple_initiator_socket<MmuStub> cpu;
  tlm_utils::simple_target_socket<MmuStub> mem, imem, walk;
};

}  // namespace

std::unique_ptr<MmuImpl> make_mmu_impl(const HardwareParams& p, const Clock& clock, unsigned core) {
  if (p.mmu_impl == "cpp") return nullptr;
  const MmuImplFactory* f = find_mmu_impl(p.mmu_impl);
  if (!f) throw std::invalid_argument("mmu.impl: '" + p.mmu_impl + "' is not built in");
  f->check(p);
  return f->make(p, clock, core);
}

std::string per_core_path(const std::string& path, unsigned core, unsigned cores) {
  if (cores <= 1 || path.empty()) return path;
  const std::string tag = "core" + std::to_string(core);
  const size_t slash = path.find_last_of('/');
  const size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash) ||
      dot == (slash == std::string::npos ? 0 : slash + 1))
    return path + "." + tag;
  return path.substr(0, dot) + "." + tag + path.substr(dot);
}

CoreParts::CoreParts(unsigned index_, const HardwareParams& p, const Clock& clock)
    : index(index_),
      l1i("l1i", p.l1i, clock),
      l1d("l1d", p.l1d, clock),
      mmu("mmu", p.mmu, clock),
      cpu("cpu", p.cpu, clock, index_),
      impl(make_mmu_impl(p, clock, index_)),
      impl_name(p.mmu_impl) {
  if (p.l2_enable) {
    l2 = std::make_unique<Cache>("l2", p.l2, clock);
    l2->set_missed_bit(kMissedL2);
  }
  if (impl) m_mmu_stub = std::make_unique<MmuStub>("mmu_stub", mmu);
}

std::vector<Cache*> CoreParts::caches() {
  std::vector<Cache*> v = {&l1i, &l1d};
  if (l2) v.push_back(l2.get());
  return v;
}

tlm::tlm_base_target_socket_b<>& CoreParts::walk_target(
    const HardwareParams& p, tlm::tlm_base_target_socket_b<>& shared_walk) {
  switch (p.walker_through) {
    case WalkerReadLevel::kL1d:
      return l1d.target;
    case WalkerReadLevel::kL2:
      return l2->target;
    case WalkerReadLevel::kLlc:
    case WalkerReadLevel::kMemory:
      break;
  }
  return shared_walk;
}

void CoreParts::bind(const HardwareParams& p, tlm::tlm_base_target_socket_b<>& below,
                     tlm::tlm_base_target_socket_b<>& shared_walk, bool llc) {
  tlm::tlm_base_target_socket_b<>& below_l1 =
      l2 ? static_cast<tlm::tlm_base_target_socket_b<>&>(l2->target) : below;
  l1i.next.bind(below_l1);
  l1d.next.bind(below_l1);
  if (l2) {
    l2->next.bind(below);
    // Inclusion: an L2 eviction invalidates the core's L1s.
    l2->add_inclusion_child(&l1i);
    l2->add_inclusion_child(&l1d);
  }
  if (impl) {
    cpu.socket.bind(impl->cpu_socket());
    impl->mem_socket().bind(l1d.target);
    impl->imem_socket().bind(l1i.target);
    impl->walk_socket().bind(walk_target(p, shared_walk));
    return;
  }
  cpu.socket.bind(mmu.cpu);
  mmu.mem.bind(l1d.target);
  mmu.imem.bind(l1i.target);
  mmu.walker.mem.bind(walk_target(p, shared_walk));
  mmu.walker.set_read_path(p.walker_through, l2 != nullptr, llc);
}

void CoreParts::register_stats(stats::Group& g, bool multi_core) const {
  cpu.register_stats(g.component("cpu"), multi_core);
  mmu.register_stats(g.component("mmu"));
  if (impl) {
    const MmuImpl* i = impl.get();
    register_mmu_impl_stats(
        g.component("mmu_impl"), [i] { return i->impl_stats(); }, impl_name);
  }
  l1i.register_stats(g.component("l1i"));
  l1d.register_stats(g.component("l1d"));
  if (l2) l2->register_stats(g.component("l2"));
}

void CoreParts::register_access_stats(stats::Group& g) const {
  // The CPU counts each workload access once (a modify is one read); the
  // counts sit next to each component's raw lookup counts.
  const CpuPortStats& c = cpu.stats();
  stats::Group& mmu_group = g.component("mmu");
  stats::Group& itlb = mmu_group.component("l1_itlb");
  itlb.add("accesses", c.per_fetch.accesses, "accesses", "per access: fetches");
  itlb.add("access_misses", c.per_fetch.l1_tlb_misses, "accesses",
           "per access: fetches with some page missing the L1 ITLB on the first attempt");
  stats::Group& dtlb = mmu_group.component("l1_dtlb");
  dtlb.add(
      "accesses", [&c] { return c.per_read.accesses + c.per_write.accesses; }, "accesses",
      "per access: loads, stores and modifies");
  dtlb.add(
      "access_misses", [&c] { return c.per_read.l1_tlb_misses + c.per_write.l1_tlb_misses; },
      "accesses",
      "per access: data accesses with some page missing the L1 DTLB on the first attempt");
  mmu_group.component("l2_tlb").add(
      "access_misses",
      [&c] {
        return c.per_fetch.l2_tlb_misses + c.per_read.l2_tlb_misses + c.per_write.l2_tlb_misses;
      },
      "accesses",
      "per access: fetches and data accesses with some page missing the L1 and the L2 TLB on "
      "the first attempt");
  stats::Group& i = g.component("l1i");
  i.add("accesses", c.per_fetch.accesses, "accesses", "per access: fetches (cachegrind's I refs)");
  i.add("access_misses", c.per_fetch.l1_cache_misses, "accesses",
        "per access: fetches with some line missing the L1I (cachegrind's I1 misses)");
  stats::Group& d = g.component("l1d");
  d.add(
      "accesses", [&c] { return c.per_read.accesses + c.per_write.accesses; }, "accesses",
      "per access: data accesses (cachegrind's D refs)");
  d.add(
      "access_misses", [&c] { return c.per_read.l1_cache_misses + c.per_write.l1_cache_misses; },
      "accesses",
      "per access: data accesses with some line missing the L1D (cachegrind's D1 misses)");
  d.add("read_accesses", c.per_read.accesses, "accesses",
        "per access: reads, a modify counting as a read (cachegrind's Dr)");
  d.add("read_access_misses", c.per_read.l1_cache_misses, "accesses",
        "per access: reads with some line missing the L1D (D1mr)");
  d.add("write_accesses", c.per_write.accesses, "accesses",
        "per access: writes other than modifies (Dw)");
  d.add("write_access_misses", c.per_write.l1_cache_misses, "accesses",
        "per access: writes with some line missing the L1D (D1mw)");
  if (l2) {
    const auto sum = [&c](uint64_t AccessCounts::*field) {
      return [&c, field] { return c.per_fetch.*field + c.per_read.*field + c.per_write.*field; };
    };
    stats::Group& l2g = g.component("l2");
    l2g.add("accesses", sum(&AccessCounts::l1_cache_misses), "accesses",
            "per access: fetches and data accesses with some line missing the L1");
    l2g.add("access_misses", sum(&AccessCounts::l2_cache_misses), "accesses",
            "per access: fetches and data accesses with some line missing the L1 and then the L2");
  }
}

}  // namespace mmusim
