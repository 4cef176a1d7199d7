#include "model/platform/hardware.h"

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <stdexcept>
#include <tuple>

#include "model/sim/latency.h"
#include "model/sim/report.h"
#include "model/sim/sanitizer_stack.h"
#include "model/util/config_error.h"

namespace mmusim {

namespace {

std::string gib(uint64_t bytes) {
  char buf[48];
  if (bytes >= (uint64_t{1} << 30))
    std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(bytes) / (1 << 30));
  else
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

uint64_t read_uint_file(const char* path) {
  std::ifstream f(path);
  uint64_t v = 0;
  if (f >> v) return v;
  return UINT64_MAX;  // absent, or "max"
}

}  // namespace

HostMemory host_memory() {
  HostMemory h;
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) {
    h.bytes = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
    h.source = "physical memory";
  }
  for (const char* cg :
       {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    const uint64_t v = read_uint_file(cg);
    if (v < h.bytes) {
      h.bytes = v;
      h.source = "the cgroup's memory limit";
    }
  }
  // An address-space limit (ulimit -v) counts what the process has mapped already.
  rlimit as{};
  if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
    uint64_t mapped = 0;
    std::ifstream statm("/proc/self/statm");
    if (statm >> mapped) mapped *= static_cast<uint64_t>(page > 0 ? page : 4096);
    const uint64_t left = as.rlim_cur > mapped ? as.rlim_cur - mapped : 0;
    if (left < h.bytes) {
      h.bytes = left;
      h.source = "the address-space limit (ulimit -v) less what is mapped";
    }
  }
  return h;
}

std::vector<HostMemoryPart> host_memory_parts(const HardwareParams& p) {
  // What a geometry needs of the host once it is used, by component; host
  // memory that follows what a run touches (DRAM, swap, files, the ROM) is
  // not counted.
  // Each core has its own L1s, L2 and TLBs: with cpu.cores > 1 those count
  // once per core (and the text says so).
  std::vector<HostMemoryPart> parts;
  const uint64_t cores = p.cores > 0 ? p.cores : 1;
  const std::string per_core =
      cores > 1 ? " on each of " + std::to_string(cores) + " cores (cpu.cores)" : "";
  std::vector<std::tuple<const char*, const CacheParams&, uint64_t>> caches = {
      {"l1i", p.l1i, cores}, {"l1d", p.l1d, cores}};
  if (p.l2_enable) caches.push_back({"l2", p.l2, cores});
  if (p.llc_enable) caches.push_back({"llc", p.llc, 1});
  for (const auto& [name, c, copies] : caches)
    parts.push_back({std::string(name) + ".size",
                     std::to_string(c.size_bytes) + " bytes in lines of " +
                         std::to_string(c.line_bytes) + " (" + name +
                         ".line_bytes): " + std::to_string(c.size_bytes / c.line_bytes) + " lines" +
                         (copies > 1 ? per_core : ""),
                     Cache::host_bytes(c) * copies});
  for (const auto& [name, t] :
       {std::pair<const char*, const TlbParams&>{"mmu.l1_itlb", p.mmu.l1_itlb},
        {"mmu.l1_dtlb", p.mmu.l1_dtlb},
        {"mmu.l2_tlb", p.mmu.l2_tlb}}) {
    std::string key;
    const uint64_t bytes = Tlb::host_bytes(t, name, &key);
    parts.push_back({key, "the TLB's entries" + per_core, bytes * cores});
  }
  return parts;
}

void check_host_memory(const std::vector<HostMemoryPart>& parts, const HostMemory& host) {
  // More than the host has is a configuration error naming the key of the
  // largest part, before anything is built.
  uint64_t total = 0;
  const HostMemoryPart* largest = &parts.front();
  for (const HostMemoryPart& part : parts) {
    total += part.bytes;
    if (part.bytes > largest->bytes) largest = &part;
  }
  if (total <= host.bytes) return;
  std::string msg =
      largest->key + ": " + largest->what + " need " + gib(largest->bytes) + " of host memory";
  if (gib(total) != gib(largest->bytes))
    msg += " (" + gib(total) + " with the rest of the platform)";
  msg += ", more than the " + gib(host.bytes) + " this host has (" + host.source + ")";
  throw util::ConfigError(msg);
}

void check_host_memory(const HardwareParams& p, const HostMemory& host) {
  check_host_memory(host_memory_parts(p), host);
}

void HardwareParams::check() const {
  if (!(cpu_frequency_mhz > 0.0 && cpu_frequency_mhz <= 100000.0))
    throw std::invalid_argument("cpu.frequency_mhz: must be in (0, 100000]");
  if (cores < 1 || cores > kMaxCores)
    throw std::invalid_argument("cpu.cores: " + std::to_string(cores) + ": must be 1-" +
                                std::to_string(kMaxCores));
  if (dvm_latency_cycles > kMaxLatencyCycles)
    throw std::invalid_argument("dvm.latency_cycles: must be at most " +
                                std::to_string(kMaxLatencyCycles));
  if (dvm_receive_cycles > kMaxLatencyCycles)
    throw std::invalid_argument("dvm.receive_cycles: must be at most " +
                                std::to_string(kMaxLatencyCycles));
  for (const auto& [key, v] :
       {std::pair<const char*, uint64_t>{"coherence.probe_cycles", coherence.probe_cycles},
        {"coherence.snoop_cycles", coherence.snoop_cycles},
        {"coherence.invalidate_cycles", coherence.invalidate_cycles}})
    if (v > kMaxLatencyCycles)
      throw std::invalid_argument(std::string(key) + ": must be at most " +
                                  std::to_string(kMaxLatencyCycles));
  cpu.validate("cpu");
  mmu.validate("mmu");
  l1i.validate("l1i");
  l1d.validate("l1d");
  for (const auto& [name, on, c] :
       {std::tuple<const char*, bool, const CacheParams&>{"l2", l2_enable, l2},
        {"llc", llc_enable, llc}}) {
    if (!on) continue;
    c.validate(name);
    // One line size through the hierarchy: fills and write-backs are whole
    // lines, and inclusion invalidates a line above by its address.
    for (const auto& [above, a] :
         {std::pair<const char*, const CacheParams&>{"l1d", l1d}, {"l1i", l1i}})
      if (c.line_bytes != a.line_bytes)
        throw std::invalid_argument(
            std::string(name) + ".line_bytes: " + std::to_string(c.line_bytes) + " must equal " +
            above + ".line_bytes (" + std::to_string(a.line_bytes) + ")");
  }
  if (llc_enable && llc.lookup_l1_hit_lines && l2_enable)
    throw std::invalid_argument(
        "llc.lookup_l1_hit_lines: needs l2.enable: false (the L1s must look up the LLC directly)");
  if ((walker_through == WalkerReadLevel::kL2 && !l2_enable) ||
      (walker_through == WalkerReadLevel::kLlc && !llc_enable))
    throw std::invalid_argument(
        std::string("mmu.walker.through: ") +
        (walker_through == WalkerReadLevel::kL2 ? "l2 needs l2.enable" : "llc needs llc.enable"));
  dram.validate("dram");
  const uint64_t kMaxNs = 1'000'000'000;
  if (blockdev_read_latency_ns > kMaxNs)
    throw std::invalid_argument("blockdev.read_latency_ns: must be at most 1 s");
  if (blockdev_write_latency_ns > kMaxNs)
    throw std::invalid_argument("blockdev.write_latency_ns: must be at most 1 s");
  rom.validate("rom");
  if (timer_divider == 0) throw std::invalid_argument("timer.divider: must be at least 1");
  for (const auto& [name, d] : {std::pair<const char*, const DeviceParams&>{"uart", uart},
                                {"timer", timer},
                                {"status", status},
                                {"gic", gic}})
    if (d.base % 4096 != 0)
      throw std::invalid_argument(std::string(name) + ".base: must be 4096-byte aligned");
  // The physical address map: no two enabled windows may overlap.
  struct Window {
    const char* key;
    uint64_t base, size;
  };
  std::vector<Window> map = {{"sysctrl", kSysCtrlBase.value(), SysCtrl::kSize},
                             {"dram", kDramBase.value(), dram.size_bytes},
                             {"blockdev", kBlockDevBase.value(), blk::kRegBlockSize}};
  if (uart.enable) map.push_back({"uart.base", uart.base, Uart::kSize});
  if (timer.enable) map.push_back({"timer.base", timer.base, Timer::kSize});
  if (status.enable) map.push_back({"status.base", status.base, StatusBlock::kSize});
  if (cores > 1 && gic.enable) map.push_back({"gic.base", gic.base, Gic::kSize});
  if (rom.enable) map.push_back({"rom.base", rom.base, rom.size_bytes});
  auto range = [](const Window& w) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "[0x%llx, 0x%llx)", static_cast<unsigned long long>(w.base),
                  static_cast<unsigned long long>(w.base + w.size));
    return std::string(buf);
  };
  for (size_t i = 3; i < map.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (map[i].base < map[j].base + map[j].size && map[j].base < map[i].base + map[i].size)
        throw std::invalid_argument(std::string(map[i].key) + ": " + range(map[i]) + " overlaps " +
                                    map[j].key + " " + range(map[j]));
}

HardwareParams HardwareParams::read(const util::ConfigNode& root) {
  HardwareParams d;
  HardwareParams p;

  // The implementation first: its defaults apply to the mmu.* keys read below.
  const util::ConfigNode mmu_node = root.child("mmu");
  p.mmu_impl =
      mmu_node.get_enum("impl", d.mmu_impl, {"cpp", "rtl", "cosim"},
                        "MMU model: the C++ Mmu (cpp), the Verilated RTL (rtl: TLB geometry fixed "
                        "at build time, tree-PLRU, no walk cache) or both in lock-step (cosim)");
  if (p.mmu_impl != "cpp") {
    const MmuImplFactory* impl = find_mmu_impl(p.mmu_impl);
    if (!impl)
      throw util::ConfigError("mmu.impl: '" + p.mmu_impl +
                              "' is not built into this executable (MMUSIM_BUILD_RTL=OFF or no "
                              "Verilator)");
    impl->defaults(d);
    d.mmu_impl = p.mmu_impl;
  }

  const util::ConfigNode cpu_node = root.child("cpu");
  p.cpu_frequency_mhz =
      cpu_node.get_double("frequency_mhz", d.cpu_frequency_mhz, 1.0, 100000.0, "core clock in MHz");
  p.cores = static_cast<unsigned>(cpu_node.get_uint(
      "cores", d.cores, 1, kMaxCores,
      "cores, each with its CPU port, MMU, L1I, L1D (and L2); the LLC, bus, DRAM and devices "
      "are shared (with mmu.impl rtl or cosim, each core has its own RTL MMU)"));
  const util::ConfigNode dvm_node = root.child("dvm");
  p.dvm_latency_cycles = dvm_node.get_uint(
      "latency_cycles", d.dvm_latency_cycles, 0, kMaxLatencyCycles,
      "broadcast TLB maintenance: one DVM message between two cores, and its completion back "
      "(a guess, not a measurement)");
  p.dvm_receive_cycles = dvm_node.get_uint(
      "receive_cycles", d.dvm_receive_cycles, 0, kMaxLatencyCycles,
      "broadcast TLB maintenance: what processing one DVM message costs each other core (a "
      "guess, not a measurement)");
  p.coherence = CoherenceParams::read(root.child("coherence"), d.coherence);
  p.cpu = CpuPortParams::read(cpu_node, d.cpu);
  p.mmu = MmuParams::read(mmu_node, d.mmu);
  const util::ConfigNode walker_node = mmu_node.child("walker");
  const bool old_key = walker_node.has("through_l1d");
  if (old_key && walker_node.has("through"))
    throw util::ConfigError(
        "mmu.walker.through_l1d and mmu.walker.through: give one (through_l1d is the old name: "
        "true is through: l1d, false is through: memory)");
  const bool through_l1d = walker_node.get_bool(
      "through_l1d", true,
      "deprecated alias of mmu.walker.through: true is l1d, false is memory (not with through)");
  p.walker_through = util::get_enum(
      walker_node, "through", old_key && !through_l1d ? WalkerReadLevel::kMemory : d.walker_through,
      kWalkerReadLevelNames,
      "where descriptor reads enter the caches: l1d, l2, llc (the level must be enabled) or "
      "memory (straight to the bus)");
  p.l1i = CacheParams::read(root.child("l1i"), d.l1i, false);
  p.l1d = CacheParams::read(root.child("l1d"), d.l1d, true);
  const util::ConfigNode l2_node = root.child("l2");
  p.l2_enable = l2_node.get_bool("enable", d.l2_enable,
                                 "a private L2 cache behind the L1I and L1D (per core)");
  p.l2 = CacheParams::read_lower(l2_node, d.l2, false);
  const util::ConfigNode llc_node = root.child("llc");
  p.llc_enable = llc_node.get_bool("enable", d.llc_enable,
                                   "a last-level cache in front of the bus, shared by every core");
  p.llc = CacheParams::read_lower(llc_node, d.llc, true);
  p.bus = BusParams::read(root.child("bus"), d.bus);
  p.dram = DramParams::read(root.child("dram"), d.dram);

  p.sysctrl_latency_cycles = root.child("sysctrl").get_uint(
      "latency_cycles", d.sysctrl_latency_cycles, 0, kMaxLatencyCycles,
      "register access latency of the sysctrl block");
  auto device = [&](const char* name, const DeviceParams& dd, const char* what) {
    const util::ConfigNode n = root.child(name);
    char base[32];
    std::snprintf(base, sizeof base, "0x%llx", static_cast<unsigned long long>(dd.base));
    DeviceParams out;
    out.enable = n.get_bool("enable", dd.enable, std::string("map the ") + what + " on the bus");
    out.base = n.get_uint("base", dd.base, 0, (1ull << 48) - 4096,
                          std::string("physical base address of the ") + what +
                              " (4 KB aligned, 4 KB window; default " + base + ")");
    out.latency_cycles = n.get_uint("latency_cycles", dd.latency_cycles, 0, kMaxLatencyCycles,
                                    std::string("register access latency of the ") + what);
    return out;
  };
  p.uart = device("uart", d.uart, "UART");
  p.timer = device("timer", d.timer, "timer");
  p.timer_divider = root.child("timer").get_uint("divider", d.timer_divider, 1, 1ull << 32,
                                                 "CPU cycles per timer count");
  p.status = device("status", d.status, "read-to-clear status block");
  p.gic = device("gic", d.gic, "SGI controller between the cores (only with cpu.cores > 1)");
  p.gic_delivery_cycles = root.child("gic").get_uint(
      "delivery_cycles", d.gic_delivery_cycles, 0, kMaxLatencyCycles,
      "an SGI from the GIC to the target core's exception entry (a guess, not a measurement)");
  p.rom = RomParams::read(root.child("rom"), d.rom);

  const util::ConfigNode blockdev_node = root.child("blockdev");
  p.blockdev_read_latency_ns =
      blockdev_node.get_uint("read_latency_ns", d.blockdev_read_latency_ns, 0, 1'000'000'000,
                             "block device: time of one read command (SSD-like: 25 us)");
  p.blockdev_write_latency_ns =
      blockdev_node.get_uint("write_latency_ns", d.blockdev_write_latency_ns, 0, 1'000'000'000,
                             "block device: time of one write command (SSD-like: 200 us)");
  p.blockdev_reg_latency_cycles =
      blockdev_node.get_uint("latency_cycles", d.blockdev_reg_latency_cycles, 0, kMaxLatencyCycles,
                             "register access latency of the block device");
  return p;
}

void HardwareParams::validate() const {
  check();
  check_host_memory(*this, host_memory());
}

BusDeviceIo::BusDeviceIo(sc_core::sc_module_name name) : sc_module(name), socket("socket") {}

void BusDeviceIo::access(tlm::tlm_command cmd, PhysAddr pa, uint64_t& value) {
  tlm::tlm_generic_payload& t = m_trans;
  t.set_command(cmd);
  t.set_address(pa.value());
  t.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
  t.set_data_length(8);
  t.set_streaming_width(8);
  t.set_byte_enable_ptr(nullptr);
  t.set_dmi_allowed(false);
  t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  socket->b_transport(t, delay);
  ++m_accesses;
  if (!t.is_response_ok())
    throw std::runtime_error(std::string(name()) + ": MMIO access failed at 0x" + [&] {
      char b[24];
      std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(pa.value()));
      return std::string(b);
    }());
}

uint64_t BusDeviceIo::mmio_read64(PhysAddr pa) {
  uint64_t v = 0;
  access(tlm::TLM_READ_COMMAND, pa, v);
  return v;
}

void BusDeviceIo::mmio_write64(PhysAddr pa, uint64_t value) {
  access(tlm::TLM_WRITE_COMMAND, pa, value);
}

uint64_t DramPhysMemory::offset(PhysAddr pa, size_t len) const {
  const uint64_t off = pa.value() - m_base.value();
  if (pa < m_base || !m_dram.storage().contains(off, len))
    throw std::out_of_range("physical access outside DRAM");
  return off;
}

void DramPhysMemory::read(PhysAddr pa, void* dst, size_t len) {
  m_dram.storage().read(offset(pa, len), static_cast<uint8_t*>(dst), len);
}

void DramPhysMemory::write(PhysAddr pa, const void* src, size_t len) {
  m_dram.storage().write(offset(pa, len), static_cast<const uint8_t*>(src), len);
}

void DramPhysMemory::fill(PhysAddr pa, uint8_t value, size_t len) {
  m_dram.storage().fill(offset(pa, len), value, len);
}

namespace {

std::map<std::string, MmuImplFactory>& mmu_impls() {
  static std::map<std::string, MmuImplFactory> impls;
  return impls;
}

// Binds the socket of a device that is not on the bus; it never initiates.
class IdleInitiator : public sc_core::sc_module {
 public:
  IdleInitiator(sc_core::sc_module_name name, tlm::tlm_target_socket<>& target)
      : sc_module(name), socket("socket") {
    socket.bind(target);
  }

 private:
  tlm_utils::simple_initiator_socket<IdleInitiator> socket;
};

}  // namespace

void register_mmu_impl(const std::string& name, MmuImplFactory factory) {
  mmu_impls()[name] = std::move(factory);
}

const MmuImplFactory* find_mmu_impl(const std::string& name) {
  const auto it = mmu_impls().find(name);
  return it == mmu_impls().end() ? nullptr : &it->second;
}

namespace {
const HardwareParams& validated(const HardwareParams& p) {
  p.validate();
  return p;
}
BlockDeviceParams blockdev_params(const HardwareParams& p) {
  BlockDeviceParams b;
  b.capacity_bytes = p.blockdev_capacity_bytes;
  // ns -> core cycles at the configured frequency.
  b.read_latency_cycles = static_cast<uint64_t>(
      static_cast<double>(p.blockdev_read_latency_ns) * p.cpu_frequency_mhz / 1000.0 + 0.5);
  b.write_latency_cycles = static_cast<uint64_t>(
      static_cast<double>(p.blockdev_write_latency_ns) * p.cpu_frequency_mhz / 1000.0 + 0.5);
  return b;
}
}  // namespace

namespace {
TlbFabricParams fabric_params(const HardwareParams& p) {
  TlbFabricParams f;
  f.latency_cycles = p.dvm_latency_cycles;
  f.receive_cycles = p.dvm_receive_cycles;
  f.ipi_latency_cycles = p.gic.latency_cycles;
  f.ipi_delivery_cycles = p.gic_delivery_cycles;
  return f;
}
}  // namespace

Hardware::Hardware(sc_core::sc_module_name name, const HardwareParams& params)
    : sc_module(name),
      clock(validated(params).cpu_frequency_mhz),
      dram("dram", params.dram, clock),
      sysctrl("sysctrl", params.sysctrl_latency_cycles, clock),
      blockdev("blockdev", blockdev_params(params), params.blockdev_reg_latency_cycles, clock),
      uart("uart", params.uart.latency_cycles, clock),
      timer("timer", params.timer_divider, params.timer.latency_cycles, clock),
      status("status", params.status.latency_cycles, clock),
      rom("rom", params.rom, clock),
      bus("bus", params.bus, clock),
      m_cores(build_cores(params)),
      l1i(m_cores[0]->l1i),
      l1d(m_cores[0]->l1d),
      l2(m_cores[0]->l2),
      mmu(m_cores[0]->mmu),
      mmu_impl(m_cores[0]->impl),
      cpu(m_cores[0]->cpu),
      phys(dram, kDramBase),
      devio("devio"),
      dvm(
          [this] {
            std::vector<ports::MmuControl*> v;
            for (unsigned c = 0; c < m_cores.size(); ++c)
              v.push_back(&mmu_control(c));
            return v;
          }(),
          [this] {
            std::vector<CpuPort*> v;
            for (CoreParts* c : m_cores)
              v.push_back(&c->cpu);
            return v;
          }(),
          fabric_params(params)),
      m_params(params),
      m_stats(basename()) {
  bus.map("sysctrl", kSysCtrlBase, SysCtrl::kSize, sysctrl.socket);
  bus.map("blockdev", kBlockDevBase, blk::kRegBlockSize, blockdev.socket);
  blockdev.dma.bind(bus.target);
  devio.socket.bind(bus.target);
  bus.map("dram", kDramBase, params.dram.size_bytes, dram.socket);
  // Disabled devices are built but not mapped: their addresses decode to
  // nothing, and an idle initiator binds their socket.
  auto attach = [&](bool enable, const char* dev, uint64_t base, uint64_t size,
                    tlm::tlm_target_socket<>& socket) {
    if (enable)
      bus.map(dev, PhysAddr(base), size, socket);
    else
      m_idle.push_back(
          std::make_unique<IdleInitiator>((std::string(dev) + "_idle").c_str(), socket));
  };
  attach(params.uart.enable, "uart", params.uart.base, Uart::kSize, uart.socket);
  attach(params.timer.enable, "timer", params.timer.base, Timer::kSize, timer.socket);
  attach(params.status.enable, "status", params.status.base, StatusBlock::kSize, status.socket);
  attach(params.rom.enable, "rom", params.rom.base, params.rom.size_bytes, rom.socket);
  if (params.cores > 1 && params.gic.enable) {
    gic = std::make_unique<Gic>("gic", params.cores, params.gic.latency_cycles, clock);
    bus.map("gic", PhysAddr(params.gic.base), Gic::kSize, gic->socket);
    dvm_io = std::make_unique<BusDeviceIo>("dvm_io");
    dvm_io->socket.bind(bus.target);
    dvm.attach_gic(dvm_io.get(), PhysAddr(params.gic.base));
  }
  // Events into the status block (STATUS0).
  timer.on_match([this] { status.raise(0, StatusBlock::kTimerBit); });
  uart.on_tx([this](uint8_t) { status.raise(0, StatusBlock::kUartBit); });
  // The levels behind the L1s (and each core's L2), each bound to the next one present.
  if (params.llc_enable) {
    llc = std::make_unique<Cache>("llc", params.llc, clock);
    llc->set_missed_bit(kMissedLlc);
    llc->next.bind(bus.target);
  }
  tlm::tlm_base_target_socket_b<>& below =
      llc ? static_cast<tlm::tlm_base_target_socket_b<>&>(llc->target) : bus.target;
  tlm::tlm_base_target_socket_b<>& shared_walk =
      params.walker_through == WalkerReadLevel::kLlc ? below : bus.target;
  for (CoreParts* core : m_cores) {
    core->bind(params, below, shared_walk, llc != nullptr);
    // cachegrind's LL rule (llc.lookup_l1_hit_lines; no L2 then, checked).
    if (llc && params.llc.lookup_l1_hit_lines)
      for (Cache* c : {&core->l1i, &core->l1d})
        c->set_lookup_hit_lines_below(true);
    for (Cache* c : core->caches()) {
      c->set_backing_store(kDramBase, &dram.storage());
      // Inclusion: an LLC eviction invalidates every private cache.
      if (llc) llc->add_inclusion_child(c);
    }
  }
  if (llc) llc->set_backing_store(kDramBase, &dram.storage());
  if (params.cores > 1) {
    coherence = std::make_unique<CoherenceBus>(params.coherence, clock);
    for (CoreParts* core : m_cores)
      coherence->add_core(core->l1i, core->l1d, core->l2.get());
  }
  register_stats();
}

std::vector<CoreParts*> Hardware::build_cores(const HardwareParams& params) {
  std::vector<CoreParts*> cores;
  if (params.cores == 1) {
    m_core0 = std::make_unique<CoreParts>(0, params, clock);
    cores.push_back(m_core0.get());
    return cores;
  }
  for (unsigned c = 0; c < params.cores; ++c) {
    m_core_modules.push_back(
        std::make_unique<CoreModule>(("core" + std::to_string(c)).c_str(), c, params, clock));
    cores.push_back(&m_core_modules.back()->parts);
  }
  return cores;
}

Hardware::~Hardware() = default;

void Hardware::register_stats() {
  stats::Group& g = m_stats;
  const bool multi = m_cores.size() > 1;
  for (CoreParts* core : m_cores) {
    stats::Group& cg = multi ? g.component("core" + std::to_string(core->index)) : g;
    core->register_stats(cg, multi);
  }
  if (llc) llc->register_stats(g.component("llc"));
  bus.register_stats(g.component("bus"));
  dram.register_stats(g.component("dram"));
  uart.register_stats(g.component("uart"));
  timer.register_stats(g.component("timer"));
  status.register_stats(g.component("status"));
  sysctrl.register_stats(g.component("sysctrl"));
  rom.register_stats(g.component("rom"));
  blockdev.register_stats(g.component("blockdev"));
  if (gic) gic->register_stats(g.component("gic"));
  if (multi) {
    dvm.register_stats(g.component("dvm"));
    for (CoreParts* core : m_cores)
      dvm.register_core_stats(g.component("core" + std::to_string(core->index)).component("tlbi"),
                              core->index);
  }
  if (coherence) coherence->register_stats(g.component("coherence"));

  // Per-access counts (docs/stats.md): the CPU counts each workload access
  // once (a modify is one read); they sit next to each component's raw
  // lookup counts.
  for (CoreParts* core : m_cores)
    core->register_access_stats(multi ? g.component("core" + std::to_string(core->index)) : g);
  // Behind the L1s every access counts once, however many of its lines
  // missed; the LLC's over every core.
  if (llc) {
    std::vector<const CpuPortStats*> all;
    for (CoreParts* core : m_cores)
      all.push_back(&core->cpu.stats());
    const auto sum = [all](uint64_t AccessCounts::*field) {
      return [all, field] {
        uint64_t n = 0;
        for (const CpuPortStats* c : all)
          n += c->per_fetch.*field + c->per_read.*field + c->per_write.*field;
        return n;
      };
    };
    stats::Group& llcg = g.component("llc");
    llcg.add("accesses", sum(l2 ? &AccessCounts::l2_cache_misses : &AccessCounts::l1_cache_misses),
             "accesses",
             "per access: fetches and data accesses with some line missing the L1 (and the L2, "
             "if enabled): those that reached the LLC");
    llcg.add("access_misses", sum(&AccessCounts::llc_misses), "accesses",
             "per access: fetches and data accesses with some line missing the L1 and then the "
             "LLC (cachegrind's LL misses, ILmr + DLmr + DLmw)");
  }
}

void register_mmu_impl_stats(stats::Group& g, std::function<MmuImplStats()> read,
                             std::string impl) {
  g.add_text(
      "impl", [impl] { return impl; }, "the other MMU implementation (mmu.impl rtl or cosim)");
  const auto count = [&g, read](const char* name, uint64_t MmuImplStats::*field, const char* unit,
                                const char* what) {
    g.add(
        name, [read, field] { return read().*field; }, unit, what);
  };
  count("accesses", &MmuImplStats::accesses, "translations", "translations it performed");
  count("l1_hits", &MmuImplStats::l1_hits, "lookups", "its L1 TLB hits");
  count("l2_hits", &MmuImplStats::l2_hits, "lookups", "its L2 TLB hits");
  count("walks", &MmuImplStats::walks, "walks", "its page-table walks");
  count("descriptor_reads", &MmuImplStats::descriptor_reads, "reads", "its descriptor reads");
  count("faults", &MmuImplStats::faults, "faults", "faults it reported");
  count("cycles", &MmuImplStats::cycles, "cycles", "its clock cycles");
}

ports::MmuControl& Hardware::mmu_control() {
  return mmu_control(0);
}

ports::MmuControl& Hardware::mmu_control(unsigned c) {
  return m_cores.at(c)->control();
}

std::vector<IoWindow> Hardware::io_windows() const {
  std::vector<IoWindow> out;
  for (const Bus::Window& w : bus.windows()) {
    // DRAM is not a device; the block device belongs to the kernel (swap).
    if (w.name == "dram" || w.name == "blockdev") continue;
    // Register blocks default to Device-nGnRE (pgprot_device); the ROM to
    // Normal write-back memory.
    out.push_back(IoWindow{w.name, PhysAddr(w.base), w.size,
                           w.name == "rom" ? arch::mt::kNormal : arch::mt::kDeviceNGnRE});
  }
  std::sort(out.begin(), out.end(),
            [](const IoWindow& a, const IoWindow& b) { return a.base < b.base; });
  return out;
}

void Hardware::run(Workload& workload) {
  run(std::vector<Workload*>{&workload});
}

void Hardware::run(const std::vector<Workload*>& workloads) {
  if (workloads.size() > m_cores.size())
    throw std::invalid_argument(std::string(name()) + ": " + std::to_string(workloads.size()) +
                                " workloads for " + std::to_string(m_cores.size()) + " cores");
  for (unsigned c = 0; c < m_cores.size(); ++c)
    m_cores[c]->cpu.set_workload(c < workloads.size() ? workloads[c] : nullptr);
  sc_core::sc_start();
  sim::restore_main_stack_for_sanitizer();
  for (CoreParts* core : m_cores)
    if (core->cpu.error()) std::rethrow_exception(core->cpu.error());
  for (CoreParts* core : m_cores)
    if (!core->cpu.finished())
      MMUSIM_REPORT_ERROR(
          report::kPlatform,
          std::string(core->cpu.name()) + ": simulation stopped before the workload finished");
}

}  // namespace mmusim
