// Seeded random MMU operation streams: accesses of every kind at EL0 and EL1 (sizes 1-8, some
// misaligned, some outside the TTBR0 range), context switches between processes with their own
// random tables, every TLBI kind, occasional MAIR changes.
#pragma once

#include <memory>
#include <random>
#include <vector>

#include "model/rtl/mmu_lockstep.h"
#include "tests/rtl/page_tables.h"

namespace mmusim::rtl {

struct MmuStreamParams {
  uint64_t seed = 1;
  size_t ops = 5000;
  unsigned processes = 3;  // ASIDs 1..processes, each with its own tables
};

class RandomMmuStream {
 public:
  RandomMmuStream(DescriptorMemory& mem, const MmuStreamParams& p) : m_params(p), m_rng(p.seed) {
    for (unsigned i = 0; i < p.processes; ++i)
      m_tables.push_back(std::make_unique<RandomPageTables>(
          mem, p.seed * 31 + i, RandomPageTables::kTableBase + uint64_t{i} * 0x100'0000));
  }

  std::vector<MmuOp> generate() {
    std::vector<MmuOp> ops;
    unsigned current = 0;
    ops.push_back(set_ttbr0(current));
    while (ops.size() < m_params.ops) {
      const unsigned r = static_cast<unsigned>(m_rng() % 1000);
      MmuOp op;
      if (r < 15) {
        current = static_cast<unsigned>(m_rng() % m_params.processes);
        ops.push_back(set_ttbr0(current));
        continue;
      }
      if (r < 17) {
        op.kind = MmuOp::Kind::kSetMair;
        op.mair = m_rng() % 2 ? arch::kLinuxMair : m_rng();
        ops.push_back(op);
        continue;
      }
      if (r < 60) {
        const unsigned k = static_cast<unsigned>(m_rng() % 20);
        op.kind = k < 8    ? MmuOp::Kind::kInvVaAsid
                  : k < 14 ? MmuOp::Kind::kInvVa
                  : k < 19 ? MmuOp::Kind::kInvAsid
                           : MmuOp::Kind::kInvAll;
        op.va = random_va();
        op.asid = Asid(static_cast<uint16_t>(1 + m_rng() % m_params.processes));
        ops.push_back(op);
        continue;
      }
      op.kind = MmuOp::Kind::kAccess;
      op.access.access = static_cast<arch::AccessKind>(m_rng() % 3);
      op.access.el = m_rng() % 2 ? arch::ExceptionLevel::kEl1 : arch::ExceptionLevel::kEl0;
      op.access.len = 1u << (m_rng() % 4);
      uint64_t va = random_va().value();
      if (m_rng() % 4) va &= ~uint64_t{op.access.len - 1};                // mostly aligned
      va = std::min<uint64_t>(va, (va | 0xfff) - op.access.len + 1);      // within the page
      if (m_rng() % 50 == 0) va |= uint64_t{1 + m_rng() % 0xffff} << 48;  // not TTBR0
      op.access.va = VirtAddr(va);
      m_tables[current]->populate(op.access.va);
      ops.push_back(op);
    }
    return ops;
  }

 private:
  MmuOp set_ttbr0(unsigned process) {
    MmuOp op;
    op.kind = MmuOp::Kind::kSetTtbr0;
    op.table = m_tables[process]->root();
    op.asid = Asid(static_cast<uint16_t>(1 + process));
    return op;
  }
  // 2 L0 slots x 4 L1 x 8 L2 x 32 L3 pages: walks share tables and TLB sets conflict.
  VirtAddr random_va() {
    return VirtAddr((m_rng() % 2) << 39 | (m_rng() % 4) << 30 | (m_rng() % 8) << 21 |
                    (m_rng() % 32) << 12 | (m_rng() % 4096));
  }

  MmuStreamParams m_params;
  std::mt19937_64 m_rng;
  std::vector<std::unique_ptr<RandomPageTables>> m_tables;
};

}  // namespace mmusim::rtl
