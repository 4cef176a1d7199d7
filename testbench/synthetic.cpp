#include "testbench/synthetic.h"

#include <chrono>
#include <cstring>
#include <stdexcept>

namespace mmusim {

namespace {

// splitmix64: small, fast, good enough to spread accesses uniformly.
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound): the modulo bias is below 2^-40 for bounds < 2^24
  // pages' worth of bytes, far under what any statistic here can resolve.
  uint64_t below(uint64_t bound) { return next() % bound; }
};

uint64_t map_region(CpuPort& cpu, uint64_t bytes, int prot) {
  const sw::SyscallResult r = cpu.kernel().mmap(
      VirtAddr(0), bytes, prot, sw::abi::kMapPrivate | sw::abi::kMapAnonymous, -1, 0);
  cpu.charge(r.cost);
  if (!r.ok())
    throw std::runtime_error("synthetic workload: mmap of " + std::to_string(bytes) +
                             " bytes failed (" + std::to_string(r.value) + ")");
  return static_cast<uint64_t>(r.value);
}

}  // namespace

SyntheticParams SyntheticParams::default_mix(uint64_t region_bytes) {
  SyntheticParams p;
  p.region_bytes = region_bytes;
  const uint64_t lines = p.region_bytes / 64;
  p.phases = {
      {"sequential-write", Pattern::kSequential, lines, 64, 1.0, 8},
      {"random-read", Pattern::kRandom, lines / 2, 0, 0.0, 8},
      {"sequential-read", Pattern::kSequential, lines, 64, 0.0, 8},
      {"random-mixed", Pattern::kRandom, lines / 2, 0, 0.3, 8},
  };
  return p;
}

void SyntheticParams::validate(const std::string& name) const {
  if (region_bytes < 4096 || region_bytes % 4096 != 0)
    throw std::invalid_argument(name + ".region: must be a non-zero multiple of 4096");
  if (fetch_every != 0 && (code_bytes < 4096 || code_bytes % 4096 != 0))
    throw std::invalid_argument(name + ".code: must be a non-zero multiple of 4096");
  for (const Phase& ph : phases) {
    if (ph.size_bytes == 0 || ph.size_bytes > 8)
      throw std::invalid_argument(name + ".phases." + ph.name + ".size: must be 1-8");
    if (ph.size_bytes > region_bytes)
      throw std::invalid_argument(name + ".phases." + ph.name + ".size: larger than the region");
    if (ph.write_fraction < 0.0 || ph.write_fraction > 1.0)
      throw std::invalid_argument(name + ".phases." + ph.name +
                                  ".write_fraction: must be in [0, 1]");
  }
}

SyntheticWorkload::SyntheticWorkload(SyntheticParams params) : m_params(std::move(params)) {
  m_params.validate("workload");
}

void SyntheticWorkload::run(CpuPort& cpu) {
  using sw::abi::kProtExec;
  using sw::abi::kProtRead;
  using sw::abi::kProtWrite;
  m_data_base = map_region(cpu, m_params.region_bytes, kProtRead | kProtWrite);
  const uint64_t code_base =
      m_params.fetch_every ? map_region(cpu, m_params.code_bytes, kProtRead | kProtExec) : 0;

  Rng rng{m_params.seed};
  uint64_t code_offset = 0;
  uint8_t data[8] = {};
  uint8_t insn[4] = {};
  for (size_t i = 0; i < m_params.phases.size(); ++i) {
    const Phase& ph = m_params.phases[i];
    if (on_phase) on_phase(i, ph);
    PhaseResult res{ph.name, ph.accesses, cpu.now().count(), 0, 0, 0.0};
    const auto host_start = std::chrono::steady_clock::now();
    const uint64_t span = m_params.region_bytes - ph.size_bytes + 1;
    const uint64_t write_threshold =
        static_cast<uint64_t>(ph.write_fraction * static_cast<double>(UINT64_MAX));
    uint64_t offset = 0;
    unsigned until_fetch = m_params.fetch_every;
    for (uint64_t n = 0; n < ph.accesses; ++n) {
      if (ph.pattern == Pattern::kRandom) {
        offset = rng.below(span);
      } else if (n > 0) {
        offset += ph.stride_bytes;
        if (offset >= span) offset %= span;
      }
      const bool write =
          ph.write_fraction >= 1.0 || (ph.write_fraction > 0.0 && rng.next() < write_threshold);
      if (write) std::memcpy(data, &n, sizeof data);
      const AccessOutcome o = cpu.access(write ? arch::AccessKind::kWrite : arch::AccessKind::kRead,
                                         VirtAddr(m_data_base + offset), ph.size_bytes, data);
      if (o != AccessOutcome::kOk) ++res.signals;
      if (m_params.fetch_every && --until_fetch == 0) {
        until_fetch = m_params.fetch_every;
        if (cpu.access(arch::AccessKind::kFetch, VirtAddr(code_base + code_offset), 4, insn) !=
            AccessOutcome::kOk)
          ++res.signals;
        code_offset = (code_offset + 4) % m_params.code_bytes;
      }
    }
    res.end_cycle = cpu.now().count();
    res.host_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - host_start).count();
    m_results.push_back(res);
  }
}

}  // namespace mmusim
