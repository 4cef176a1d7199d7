#include "testbench/synthetic.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "sw/reclaim/reclaim.h"
#include "system/platform.h"

namespace mmusim {

namespace {

// log1p(x) / x and expm1(x) / x, continuous at 0.
double log1p_over(double x) {
  return std::fabs(x) > 1e-8 ? std::log1p(x) / x : 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
}
double expm1_over(double x) {
  return std::fabs(x) > 1e-8 ? std::expm1(x) / x
                             : 1.0 + x * 0.5 * (1.0 + x * (1.0 / 3.0) * (1.0 + 0.25 * x));
}

constexpr uint64_t kLine = 64;
// Largest region a pointer chase covers (one 32-bit index per line).
constexpr uint64_t kMaxChaseLines = uint64_t{1} << 26;

uint64_t map_region(CpuPort& cpu, uint64_t bytes, int prot) {
  const sw::SyscallResult r = kernel_of(cpu).mmap(
      VirtAddr(0), bytes, prot, sw::abi::kMapPrivate | sw::abi::kMapAnonymous, -1, 0);
  cpu.charge(r.cost);
  if (!r.ok())
    throw std::runtime_error("synthetic workload: mmap of " + std::to_string(bytes) +
                             " bytes failed (" + std::to_string(r.value) + ")");
  return static_cast<uint64_t>(r.value);
}

}  // namespace

ZipfSampler::ZipfSampler(uint64_t n, double s)
    : m_n(n),
      m_s(s),
      m_h_x1(h_integral(1.5) - 1.0),
      m_h_n(h_integral(static_cast<double>(n) + 0.5)),
      m_cut(2.0 - h_integral_inverse(h_integral(2.5) - h(2.0))) {}

double ZipfSampler::h(double x) const {
  return std::exp(-m_s * std::log(x));
}

double ZipfSampler::h_integral(double x) const {
  const double lx = std::log(x);
  return expm1_over((1.0 - m_s) * lx) * lx;
}

double ZipfSampler::h_integral_inverse(double x) const {
  double t = x * (1.0 - m_s);
  if (t < -1.0) t = -1.0;
  return std::exp(log1p_over(t) * x);
}

uint64_t ZipfSampler::sample(SplitMix64& rng) const {
  for (;;) {
    const double u = m_h_n + rng.unit() * (m_h_x1 - m_h_n);
    const double x = h_integral_inverse(u);
    uint64_t k = static_cast<uint64_t>(x + 0.5);
    k = k < 1 ? 1 : k > m_n ? m_n : k;
    const double kd = static_cast<double>(k);
    if (kd - x <= m_cut || u >= h_integral(kd + 0.5) - h(kd)) return k;
  }
}

const char* to_string(Pattern p) {
  switch (p) {
    case Pattern::kSequential:
      return "sequential";
    case Pattern::kStrided:
      return "strided";
    case Pattern::kRandom:
      return "uniform";
    case Pattern::kZipf:
      return "zipf";
    case Pattern::kPointerChase:
      return "pointer-chase";
  }
  return "?";
}

SyntheticParams SyntheticParams::single(Pattern p, uint64_t region_bytes, uint64_t accesses,
                                        unsigned size_bytes, uint64_t stride_bytes,
                                        double write_fraction, double zipf_exponent) {
  SyntheticParams s;
  s.region_bytes = region_bytes;
  Phase ph;
  ph.name = to_string(p);
  ph.pattern = p;
  ph.accesses = accesses;
  ph.size_bytes = size_bytes;
  ph.stride_bytes = p == Pattern::kSequential ? size_bytes : stride_bytes;
  ph.write_fraction = write_fraction;
  ph.zipf_exponent = zipf_exponent;
  s.phases = {ph};
  return s;
}

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
    if (ph.size_bytes == 0 || ph.size_bytes > kMaxAccessBytes)
      throw std::invalid_argument(name + ".size: must be 1-" + std::to_string(kMaxAccessBytes));
    if (ph.size_bytes > region_bytes)
      throw std::invalid_argument(name + ".size: larger than the region");
    if (ph.pattern == Pattern::kStrided && ph.stride_bytes == 0)
      throw std::invalid_argument(name + ".stride: must be at least 1");
    if (ph.pattern == Pattern::kZipf && !(ph.zipf_exponent > 0.0 && ph.zipf_exponent <= 10.0))
      throw std::invalid_argument(name + ".zipf_exponent: must be in (0, 10]");
    if (ph.pattern == Pattern::kPointerChase && region_bytes / kLine > kMaxChaseLines)
      throw std::invalid_argument(name + ".region: a pointer chase covers at most " +
                                  std::to_string(kMaxChaseLines * kLine >> 30) + " GB");
    if (ph.write_fraction < 0.0 || ph.write_fraction > 1.0)
      throw std::invalid_argument(name + ".write_fraction: must be in [0, 1]");
  }
}

PhaseGenerator::PhaseGenerator(const Phase& phase, uint64_t region_bytes, SplitMix64& rng)
    : m_phase(phase),
      m_rng(rng),
      m_span(region_bytes - phase.size_bytes + 1),
      m_last_line((region_bytes - phase.size_bytes) / kLine),
      m_write_threshold(
          static_cast<uint64_t>(phase.write_fraction * static_cast<double>(UINT64_MAX))),
      m_zipf(region_bytes / kLine, phase.pattern == Pattern::kZipf ? phase.zipf_exponent : 1.0) {
  if (phase.pattern == Pattern::kPointerChase) {
    m_chase.resize(m_last_line + 1);
    for (uint64_t l = 0; l < m_chase.size(); ++l)
      m_chase[l] = static_cast<uint32_t>(l);
    // Sattolo: a uniformly random permutation with a single cycle.
    for (uint64_t l = m_chase.size() - 1; l > 0; --l)
      std::swap(m_chase[l], m_chase[m_rng.below(l)]);
  }
}

PhaseGenerator::Access PhaseGenerator::next() {
  Access a;
  switch (m_phase.pattern) {
    case Pattern::kRandom:
      m_offset = m_rng.below(m_span);
      break;
    case Pattern::kSequential:
    case Pattern::kStrided:
      if (m_n > 0) {
        m_offset += m_phase.stride_bytes;
        if (m_offset >= m_span) m_offset %= m_span;
      }
      break;
    case Pattern::kZipf: {
      // Scatter ranks over the region (a multiplicative hash, then fold).
      const uint64_t rank = m_zipf.sample(m_rng) - 1;
      m_offset = (rank * 0x9e3779b97f4a7c15ull >> 11) % (m_last_line + 1) * kLine;
      break;
    }
    case Pattern::kPointerChase:
      if (m_n > 0) {
        m_offset = m_chase[m_offset / kLine] * kLine;
        a.dependent = true;
      }
      break;
  }
  ++m_n;
  a.offset = m_offset;
  a.write = m_phase.write_fraction >= 1.0 ||
            (m_phase.write_fraction > 0.0 && m_rng.next() < m_write_threshold);
  return a;
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

  SplitMix64 rng{m_params.seed};
  uint64_t code_offset = 0;
  uint8_t data[kMaxAccessBytes] = {};
  uint8_t insn[4] = {};
  bool killed = false;
  for (size_t i = 0; i < m_params.phases.size(); ++i) {
    const Phase& ph = m_params.phases[i];
    if (on_phase) on_phase(i, ph);
    PhaseResult res{ph.name, ph.accesses, cpu.now().count(), 0, 0, 0.0};
    const auto host_start = std::chrono::steady_clock::now();
    unsigned until_fetch = m_params.fetch_every;
    PhaseGenerator gen(ph, m_params.region_bytes, rng);
    for (uint64_t n = 0; n < ph.accesses; ++n) {
      const PhaseGenerator::Access a = gen.next();
      if (a.dependent) cpu.drain();  // the address comes from the previous load
      const bool write = a.write;
      const uint64_t offset = a.offset;
      if (write) std::memcpy(data, &n, sizeof n);
      const AccessOutcome o = cpu.access(write ? arch::AccessKind::kWrite : arch::AccessKind::kRead,
                                         VirtAddr(m_data_base + offset), ph.size_bytes, data);
      if (o != AccessOutcome::kOk) ++res.signals;
      if (o == AccessOutcome::kSigkill) {  // OOM-killed: the workload's process is gone
        killed = true;
        break;
      }
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
    if (killed) {
      for (const sw::OomKill& k : kernel_of(cpu).reclaim().oom_kills())
        std::fprintf(stderr, "mmusim: %s; the workload stops\n", k.describe().c_str());
      break;
    }
  }
}

}  // namespace mmusim
