// Test doubles for the kernel layer's hardware interfaces: a sparse host
// memory (FakePhysMemory), an MMU that records every system-register write
// and TLBI (RecordingMmu) into a log shared with the memory's descriptor
// writes, and a reference stage-1 walker plus a tiny CPU (TestCpu) that
// turns loads/stores/fetches into walks, faults and handle_fault() calls.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "model/arch/descriptor.h"
#include "model/arch/fault.h"
#include "model/arch/memattr.h"
#include "model/arch/permissions.h"
#include "sw/hw.h"
#include "sw/kernel.h"

namespace mmusim::sw::test {

struct HwEvent {
  enum class Kind {
    kWrite64,
    kTlbiVaAsid,
    kTlbiVaAllAsids,
    kTlbiAsid,
    kTlbiAll,
    kSetTtbr0,
    kSetMair
  };
  Kind kind;
  uint64_t addr = 0;   // PA of a write, VA of a TLBI, table of TTBR0
  uint64_t value = 0;  // value written, MAIR
  uint16_t asid = 0;
  bool operator==(const HwEvent& o) const {
    return kind == o.kind && addr == o.addr && value == o.value && asid == o.asid;
  }
};

inline std::ostream& operator<<(std::ostream& os, const HwEvent& e) {
  static const char* kNames[] = {"write64",  "tlbi_va_asid", "tlbi_va_all", "tlbi_asid",
                                 "tlbi_all", "set_ttbr0",    "set_mair"};
  return os << kNames[static_cast<int>(e.kind)] << "(0x" << std::hex << e.addr << ", 0x" << e.value
            << ", asid " << std::dec << e.asid << ")";
}

using HwLog = std::vector<HwEvent>;

class FakePhysMemory : public PhysMemory {
 public:
  FakePhysMemory(PhysAddr base, uint64_t bytes, HwLog& log)
      : m_base(base), m_bytes(bytes), m_log(log) {}

  void read(PhysAddr pa, void* dst, size_t len) override {
    check(pa, len);
    auto* out = static_cast<uint8_t*>(dst);
    for (size_t i = 0; i < len;) {  // page by page
      const uint64_t off = (pa + i).offset_in(4096);
      const size_t n = std::min<size_t>(4096 - off, len - i);
      auto it = m_pages.find((pa + i).value() >> 12);
      if (it == m_pages.end())
        std::memset(out + i, 0xa5, n);
      else
        std::memcpy(out + i, it->second.data() + off, n);
      i += n;
    }
  }
  void write(PhysAddr pa, const void* src, size_t len) override {
    check(pa, len);
    if (len == 8) {
      uint64_t v;
      std::memcpy(&v, src, 8);
      m_log.push_back({HwEvent::Kind::kWrite64, pa.value(), v, 0});
    }
    const auto* in = static_cast<const uint8_t*>(src);
    for (size_t i = 0; i < len;) {  // page by page
      const uint64_t off = (pa + i).offset_in(4096);
      const size_t n = std::min<size_t>(4096 - off, len - i);
      std::memcpy(page(pa + i).data() + off, in + i, n);
      i += n;
    }
  }
  void fill(PhysAddr pa, uint8_t value, size_t len) override {
    check(pa, len);
    fills++;
    for (size_t i = 0; i < len; ++i)
      page(pa + i)[(pa + i).offset_in(4096)] = value;
  }

  uint8_t byte(PhysAddr pa) {
    auto it = m_pages.find(pa.value() >> 12);
    // Fresh DRAM holds garbage, so that a kernel that forgets to zero shows it.
    return it == m_pages.end() ? 0xa5 : it->second[pa.offset_in(4096)];
  }
  uint64_t fills = 0;

 private:
  void check(PhysAddr pa, size_t len) const {
    if (pa < m_base || pa.value() + len > m_base.value() + m_bytes)
      throw std::out_of_range("FakePhysMemory: access outside DRAM");
  }
  std::array<uint8_t, 4096>& page(PhysAddr pa) {
    auto [it, inserted] = m_pages.try_emplace(pa.value() >> 12);
    if (inserted) it->second.fill(0xa5);
    return it->second;
  }
  PhysAddr m_base;
  uint64_t m_bytes;
  HwLog& m_log;
  std::unordered_map<uint64_t, std::array<uint8_t, 4096>> m_pages;
};

class RecordingMmu : public MmuControl {
 public:
  explicit RecordingMmu(HwLog& log) : m_log(log) {}
  void tlbi_va_asid(VirtAddr va, Asid asid) override {
    m_log.push_back({HwEvent::Kind::kTlbiVaAsid, va.value(), 0, asid.value()});
  }
  void tlbi_va_all_asids(VirtAddr va) override {
    m_log.push_back({HwEvent::Kind::kTlbiVaAllAsids, va.value(), 0, 0});
  }
  void tlbi_asid(Asid asid) override {
    m_log.push_back({HwEvent::Kind::kTlbiAsid, 0, 0, asid.value()});
  }
  void tlbi_all() override { m_log.push_back({HwEvent::Kind::kTlbiAll, 0, 0, 0}); }
  void set_ttbr0(PhysAddr table, Asid asid) override {
    m_log.push_back({HwEvent::Kind::kSetTtbr0, table.value(), 0, asid.value()});
    ttbr0 = table;
    current_asid = asid;
  }
  void set_mair(uint64_t mair) override { m_log.push_back({HwEvent::Kind::kSetMair, 0, mair, 0}); }
  PhysAddr ttbr0;
  Asid current_asid;

 private:
  HwLog& m_log;
};

// Reference stage-1 walk (VMSAv8-64, 4 KB granule, levels 0-3), independent
// of the kernel's own table code.
struct Walk {
  arch::FaultKind fault = arch::FaultKind::kNone;
  int level = 0;  // level of the leaf, or of the faulting lookup
  arch::Descriptor leaf;
  PhysAddr pa;                   // output address of the access
  std::vector<PhysAddr> tables;  // table pages visited, root first
};

inline Walk walk(PhysMemory& mem, PhysAddr root, VirtAddr va) {
  Walk w;
  PhysAddr table = root;
  for (int level = 0; level <= 3; ++level) {
    w.tables.push_back(table);
    const arch::Descriptor d(mem.read64(table + arch::table_index(va, level) * 8));
    w.level = level;
    const arch::DescType t = d.type(level);
    if (t == arch::DescType::kInvalid) {
      w.fault = arch::FaultKind::kTranslation;
      w.leaf = d;
      return w;
    }
    if (t == arch::DescType::kTable) {
      table = d.output_address();
      continue;
    }
    w.leaf = d;
    if (!d.af()) {
      w.fault = arch::FaultKind::kAccessFlag;
      return w;
    }
    w.pa = d.output_address() + va.offset_in(arch::level_size(level));
    return w;
  }
  return w;
}

// A CPU without a TLB: translates through the reference walker, checks
// permissions with arch::permits, and enters the kernel on a fault until
// the access completes or a signal is delivered.
class TestCpu {
 public:
  TestCpu(Kernel& k, FakePhysMemory& mem, RecordingMmu& mmu) : m_k(k), m_mem(mem), m_mmu(mmu) {}

  struct Result {
    FaultOutcome outcome = FaultOutcome::kRetry;  // kRetry: the access completed
    PhysAddr pa;
    int faults = 0;
    KernelCost cost;
  };

  Result access(VirtAddr va, arch::AccessKind kind) {
    Result r;
    for (int tries = 0; tries < 8; ++tries) {
      const Walk w = walk(m_mem, m_mmu.ttbr0, va);
      arch::FaultSyndrome f;
      f.va = va;
      f.access = kind;
      f.el = arch::ExceptionLevel::kEl0;
      f.level = static_cast<int8_t>(w.level);
      f.kind = w.fault;
      if (f.kind == arch::FaultKind::kNone) {
        const arch::PageAttrs a = w.leaf.page_attrs();
        if (!arch::permits(arch::Permissions{a.ap, a.pxn, a.uxn}, kind, f.el))
          f.kind = arch::FaultKind::kPermission;
      }
      if (hafdbs) {
        // FEAT_HAFDBS: the walker sets AF itself and, for a store through a
        // writable-clean entry (DBM=1, AP[2]=1), clears AP[2]; then walks again.
        const PhysAddr entry = w.tables.back() + arch::table_index(va, w.level) * 8;
        if (f.kind == arch::FaultKind::kAccessFlag) {
          m_mem.write64(entry, w.leaf.with_af(true).raw());
          continue;
        }
        if (f.kind == arch::FaultKind::kPermission && kind == arch::AccessKind::kWrite &&
            w.leaf.page_attrs().dbm && w.leaf.ap() == arch::Ap::kRo) {
          m_mem.write64(entry, w.leaf.with_ap(arch::Ap::kRw).raw());
          continue;
        }
      }
      if (f.kind == arch::FaultKind::kNone) {
        r.pa = w.pa;
        r.outcome = FaultOutcome::kRetry;
        return r;
      }
      r.faults++;
      const FaultResult fr = m_k.handle_fault(f);
      r.cost += fr.cost;
      if (fr.outcome != FaultOutcome::kRetry) {
        r.outcome = fr.outcome;
        return r;
      }
    }
    throw std::runtime_error("TestCpu: the kernel kept asking for a retry");
  }

  // Hardware access-flag and dirty-state updates (mmu.walker.hafdbs).
  bool hafdbs = false;

  // load/store of one byte; nullopt (with `signal` set) on a signal.
  std::optional<uint8_t> load(uint64_t va, FaultOutcome* signal = nullptr) {
    const Result r = access(VirtAddr(va), arch::AccessKind::kRead);
    if (signal) *signal = r.outcome;
    if (r.outcome != FaultOutcome::kRetry) return std::nullopt;
    return m_mem.byte(r.pa);
  }
  FaultOutcome store(uint64_t va, uint8_t value) {
    const Result r = access(VirtAddr(va), arch::AccessKind::kWrite);
    if (r.outcome == FaultOutcome::kRetry) m_mem.write(r.pa, &value, 1);
    return r.outcome;
  }

 private:
  Kernel& m_k;
  FakePhysMemory& m_mem;
  RecordingMmu& m_mmu;
};

}  // namespace mmusim::sw::test
