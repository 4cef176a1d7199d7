#include "testbench/stats.h"

#include <cinttypes>
#include <cstdio>

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
  root[top + ".mmu.l2_tlb"] = tlb_stats(p.mmu.l2_tlb());

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
