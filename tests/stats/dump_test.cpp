#include "model/stats/dump.h"

#include <gtest/gtest.h>

namespace mmusim::stats {
namespace {

// Components are entries keyed by their path; child() groups nest inside them.
TEST(StatsDump, ComponentsAreEntriesAndChildGroupsNest) {
  Group top("top");
  Group mmu(top, "mmu");
  uint64_t accesses = 7, translation = 2, hits = 5;
  mmu.add("accesses", accesses, "translations", "translations requested");
  mmu.child("faults").add("translation", translation, "faults", "translation faults");
  Group& tlb = mmu.component("l1_dtlb");
  tlb.add("hits", hits, "lookups", "lookups that hit");
  tlb.add_real(
      "miss_rate", [] { return 0.5; }, "ratio", "misses per lookup");
  tlb.add_map(
      "buckets",
      [] {
        return std::vector<std::pair<std::string, uint64_t>>{{"0", 3}, {"8", 1}};
      },
      "samples", "samples per bucket");
  Group empty(top, "bus");  // no statistics: no entry
  EXPECT_EQ(to_value(top).to_json(0),
            R"({"top.mmu":{"accesses":7,"faults":{"translation":2}},)"
            R"("top.mmu.l1_dtlb":{"hits":5,"miss_rate":0.5,"buckets":{"0":3,"8":1}}})");
}

TEST(StatsDump, ReferenceListsEveryStatisticWithUnitAndDescription) {
  Group l1d("l1d");
  uint64_t hits = 0;
  l1d.add("hits", hits, "lines", "line lookups that hit");
  l1d.child("by_requester").child("cpu").add("misses", hits, "lines", "misses of the CPU");
  l1d.add_map(
      "buckets", [] { return std::vector<std::pair<std::string, uint64_t>>{}; }, "samples",
      "a | b");
  const std::vector<Reference> refs = reference(l1d);
  EXPECT_EQ(reference_text(refs),
            "l1d.hits  [lines]  line lookups that hit\n"
            "l1d.buckets.*  [samples]  a | b\n"
            "l1d.by_requester.cpu.misses  [lines]  misses of the CPU\n");
  EXPECT_EQ(reference_markdown(refs),
            "| key | unit | description |\n|---|---|---|\n"
            "| `l1d.hits` | lines | line lookups that hit |\n"
            "| `l1d.buckets.*` | samples | a \\| b |\n"
            "| `l1d.by_requester.cpu.misses` | lines | misses of the CPU |\n");
}

}  // namespace
}  // namespace mmusim::stats
