#include "testbench/synthetic.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "model/stats/dump.h"
#include "sw/mm/address_spaces.h"
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
constexpr uint64_t kPage = 4096;
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

const char* to_string(Churn c) {
  switch (c) {
    case Churn::kMunmap:
      return "munmap";
    case Churn::kMprotect:
      return "mprotect";
    case Churn::kMixed:
      return "mixed";
  }
  return "?";
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
  if (threads < 1 || threads > kMaxThreads)
    throw std::invalid_argument(name + ".threads: must be 1-" + std::to_string(kMaxThreads));
  if (churn_every != 0 && (churn_pages < 1 || uint64_t{churn_pages} * kPage > region_bytes))
    throw std::invalid_argument(name + ".churn_pages: must be 1 to the region's pages (" +
                                std::to_string(region_bytes / kPage) + ")");
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

// Threads 1..threads-1: each runs the parent's phases on its core.
class SyntheticWorkload::Thread : public Workload {
 public:
  Thread(SyntheticWorkload& parent, unsigned index) : m_parent(parent), m_index(index) {}
  void run(CpuPort& cpu) override {
    while (!m_parent.m_ready && !m_parent.m_failed)
      sc_core::wait(m_parent.m_ready_event);
    if (m_parent.m_failed) return;
    cpu.charge_kernel(Cycles(m_parent.m_switch_cycles[m_index]));
    m_parent.run_thread(cpu, m_index);
  }

 private:
  SyntheticWorkload& m_parent;
  unsigned m_index;
};

SyntheticWorkload::SyntheticWorkload(SyntheticParams params)
    : m_params(std::move(params)), m_results(m_params.threads), m_switch_cycles(m_params.threads) {
  m_params.validate("workload");
  for (unsigned t = 1; t < m_params.threads; ++t)
    m_threads.push_back(std::make_unique<Thread>(*this, t));
}

SyntheticWorkload::~SyntheticWorkload() = default;

std::vector<Workload*> SyntheticWorkload::per_core() {
  std::vector<Workload*> w{this};
  for (const auto& t : m_threads)
    w.push_back(t.get());
  return w;
}

uint64_t SyntheticWorkload::accesses() const {
  uint64_t n = 0;
  for (const auto& thread : m_results)
    for (const PhaseResult& r : thread)
      n += r.accesses;
  return n;
}

void SyntheticWorkload::run(CpuPort& cpu) {
  using sw::abi::kProtExec;
  using sw::abi::kProtRead;
  using sw::abi::kProtWrite;
  if (cpu.index() != 0)
    throw std::logic_error("synthetic workload: thread 0 runs on core 0, not core " +
                           std::to_string(cpu.index()));
  // The other threads wait for the regions and their tasks; if setting them
  // up fails, they are released to return.
  struct Release {
    SyntheticWorkload& w;
    ~Release() {
      if (w.m_ready) return;
      w.m_failed = true;
      if (!w.m_threads.empty()) w.m_ready_event.notify(sc_core::SC_ZERO_TIME);
    }
  } release{*this};
  m_data_base = map_region(cpu, m_params.region_bytes, kProtRead | kProtWrite);
  m_code_base =
      m_params.fetch_every ? map_region(cpu, m_params.code_bytes, kProtRead | kProtExec) : 0;
  for (unsigned t = 1; t < m_params.threads; ++t) {
    sw::Kernel& k = kernel_of(cpu);
    const sw::SyscallResult r = k.clone_thread();
    cpu.charge(r.cost);
    if (!r.ok())
      throw std::runtime_error("synthetic workload: clone of thread " + std::to_string(t) +
                               " failed (" + std::to_string(r.value) + ")");
    // Thread t becomes current on core t (its switch-in: ASID, TTBR0).
    k.set_cpu(t);
    m_switch_cycles[t] = k.mm().switch_to(static_cast<sw::Pid>(r.value)).cycles.count();
    k.set_cpu(0);
  }
  m_ready = true;
  // Waiting threads resume in the next delta cycle (an immediate notify
  // would be lost on a thread that has not reached its wait yet).
  if (!m_threads.empty()) m_ready_event.notify(sc_core::SC_ZERO_TIME);
  run_thread(cpu, 0);
}

void SyntheticWorkload::churn_once(CpuPort& cpu, SplitMix64& rng, uint64_t& n) {
  using namespace sw::abi;
  const uint64_t pages = m_params.region_bytes / kPage;
  const uint64_t len = uint64_t{m_params.churn_pages} * kPage;
  const VirtAddr va(m_data_base + rng.below(pages - m_params.churn_pages + 1) * kPage);
  const bool unmap =
      m_params.churn == Churn::kMunmap || (m_params.churn == Churn::kMixed && n % 2 == 0);
  ++n;
  // One kernel call; `shootdown` gets the waits for other cores it
  // contained (the kernel never yields: nothing else ran). Both calls of the
  // pair are charged after the second: charging may let the other cores run
  // (a quantum boundary), and they must not see the page unmapped or
  // read-only between the two.
  sw::KernelCost cost;
  auto call = [&](auto&& syscall, uint64_t* shootdown, uint64_t* cycles) {
    sw::Kernel& k = kernel_of(cpu);
    const uint64_t before = k.stats().tlb_shootdown_cycles;
    const sw::SyscallResult r = syscall(k);
    if (shootdown) *shootdown += k.stats().tlb_shootdown_cycles - before;
    if (cycles) *cycles += r.cost.cycles.count();
    cost += r.cost;
    if (!r.ok()) ++m_churn.failed;
  };
  if (unmap) {
    call([&](sw::Kernel& k) { return k.munmap(va, len); }, &m_churn.munmap_shootdown_cycles,
         &m_churn.munmap_cycles);
    call(
        [&](sw::Kernel& k) {
          return k.mmap(va, len, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous | kMapFixed,
                        -1, 0);
        },
        nullptr, nullptr);
    ++m_churn.munmaps;
    ++m_churn.mmaps;
  } else {
    call([&](sw::Kernel& k) { return k.mprotect(va, len, kProtRead); },
         &m_churn.mprotect_shootdown_cycles, nullptr);
    call([&](sw::Kernel& k) { return k.mprotect(va, len, kProtRead | kProtWrite); },
         &m_churn.mprotect_shootdown_cycles, nullptr);
    m_churn.mprotects += 2;
  }
  cpu.charge(cost);
}

void SyntheticWorkload::run_thread(CpuPort& cpu, unsigned t) {
  std::vector<PhaseResult>& results = m_results[t];
  SplitMix64 rng{m_params.seed + t * 0x9e3779b97f4a7c15ull};
  SplitMix64 churn_rng{m_params.seed ^ (0x6a09e667f3bcc909ull + t)};
  uint64_t churn_ops = 0;
  uint64_t until_churn = m_params.churn_every;
  const uint64_t code_base = m_code_base;
  uint64_t code_offset = 0;
  uint8_t data[kMaxAccessBytes] = {};
  uint8_t insn[4] = {};
  bool killed = false;
  for (size_t i = 0; i < m_params.phases.size(); ++i) {
    const Phase& ph = m_params.phases[i];
    if (on_phase && t == 0) on_phase(i, ph);
    PhaseResult res{ph.name, ph.accesses, cpu.now().count(), 0, 0, 0.0};
    const auto host_start = std::chrono::steady_clock::now();
    unsigned until_fetch = m_params.fetch_every;
    PhaseGenerator gen(ph, m_params.region_bytes, rng);
    // Thread t starts t/T of the way into the region (every offset stays
    // below the span, so every access stays inside).
    const uint64_t span = m_params.region_bytes - ph.size_bytes + 1;
    const uint64_t shift = m_params.region_bytes / m_params.threads * t / kLine * kLine;
    for (uint64_t n = 0; n < ph.accesses; ++n) {
      const PhaseGenerator::Access a = gen.next();
      if (a.dependent) cpu.drain();  // the address comes from the previous load
      const bool write = a.write;
      uint64_t offset = a.offset;
      if (shift) {
        offset += shift;
        if (offset >= span) offset -= span;
      }
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
      if (m_params.churn_every && --until_churn == 0) {
        until_churn = m_params.churn_every;
        churn_once(cpu, churn_rng, churn_ops);
      }
    }
    res.end_cycle = cpu.now().count();
    res.host_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - host_start).count();
    results.push_back(res);
    if (killed) {
      // Once per kill, whichever thread stops first.
      const auto& kills = kernel_of(cpu).reclaim().oom_kills();
      for (; m_kills_reported < kills.size(); ++m_kills_reported)
        std::fprintf(stderr, "mmusim: %s; the workload stops\n",
                     kills[m_kills_reported].describe().c_str());
      break;
    }
  }
}

void register_workload_stats(stats::Group& g, const SyntheticWorkload& w) {
  g.add(
      "threads", [&w] { return uint64_t{w.params().threads}; }, "threads",
      "threads of the process (workload.threads), thread t on core t");
  g.add(
      "accesses", [&w] { return w.accesses(); }, "accesses", "data accesses of every thread");
  stats::Group& c = g.child("churn");
  const ChurnResult& r = w.churn();
  c.add("munmaps", r.munmaps, "calls", "churn munmaps (each followed by a MAP_FIXED mmap back)");
  c.add("mmaps", r.mmaps, "calls", "churn maps back after a munmap");
  c.add("mprotects", r.mprotects, "calls", "churn mprotects (read-only, then writable again)");
  c.add("failed", r.failed, "calls", "churn calls the kernel refused");
  c.add("munmap_shootdown_cycles", r.munmap_shootdown_cycles, "cycles",
        "kernel.tlb.shootdown_cycles accrued inside the churn munmaps (the initiators' waits)");
  c.add("mprotect_shootdown_cycles", r.mprotect_shootdown_cycles, "cycles",
        "kernel.tlb.shootdown_cycles accrued inside the churn mprotects");
  c.add("munmap_cycles", r.munmap_cycles, "cycles",
        "kernel cycles of the churn munmaps, shootdowns included");
  c.add_real(
      "shootdown_cycles_per_munmap",
      [&r] {
        return r.munmaps
                   ? static_cast<double>(r.munmap_shootdown_cycles) / static_cast<double>(r.munmaps)
                   : 0.0;
      },
      "cycles", "munmap_shootdown_cycles / munmaps (0 without munmaps)");
  c.add_real(
      "cycles_per_munmap",
      [&r] {
        return r.munmaps ? static_cast<double>(r.munmap_cycles) / static_cast<double>(r.munmaps)
                         : 0.0;
      },
      "cycles", "munmap_cycles / munmaps (0 without munmaps)");
}

util::Value workload_stats_value(const SyntheticWorkload& w) {
  stats::Group g("workload");
  register_workload_stats(g, w);
  return *stats::to_value(g).find("workload");
}

}  // namespace mmusim
