#include "testbench/stats.h"

#include <cinttypes>
#include <cstdio>
#include <string_view>

namespace mmusim {

using util::Value;

namespace {

Value tlb_stats(const Tlb& tlb) {
  const TlbStats& s = tlb.stats();
  Value v = Value::object();
  v["hits"] = s.hits;
  v["misses"] = s.misses;
  v["fills"] = s.fills;
  v["evictions"] = s.evictions;
  v["invalidated"] = s.invalidated;
  v["fractured"] = s.fractured;
  Value& by_size = v["by_page_size"];
  by_size = Value::object();
  for (unsigned i = 0; i < kPageSizes; ++i) {
    if (!(tlb.page_sizes() & (1u << i))) continue;
    by_size[page_size_name(i)]["hits"] = s.hits_by_size[i];
    by_size[page_size_name(i)]["fills"] = s.fills_by_size[i];
  }
  const uint64_t lookups = s.hits + s.misses;
  v["miss_rate"] = lookups ? static_cast<double>(s.misses) / static_cast<double>(lookups) : 0.0;
  return v;
}

Value histogram(const Histogram& h) {
  Value v = Value::object();
  v["samples"] = h.samples();
  v["mean_cycles"] = h.mean();
  v["min_cycles"] = h.min();
  v["max_cycles"] = h.max();
  v["p50_cycles"] = h.percentile(50);
  v["p99_cycles"] = h.percentile(99);
  v["bucket_width_cycles"] = h.bucket_width();
  // Sparse buckets: {"lower bound": count}.
  Value buckets = Value::object();
  for (size_t i = 0; i < h.counts().size(); ++i)
    if (h.counts()[i]) buckets[std::to_string(i * h.bucket_width())] = h.counts()[i];
  v["buckets"] = std::move(buckets);
  return v;
}

Value cache_stats(const Cache& cache) {
  const CacheStats& cs = cache.stats();
  Value l1 = Value::object();
  l1["hits"] = cs.hits();
  l1["misses"] = cs.misses();
  l1["read_hits"] = cs.read_hits;
  l1["read_misses"] = cs.read_misses;
  l1["write_hits"] = cs.write_hits;
  l1["write_misses"] = cs.write_misses;
  l1["writebacks"] = cs.writebacks;
  l1["bypassed"] = cs.bypassed;
  l1["write_throughs"] = cs.write_throughs;
  l1["refused_writes"] = cs.refused_writes;
  l1["device_accesses"] = cs.device_accesses;
  l1["device_waits"] = cs.device_waits;
  l1["device_alignment_faults"] = cs.device_alignment_faults;
  l1["hits_under_miss"] = cs.hits_under_miss;
  l1["mshr_full_stalls"] = cs.mshr_full_stalls;
  l1["mshr_stall_cycles"] = cs.mshr_stall_cycles;
  static const char* kWho[] = {"cpu", "walker", "kernel"};
  for (int i = 0; i < 3; ++i) {
    l1["by_requester"][kWho[i]]["hits"] = cs.by_requester[i].hits;
    l1["by_requester"][kWho[i]]["misses"] = cs.by_requester[i].misses;
  }
  return l1;
}

}  // namespace

Value collect_stats(const Platform& p, const RunInfo& run) {
  Value root = Value::object();
  const std::string top = p.name();
  const CpuPortStats& cpu = p.cpu.stats();
  const uint64_t cycles = p.cpu.now().count();

  Value& sim = root["sim"];
  sim["command"] = run.command;
  sim["workload"] = run.workload;
  sim["cycles"] = cycles;
  sim["cpu_frequency_mhz"] = p.clock.frequency_mhz();
  sim["host_seconds"] = run.host_seconds;
  sim["accesses"] = cpu.accesses;
  sim["accesses_per_host_second"] =
      run.host_seconds > 0 ? static_cast<double>(cpu.accesses) / run.host_seconds : 0.0;
  if (!run.version.empty()) {
    sim["version"] = run.version;
    sim["version_describe"] = run.version_describe;
  }
  if (!run.command_line.empty()) {
    Value& argv = sim["command_line"] = Value::array();
    for (const std::string& a : run.command_line)
      argv.push_back(a);
  }

  Value& c = root[top + ".cpu"];
  c["accesses"] = cpu.accesses;
  c["fetches"] = cpu.fetches;
  c["loads"] = cpu.loads;
  c["stores"] = cpu.stores;
  c["modifies"] = cpu.modifies;
  c["split_accesses"] = cpu.split_accesses;
  c["faults"] = cpu.faults;
  c["sigsegv"] = cpu.sigsegv;
  c["sigbus"] = cpu.sigbus;
  c["kernel_cycles"] = cpu.kernel_cycles;
  c["access_cycles"] = cpu.access_cycles;
  c["window_stall_cycles"] = cpu.window_stall_cycles;
  c["serialising_accesses"] = cpu.serialising_accesses;
  c["cycles_per_access"] =
      cpu.accesses ? static_cast<double>(cpu.access_cycles) / static_cast<double>(cpu.accesses)
                   : 0.0;

  // Per-access counts (each workload access once; a modify is one read) next
  // to each component's raw lookup counts.
  const uint64_t data_accesses = cpu.per_read.accesses + cpu.per_write.accesses;
  Value& itlb = root[top + ".mmu.l1_itlb"] = tlb_stats(p.mmu.l1_itlb());
  itlb["accesses"] = cpu.per_fetch.accesses;
  itlb["access_misses"] = cpu.per_fetch.l1_tlb_misses;
  Value& dtlb = root[top + ".mmu.l1_dtlb"] = tlb_stats(p.mmu.l1_dtlb());
  dtlb["accesses"] = data_accesses;
  dtlb["access_misses"] = cpu.per_read.l1_tlb_misses + cpu.per_write.l1_tlb_misses;
  Value& l2 = root[top + ".mmu.l2_tlb"] = tlb_stats(p.mmu.l2_tlb());
  l2["access_misses"] =
      cpu.per_fetch.l2_tlb_misses + cpu.per_read.l2_tlb_misses + cpu.per_write.l2_tlb_misses;

  Value& faults = root[top + ".mmu"]["faults"];
  faults = Value::object();
  for (int k = 1; k <= static_cast<int>(arch::FaultKind::kExternal); ++k)
    faults[std::string(arch::to_string(static_cast<arch::FaultKind>(k)))] =
        p.mmu.stats().faults_by_kind[k];
  root[top + ".mmu"]["accesses"] = p.mmu.stats().accesses;
  root[top + ".mmu"]["hits_under_walk"] = p.mmu.stats().hits_under_walk;
  root[top + ".mmu"]["dirty_rewalks"] = p.mmu.stats().dirty_rewalks;
  root[top + ".mmu"]["translation_latency"] = histogram(p.mmu.stats().translation_latency);

  // mmu.impl other than cpp: the C++ Mmu above is idle; the implementation's own counts.
  if (p.mmu_impl) {
    const MmuImplStats is = p.mmu_impl->impl_stats();
    Value& im = root[top + ".mmu_impl"];
    im["impl"] = p.params().mmu_impl;
    im["accesses"] = is.accesses;
    im["l1_hits"] = is.l1_hits;
    im["l2_hits"] = is.l2_hits;
    im["walks"] = is.walks;
    im["descriptor_reads"] = is.descriptor_reads;
    im["faults"] = is.faults;
    im["cycles"] = is.cycles;
  }

  const WalkerStats& ws = p.mmu.walker.stats();
  Value& w = root[top + ".mmu.walker"];
  w["walks"] = ws.walks;
  w["faults"] = ws.faults;
  w["slot_stalls"] = ws.slot_stalls;
  w["slot_stall_cycles"] = ws.slot_stall_cycles;
  Value reads = Value::object();
  for (int l = 0; l < 4; ++l)
    reads["L" + std::to_string(l)] = ws.descriptor_reads[l];
  w["descriptor_reads"] = std::move(reads);
  w["latency"] = histogram(ws.latency);
  w["hw_af_updates"] = ws.hw_af_updates;
  w["hw_dirty_updates"] = ws.hw_dirty_updates;
  Value leaves = Value::object();
  for (unsigned i = 0; i < kPageSizes; ++i)
    leaves[page_size_name(i)] = ws.leaves_by_size[i];
  w["translations_by_page_size"] = std::move(leaves);

  const WalkCache& wc = p.mmu.walker.walk_cache();
  Value& walk_cache = root[top + ".mmu.walker.walk_cache"];
  walk_cache["mode"] = to_string(wc.params().mode);
  walk_cache["lookups"] = wc.stats().lookups;
  walk_cache["misses"] = wc.stats().misses;
  walk_cache["invalidated"] = wc.stats().invalidated;
  for (int l = 0; l < 3; ++l) {
    const std::string level = "L" + std::to_string(l);
    walk_cache["hits_by_level"][level] = wc.stats().hits_by_level[l];
    walk_cache["fills_by_level"][level] = wc.stats().fills_by_level[l];
  }
  walk_cache["hit_rate"] = wc.stats().lookups ? 1.0 - static_cast<double>(wc.stats().misses) /
                                                          static_cast<double>(wc.stats().lookups)
                                              : 0.0;

  Value& l1i = root[top + ".l1i"] = cache_stats(p.l1i);
  l1i["accesses"] = cpu.per_fetch.accesses;
  l1i["access_misses"] = cpu.per_fetch.l1_cache_misses;
  Value& l1d = root[top + ".l1d"] = cache_stats(p.l1d);
  l1d["accesses"] = data_accesses;
  l1d["access_misses"] = cpu.per_read.l1_cache_misses + cpu.per_write.l1_cache_misses;
  l1d["read_accesses"] = cpu.per_read.accesses;
  l1d["read_access_misses"] = cpu.per_read.l1_cache_misses;
  l1d["write_accesses"] = cpu.per_write.accesses;
  l1d["write_access_misses"] = cpu.per_write.l1_cache_misses;

  root[top + ".bus"]["transactions"] = p.bus.stats().transactions;
  root[top + ".bus"]["decode_errors"] = p.bus.stats().decode_errors;
  const DramStats& ds = p.dram.stats();
  Value& d = root[top + ".dram"];
  d["reads"] = ds.reads;
  d["writes"] = ds.writes;
  d["bytes_read"] = ds.bytes_read;
  d["bytes_written"] = ds.bytes_written;
  d["host_bytes_touched"] = p.dram.storage().touched_bytes();

  // Devices (docs/stats.md): bus accesses per register block, and what they did.
  auto reg_stats = [](const RegisterBlock& b) {
    Value v = Value::object();
    v["reads"] = b.stats().reads;
    v["writes"] = b.stats().writes;
    v["errors"] = b.stats().errors;
    return v;
  };
  Value& uart = root[top + ".uart"] = reg_stats(p.uart);
  uart["tx_bytes"] = static_cast<uint64_t>(p.uart.output().size());
  Value& timer = root[top + ".timer"] = reg_stats(p.timer);
  timer["matches"] = p.timer.matches();
  root[top + ".status"] = reg_stats(p.status);
  root[top + ".sysctrl"] = reg_stats(p.sysctrl);
  Value& rom = root[top + ".rom"];
  rom["reads"] = p.rom.stats().reads;
  rom["bytes_read"] = p.rom.stats().bytes_read;
  rom["write_errors"] = p.rom.stats().write_errors;

  const sw::KernelStats& ks = p.kernel.stats();
  Value& k = root["kernel"];
  k["syscalls"] = ks.syscalls;
  k["page_faults"] = ks.page_faults;
  k["faults_resolved"] = ks.faults_resolved;
  k["sigsegv"] = ks.sigsegv;
  k["sigbus"] = ks.sigbus;
  k["zero_page_maps"] = ks.zero_page_maps;
  k["anon_pages_allocated"] = ks.anon_pages_allocated;
  k["page_table_pages"] = ks.page_table_pages;
  k["frames_in_use"] = ks.frames_in_use;
  k["descriptor_writes"] = ks.descriptor_writes;
  k["tlb_invalidations"] = ks.tlb_invalidations;
  k["page_cache_pages"] = ks.page_cache_pages;
  k["file_faults"] = ks.file_faults;
  k["file_faults_major"] = ks.file_faults_major;
  k["fault_around_pages"] = ks.fault_around_pages;
  k["file_pages_read"] = ks.file_pages_read;
  k["file_pages_written"] = ks.file_pages_written;
  k["readahead_sync"] = ks.readahead_sync;
  k["readahead_async"] = ks.readahead_async;
  k["readahead_pages"] = ks.readahead_pages;
  k["cow_copies"] = ks.cow_copies;
  k["ksm_pages"] = ks.ksm_pages;
  k["ksm_merged"] = ks.ksm_merged;
  k["hwpoisoned_pages"] = ks.hwpoisoned_pages;
  k["soft_offlined_pages"] = ks.soft_offlined_pages;
  k["oom_failures"] = ks.oom_failures;
  // Memory pressure (Linux /proc/vmstat names).
  k["pgfault"] = ks.page_faults;
  k["pgmajfault"] = ks.pgmajfault;
  k["pswpin"] = ks.pswpin;
  k["pswpout"] = ks.pswpout;
  k["pgscan_kswapd"] = ks.pgscan_kswapd;
  k["pgscan_direct"] = ks.pgscan_direct;
  k["pgsteal_kswapd"] = ks.pgsteal_kswapd;
  k["pgsteal_direct"] = ks.pgsteal_direct;
  k["pgactivate"] = ks.pgactivate;
  k["pgdeactivate"] = ks.pgdeactivate;
  k["kswapd_wakeups"] = ks.kswapd_wakeups;
  k["allocstall"] = ks.allocstall;
  k["swap_pages"] = ks.swap_pages;
  k["swap_cache_pages"] = ks.swap_cache_pages;
  k["oom_kills"] = ks.oom_kills;
  k["pglazyfree"] = ks.pglazyfree;
  k["pglazyfreed"] = ks.pglazyfreed;
  k["access_flag_faults"] = ks.access_flag_faults;
  k["dirty_faults"] = ks.dirty_faults;
  k["device_cycles"] = ks.device_cycles;
  k["major_fault_cycles"] = ks.major_fault_cycles;

  const BlockDeviceStats& bs = p.blockdev.core().stats();
  Value& b = root[top + ".blockdev"];
  b["reads"] = bs.reads;
  b["writes"] = bs.writes;
  b["errors"] = bs.errors;
  b["bytes_read"] = bs.bytes_read;
  b["bytes_written"] = bs.bytes_written;
  b["busy_cycles"] = bs.busy_cycles;
  b["register_reads"] = p.blockdev.stats().reads;
  b["register_writes"] = p.blockdev.stats().writes;
  k["thp_fault_alloc"] = ks.thp_fault_alloc;
  k["thp_fault_fallback"] = ks.thp_fault_fallback;
  k["thp_split_pmd"] = ks.thp_split_pmd;
  k["hugetlb_faults"] = ks.hugetlb_faults;
  k["contpte_folds"] = ks.contpte_folds;
  k["contpte_unfolds"] = ks.contpte_unfolds;
  Value& mapped = k["mapped_pages"];
  mapped["4K"] = ks.mapped_4k;
  mapped["64K"] = ks.mapped_cont_ptes / 16;
  mapped["2M"] = ks.mapped_2m;
  k["pfnmap_faults"] = ks.pfnmap_faults;
  if (!run.config.is_null()) root["config"] = run.config;
  return root;
}

Value trace_stats_value(const TraceStats& t) {
  Value v = Value::object();
  v["lines"] = t.lines;
  v["records"] = t.records();
  v["fetches"] = t.fetches;
  v["loads"] = t.loads;
  v["stores"] = t.stores;
  v["modifies"] = t.modifies;
  v["clamped"] = t.clamped;
  v["signals"] = t.signals;
  v["syscalls_applied"] = t.syscalls_applied;
  v["syscalls_failed"] = t.syscalls_failed;
  v["bad_lines"] = t.bad_lines;
  v["address_space"] = t.address_space;
  v["initial_vmas"] = t.initial_vmas;
  v["initial_pages"] = t.initial_pages;
  v["populated_pages"] = t.populated_pages;
  v["widened_pages"] = t.widened_pages;
  v["touched_pages"] = t.touched_pages;
  v["replay_host_seconds"] = t.replay_host_seconds;
  return v;
}

std::string format_summary(const Value& s) {
  auto u = [&](const Value& v, const char* key) {
    return v.find(key) ? v.find(key)->as_uint() : 0;
  };
  auto d = [&](const Value& v, const char* key) {
    return v.find(key) ? v.find(key)->as_double() : 0.0;
  };
  std::string out;
  char line[256];
  const Value& sim = *s.find("sim");
  std::snprintf(line, sizeof line,
                "simulated %" PRIu64 " accesses in %" PRIu64
                " cycles; host %.3f s (%.2f M accesses/s)\n",
                u(sim, "accesses"), u(sim, "cycles"), d(sim, "host_seconds"),
                d(sim, "accesses_per_host_second") / 1e6);
  out += line;
  for (const auto& [name, v] : s.as_object()) {
    if (v.find("impl")) {  // mmu.impl other than cpp (the top.mmu.* lines are then idle)
      std::snprintf(line, sizeof line,
                    "  %-22s %s: L1 hits %" PRIu64 "  L2 hits %" PRIu64 "  walks %" PRIu64
                    "  faults %" PRIu64 "  cycles %" PRIu64 "\n",
                    name.c_str(), v.find("impl")->as_string().c_str(), u(v, "l1_hits"),
                    u(v, "l2_hits"), u(v, "walks"), u(v, "faults"), u(v, "cycles"));
      out += line;
    } else if (v.find("miss_rate")) {
      std::snprintf(line, sizeof line,
                    "  %-22s hits %12" PRIu64 "  misses %10" PRIu64 "  (%.3f%%)\n", name.c_str(),
                    u(v, "hits"), u(v, "misses"), 100.0 * d(v, "miss_rate"));
      out += line;
    } else if (v.find("walks")) {
      const Value& lat = *v.find("latency");
      std::snprintf(line, sizeof line,
                    "  %-22s walks %11" PRIu64 "  mean %.1f cycles  p99 %" PRIu64 " cycles\n",
                    name.c_str(), u(v, "walks"), d(lat, "mean_cycles"), u(lat, "p99_cycles"));
      out += line;
    } else if (v.find("writebacks")) {
      std::snprintf(line, sizeof line,
                    "  %-22s hits %12" PRIu64 "  misses %10" PRIu64 "  writebacks %" PRIu64 "\n",
                    name.c_str(), u(v, "hits"), u(v, "misses"), u(v, "writebacks"));
      out += line;
    }
  }
  const Value& k = *s.find("kernel");
  std::snprintf(line, sizeof line,
                "  kernel: %" PRIu64 " syscalls, %" PRIu64 " page faults, %" PRIu64
                " frames in use, %" PRIu64 " table pages\n",
                u(k, "syscalls"), u(k, "page_faults"), u(k, "frames_in_use"),
                u(k, "page_table_pages"));
  out += line;
  if (u(k, "pswpout") || u(k, "pgmajfault") || u(k, "oom_kills")) {  // memory pressure
    std::snprintf(line, sizeof line,
                  "  memory pressure: %" PRIu64 " major faults, pswpin %" PRIu64
                  ", pswpout %" PRIu64 ", pgsteal %" PRIu64 ", %" PRIu64 " OOM kills\n",
                  u(k, "pgmajfault"), u(k, "pswpin"), u(k, "pswpout"),
                  u(k, "pgsteal_kswapd") + u(k, "pgsteal_direct"), u(k, "oom_kills"));
    out += line;
  }
  return out;
}

}  // namespace mmusim

namespace mmusim {

namespace {

std::vector<StatDoc> make_stat_docs() {
  std::vector<StatDoc> d = {
      {"sim.command", "", "the mmusim command that ran (run, script, trace)"},
      {"sim.workload", "", "default-mix, the synthetic pattern, or the script or trace path"},
      {"sim.cycles", "cycles", "simulated time of the CPU at the end of the run"},
      {"sim.cpu_frequency_mhz", "MHz", "core clock (cpu.frequency_mhz): cycles to time"},
      {"sim.host_seconds", "s", "host wall-clock time of the simulation (elaboration excluded)"},
      {"sim.accesses", "accesses",
       "accesses the workload issued (a page-crossing access counts once)"},
      {"sim.accesses_per_host_second", "accesses/s", "accesses / host_seconds"},
      {"sim.version", "", "version of the mmusim that produced these stats (project(VERSION))"},
      {"sim.version_describe", "",
       "git describe --always --dirty of its source when it was built ('unknown' outside git)"},
      {"sim.command_line", "", "the command line, one element per argument"},
      {"config", "", "every configuration key with the value the run used (mmusim config)"},

      {"top.cpu.accesses", "accesses", "accesses issued (a page-crossing access counts once)"},
      {"top.cpu.{fetches,loads,stores}", "accesses",
       "by kind as issued (a read-modify-write is a store)"},
      {"top.cpu.modifies", "accesses",
       "read-modify-writes (trace M records), also counted in stores"},
      {"top.cpu.split_accesses", "accesses",
       "accesses that crossed a page and were translated twice"},
      {"top.cpu.faults", "traps",
       "MMU faults taken (a retried access that faults again counts again)"},
      {"top.cpu.{sigsegv,sigbus}", "signals", "delivered to the process"},
      {"top.cpu.kernel_cycles", "cycles", "charged for system calls and fault handling"},
      {"top.cpu.access_cycles", "cycles",
       "sum of access latencies, issue to completion (overlapping accesses each count in full)"},
      {"top.cpu.window_stall_cycles", "cycles",
       "issue delayed because cpu.window accesses were in flight"},
      {"top.cpu.serialising_accesses", "accesses",
       "Device-nGnRnE/nGnRE accesses that held younger accesses back until they completed"},
      {"top.cpu.cycles_per_access", "cycles", "access_cycles / accesses"},

      {"top.mmu.{l1_itlb,l1_dtlb,l2_tlb}.hits", "lookups", "lookups that hit"},
      {"top.mmu.{l1_itlb,l1_dtlb,l2_tlb}.misses", "lookups", "lookups that missed"},
      {"top.mmu.{l1_itlb,l1_dtlb,l2_tlb}.fills", "entries", "entries installed"},
      {"top.mmu.{l1_itlb,l1_dtlb,l2_tlb}.evictions", "entries", "valid entries replaced"},
      {"top.mmu.{l1_itlb,l1_dtlb,l2_tlb}.invalidated", "entries", "entries removed by TLBI"},
      {"top.mmu.{l1_itlb,l1_dtlb,l2_tlb}.fractured", "fills",
       "translations larger than any size the TLB holds, installed as a smaller piece"},
      {"top.mmu.{l1_itlb,l1_dtlb,l2_tlb}.miss_rate", "ratio", "misses / (hits + misses)"},
      {"top.mmu.{l1_itlb,l1_dtlb,l2_tlb}.by_page_size.*.hits", "lookups",
       "hits on entries of this page size (4K, 64K, 2M, 1G; sizes the TLB holds)"},
      {"top.mmu.{l1_itlb,l1_dtlb,l2_tlb}.by_page_size.*.fills", "entries",
       "entries of this page size installed"},
      {"top.mmu.l1_itlb.accesses", "accesses", "per access: fetches"},
      {"top.mmu.l1_itlb.access_misses", "accesses",
       "per access: fetches with some page missing the L1 ITLB on the first attempt"},
      {"top.mmu.l1_dtlb.accesses", "accesses", "per access: loads, stores and modifies"},
      {"top.mmu.l1_dtlb.access_misses", "accesses",
       "per access: data accesses with some page missing the L1 DTLB on the first attempt"},
      {"top.mmu.l2_tlb.access_misses", "accesses",
       "per access: fetches and data accesses with some page missing the L1 and the L2 TLB on "
       "the first attempt"},
      {"top.mmu.accesses", "translations",
       "translations requested (one per page touched by an access)"},
      {"top.mmu.faults.*", "faults",
       "MMU faults by kind: translation, access-flag, permission, alignment, external-abort, "
       "address-size"},
      {"top.mmu.hits_under_walk", "lookups",
       "TLB hits on an entry whose walk had not finished: they waited for it (merged walks)"},
      {"top.mmu.dirty_rewalks", "writes",
       "FEAT_HAFDBS: writes denied by a cached read-only entry that walked again"},
      {"top.mmu_impl.impl", "", "the other MMU implementation (mmu.impl rtl or cosim)"},
      {"top.mmu_impl.accesses", "translations", "translations it performed"},
      {"top.mmu_impl.{l1_hits,l2_hits}", "lookups", "its L1 and L2 TLB hits"},
      {"top.mmu_impl.walks", "walks", "its page-table walks"},
      {"top.mmu_impl.descriptor_reads", "reads", "its descriptor reads"},
      {"top.mmu_impl.faults", "faults", "faults it reported"},
      {"top.mmu_impl.cycles", "cycles", "its clock cycles"},

      {"top.mmu.walker.walks", "walks", "page-table walks started"},
      {"top.mmu.walker.faults", "walks", "walks that ended in a fault"},
      {"top.mmu.walker.slot_stalls", "walks",
       "walks that waited for one of max_concurrent_walks slots"},
      {"top.mmu.walker.slot_stall_cycles", "cycles", "time those walks waited"},
      {"top.mmu.walker.descriptor_reads.*", "reads", "descriptor reads per lookup level (L0-L3)"},
      {"top.mmu.walker.hw_af_updates", "descriptors",
       "FEAT_HAFDBS: access flags the walker set in memory"},
      {"top.mmu.walker.hw_dirty_updates", "descriptors",
       "FEAT_HAFDBS: DBM descriptors the walker made writable-dirty (AP[2] cleared)"},
      {"top.mmu.walker.translations_by_page_size.*", "walks",
       "successful walks by leaf size (64K: contiguous hint)"},
      {"top.mmu.walker.walk_cache.mode", "", "none, per-level or unified"},
      {"top.mmu.walker.walk_cache.lookups", "walks", "one lookup per walk"},
      {"top.mmu.walker.walk_cache.misses", "walks", "lookups that found nothing (walk from L0)"},
      {"top.mmu.walker.walk_cache.invalidated", "entries", "removed by TLBI"},
      {"top.mmu.walker.walk_cache.hits_by_level.*", "walks",
       "deepest level found: the walk starts one level below"},
      {"top.mmu.walker.walk_cache.fills_by_level.*", "entries", "table descriptors recorded"},
      {"top.mmu.walker.walk_cache.hit_rate", "ratio", "1 - misses / lookups"},

      {"top.{l1i,l1d}.{hits,misses}", "lines",
       "line lookups that hit, missed (an access spanning two lines looks up two)"},
      {"top.{l1i,l1d}.{read_hits,read_misses,write_hits,write_misses}", "lines",
       "line lookups by command"},
      {"top.{l1i,l1d}.by_requester.{cpu,walker,kernel}.{hits,misses}", "lines",
       "line lookups by who asked"},
      {"top.{l1i,l1d}.writebacks", "lines", "dirty victims written back"},
      {"top.{l1i,l1d}.hits_under_miss", "lines",
       "hits on a line whose fill was still in flight (merged into the miss)"},
      {"top.{l1i,l1d}.mshr_full_stalls", "misses", "misses that waited for a free MSHR"},
      {"top.{l1i,l1d}.mshr_stall_cycles", "cycles", "time those misses waited"},
      {"top.{l1i,l1d}.bypassed", "accesses",
       "Device and non-cacheable accesses sent straight to the bus"},
      {"top.{l1i,l1d}.write_throughs", "accesses",
       "writes to Normal write-through memory (each one bus write)"},
      {"top.{l1i,l1d}.refused_writes", "accesses",
       "cached (write-back) stores the target refused (ROM): the line stays clean"},
      {"top.{l1i,l1d}.device_accesses", "accesses",
       "Device accesses sent to the bus (one transaction each)"},
      {"top.{l1i,l1d}.device_waits", "accesses",
       "Device accesses that waited for older accesses to complete"},
      {"top.{l1i,l1d}.device_alignment_faults", "accesses",
       "Device parts of unaligned accesses, refused with an alignment fault before the bus"},
      {"top.l1i.accesses", "accesses", "per access: fetches (cachegrind's I refs)"},
      {"top.l1i.access_misses", "accesses",
       "per access: fetches with some line missing the L1I (cachegrind's I1 misses)"},
      {"top.l1d.accesses", "accesses", "per access: data accesses (cachegrind's D refs)"},
      {"top.l1d.access_misses", "accesses",
       "per access: data accesses with some line missing the L1D (cachegrind's D1 misses)"},
      {"top.l1d.{read_accesses,read_access_misses}", "accesses",
       "per access: reads (a modify counts as a read) and those missing (Dr, D1mr)"},
      {"top.l1d.{write_accesses,write_access_misses}", "accesses",
       "per access: writes and those missing (Dw, D1mw)"},

      {"top.{uart,timer,status,sysctrl}.{reads,writes}", "accesses", "register accesses"},
      {"top.{uart,timer,status,sysctrl}.errors", "accesses", "register accesses refused"},
      {"top.uart.tx_bytes", "bytes", "bytes transmitted (--uart-out FILE writes them)"},
      {"top.timer.matches", "events", "compare matches latched"},
      {"top.rom.reads", "accesses", "timed ROM reads"},
      {"top.rom.bytes_read", "bytes", "bytes those reads returned"},
      {"top.rom.write_errors", "accesses", "writes refused (bus errors)"},
      {"top.bus.transactions", "transactions", "timed transactions"},
      {"top.bus.decode_errors", "transactions", "transactions to addresses nothing decodes"},
      {"top.dram.{reads,writes}", "transactions", "timed DRAM transactions"},
      {"top.dram.{bytes_read,bytes_written}", "bytes", "timed DRAM traffic"},
      {"top.dram.host_bytes_touched", "bytes", "host memory the sparse DRAM store allocated"},
      {"top.blockdev.{reads,writes}", "commands", "block-device commands (read: device to DRAM)"},
      {"top.blockdev.errors", "commands", "commands that failed"},
      {"top.blockdev.{bytes_read,bytes_written}", "bytes", "bytes the commands moved"},
      {"top.blockdev.busy_cycles", "cycles", "time the device was busy with commands"},
      {"top.blockdev.{register_reads,register_writes}", "accesses",
       "bus accesses to its registers"},

      {"trace.lines", "lines", "lines read"},
      {"trace.records", "records", "records replayed as accesses"},
      {"trace.{fetches,loads,stores,modifies}", "records", "by lackey kind (I, L, S, M)"},
      {"trace.clamped", "records",
       "larger than 64 bytes: simulated as their first 64 bytes, as cachegrind does"},
      {"trace.signals", "records", "accesses that ended in SIGSEGV or SIGBUS"},
      {"trace.syscalls_applied", "calls", "mmap/munmap/brk/mprotect/mremap lines replayed"},
      {"trace.syscalls_failed", "calls", "system-call lines the kernel layer refused"},
      {"trace.bad_lines", "lines", "malformed lines skipped with --skip-bad-lines"},
      {"trace.address_space", "",
       "where the initial address space came from: touched, syscalls+touched, maps, "
       "maps+syscalls"},
      {"trace.initial_vmas", "VMAs",
       "VMAs of the initial image (pages no system call of the trace mapped), mapped at first "
       "touch"},
      {"trace.initial_pages", "pages", "pages in the initial image's VMAs"},
      {"trace.populated_pages", "pages", "given their own frame when mapped (trace.populate)"},
      {"trace.widened_pages", "pages",
       "initial-image pages whose protection a later access widened (mprotect)"},
      {"trace.touched_pages", "pages", "distinct pages below 2^48 the trace touches"},
      {"trace.replay_host_seconds", "s", "host time of the replay"},

      {"kernel.syscalls", "calls", "system calls made"},
      {"kernel.page_faults", "faults", "faults the kernel was entered for"},
      {"kernel.faults_resolved", "faults", "faults that ended in a retry"},
      {"kernel.{sigsegv,sigbus}", "signals", "decided by the kernel"},
      {"kernel.zero_page_maps", "pages", "read faults served with the shared zero page"},
      {"kernel.anon_pages_allocated", "pages", "anonymous frames allocated"},
      {"kernel.page_table_pages", "pages", "translation-table pages allocated now"},
      {"kernel.frames_in_use", "pages", "frames allocated now"},
      {"kernel.descriptor_writes", "writes", "descriptors the kernel stored"},
      {"kernel.tlb_invalidations", "TLBIs", "TLB maintenance operations issued"},
      {"kernel.page_cache_pages", "pages",
       "pages in the page cache now (files and shared anonymous memory)"},
      {"kernel.file_faults", "faults",
       "faults on file or shmem VMAs that reached the fault handler"},
      {"kernel.file_faults_major", "faults", "file faults that found the page absent"},
      {"kernel.fault_around_pages", "pages", "cached pages mapped around a read fault"},
      {"kernel.{file_pages_read,file_pages_written}", "pages",
       "backing-store traffic: reads on cache misses, writeback"},
      {"kernel.{readahead_sync,readahead_async}", "windows",
       "readahead windows started by a cache miss, by reaching a PG_readahead page"},
      {"kernel.readahead_pages", "pages", "pages read by readahead"},
      {"kernel.cow_copies", "pages",
       "pages copied by a first write to a file or shared copy-on-write page"},
      {"kernel.ksm_pages", "pages", "KSM pages now"},
      {"kernel.ksm_merged", "pages", "pages merged into a KSM page (MADV_MERGEABLE)"},
      {"kernel.{hwpoisoned_pages,soft_offlined_pages}", "pages",
       "MADV_HWPOISON and MADV_SOFT_OFFLINE injections"},
      {"kernel.oom_failures", "allocations",
       "allocations that found no frame after reclaim (each leads to an OOM kill)"},
      {"kernel.pgfault", "faults", "every fault"},
      {"kernel.pgmajfault", "faults",
       "faults that waited for the block device or file store (swap-in, page-cache miss)"},
      {"kernel.{pswpin,pswpout}", "pages", "pages read from, written to swap"},
      {"kernel.{pgscan_kswapd,pgscan_direct}", "pages",
       "inactive-list pages scanned by background and direct reclaim"},
      {"kernel.{pgsteal_kswapd,pgsteal_direct}", "pages",
       "pages reclaimed by background and direct reclaim (direct includes MADV_PAGEOUT)"},
      {"kernel.{pgactivate,pgdeactivate}", "pages",
       "inactive to active (referenced twice) and active to inactive (aging) moves"},
      {"kernel.kswapd_wakeups", "events", "boundaries below the low watermark"},
      {"kernel.allocstall", "events", "allocations that entered direct reclaim"},
      {"kernel.{swap_pages,swap_cache_pages}", "pages",
       "swap slots in use and swap-cache pages, at the last boundary"},
      {"kernel.oom_kills", "processes", "OOM kills"},
      {"kernel.{pglazyfree,pglazyfreed}", "pages",
       "pages MADV_FREE made lazily freeable; those reclaim discarded while still clean"},
      {"kernel.{access_flag_faults,dirty_faults}", "faults",
       "software access-flag faults and writes to writable-clean entries"},
      {"kernel.device_cycles", "cycles", "block-device time charged to faults and syscalls"},
      {"kernel.major_fault_cycles", "cycles",
       "total cost of the major faults; / pgmajfault = mean major-fault latency"},
      {"kernel.{thp_fault_alloc,thp_fault_fallback}", "faults",
       "anonymous faults mapped with a new 2 MB THP; eligible faults that fell back to 4 KB"},
      {"kernel.thp_split_pmd", "splits", "2 MB block mappings split into 512 PTEs"},
      {"kernel.hugetlb_faults", "pages", "2 MB hugetlb pages taken from the pool by faults"},
      {"kernel.{contpte_folds,contpte_unfolds}", "runs",
       "runs of 16 PTEs given, and cleared of, the contiguous bit"},
      {"kernel.mapped_pages.*", "entries",
       "user mappings present now, by size (4K pages, 64K contiguous runs, 2M blocks)"},
      {"kernel.pfnmap_faults", "pages", "device frames inserted on fault"},
  };
  // The two latency histograms.
  for (const char* h : {"top.mmu.translation_latency", "top.mmu.walker.latency"}) {
    auto add = [&](const std::string& field, const char* unit, const char* what) {
      d.push_back({std::string(h) + "." + field, unit, what});
    };
    add("samples", "samples", "successful translations (walks) measured");
    add("mean_cycles", "cycles", "mean latency");
    add("{min_cycles,max_cycles}", "cycles", "smallest and largest latency");
    add("{p50_cycles,p99_cycles}", "cycles",
        "median and 99th percentile (upper bound of the bucket)");
    add("bucket_width_cycles", "cycles", "width of a bucket");
    add("buckets.*", "samples",
        "samples in the bucket starting at that many cycles (non-empty only)");
  }
  return d;
}

// One part of a pattern against one part of a key.
bool part_matches(std::string_view pattern, std::string_view part) {
  if (pattern == "*") return true;
  if (pattern.size() < 2 || pattern.front() != '{' || pattern.back() != '}') return pattern == part;
  pattern = pattern.substr(1, pattern.size() - 2);
  while (true) {
    const size_t comma = pattern.find(',');
    if (pattern.substr(0, comma) == part) return true;
    if (comma == std::string_view::npos) return false;
    pattern.remove_prefix(comma + 1);
  }
}

std::vector<std::string_view> split_dots(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t depth = 0, start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    depth += s[i] == '{';
    depth -= s[i] == '}';
    if (s[i] == '.' && depth == 0) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(s.substr(start));
  return parts;
}

}  // namespace

const std::vector<StatDoc>& stat_docs() {
  static const std::vector<StatDoc> docs = make_stat_docs();
  return docs;
}

const StatDoc* find_stat_doc(const std::string& full_key) {
  const std::vector<std::string_view> key = split_dots(full_key);
  for (const StatDoc& d : stat_docs()) {
    const std::vector<std::string_view> pat = split_dots(d.pattern);
    // "config" and "sim.command_line" describe a whole subtree.
    const bool prefix = d.pattern == "config" || d.pattern == "sim.command_line";
    if (pat.size() > key.size() || (!prefix && pat.size() != key.size())) continue;
    bool ok = true;
    for (size_t i = 0; i < pat.size() && ok; ++i)
      ok = part_matches(pat[i], key[i]);
    if (ok) return &d;
  }
  return nullptr;
}

std::string stats_reference() {
  std::string out;
  for (const StatDoc& d : stat_docs()) {
    out += d.pattern;
    if (*d.unit) out += std::string("  [") + d.unit + "]";
    out += std::string("  ") + d.description + "\n";
  }
  return out;
}

}  // namespace mmusim
