#include "model/stats/stats.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace mmusim::stats {
namespace {

// Prints "path.name=value [unit]" per statistic, in visit order.
class Lines : public Visitor {
 public:
  std::string out;
  void enter(const Group& g) override { out += "> " + g.path() + "\n"; }
  void leave(const Group& g) override { out += "< " + g.path() + "\n"; }
  void stat(const Group& g, const Stat& s) override {
    out += g.path() + "." + s.name + "=";
    if (auto* u = std::get_if<std::function<uint64_t()>>(&s.read)) out += std::to_string((*u)());
    if (auto* d = std::get_if<std::function<double()>>(&s.read)) out += std::to_string((*d)());
    if (auto* t = std::get_if<std::function<std::string()>>(&s.read)) out += (*t)();
    out += " [" + s.unit + "] " + s.description + "\n";
  }
};

TEST(StatsRegistry, CountersAreReadWhenVisitedInRegistrationOrder) {
  Group top("top");
  Group mmu(top, "mmu");
  Group tlb(mmu, "l1_dtlb");
  uint64_t hits = 0, misses = 0;
  tlb.add("hits", hits, "lookups", "lookups that found an entry");
  tlb.add("misses", misses, "lookups", "lookups that found none");
  tlb.add_real(
      "hit_rate", [&] { return hits + misses ? double(hits) / (hits + misses) : 0.0; }, "ratio",
      "hits per lookup");
  mmu.add_text(
      "impl", [] { return std::string("cpp"); }, "which MMU model ran");
  hits = 3;
  misses = 1;
  Lines v;
  top.visit(v);
  EXPECT_EQ(v.out,
            "> top\n"
            "> top.mmu\n"
            "top.mmu.impl=cpp [] which MMU model ran\n"
            "> top.mmu.l1_dtlb\n"
            "top.mmu.l1_dtlb.hits=3 [lookups] lookups that found an entry\n"
            "top.mmu.l1_dtlb.misses=1 [lookups] lookups that found none\n"
            "top.mmu.l1_dtlb.hit_rate=0.750000 [ratio] hits per lookup\n"
            "< top.mmu.l1_dtlb\n"
            "< top.mmu\n"
            "< top\n");
}

TEST(StatsRegistry, ADuplicateNameIsAProgrammingErrorNamingThePath) {
  Group top("top");
  Group l1d(top, "l1d");
  uint64_t x = 0;
  l1d.add("hits", x, "lines", "d");
  try {
    l1d.add("hits", x, "lines", "d");
    FAIL() << "no error";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "stats: top.l1d.hits registered twice");
  }
  Group other("l1d");
  EXPECT_THROW(top.attach(other), std::logic_error);
  EXPECT_THROW(l1d.add("a.b", x, "", "d"), std::logic_error);
}

TEST(StatsRegistry, ChildrenCreatedOnDemandAndFoundByPath) {
  Group top("top");
  uint64_t l0 = 7;
  top.child("walker").child("hits_by_level").add("L0", l0, "walks", "d");
  EXPECT_EQ(&top.child("walker"), top.find("walker"));
  const Group* g = top.find("walker.hits_by_level");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->path(), "top.walker.hits_by_level");
  EXPECT_EQ(std::get<std::function<uint64_t()>>(g->stats().at(0).read)(), 7u);
  EXPECT_EQ(top.find("walker.nothing"), nullptr);
}

TEST(StatsRegistry, AGroupDetachesItselfWhenItsOwnerGoesAway) {
  Group top("top");
  {
    Group dev(top, "uart");
    EXPECT_EQ(top.children().size(), 1u);
  }
  EXPECT_TRUE(top.children().empty());
  auto parent = std::make_unique<Group>("p");
  Group kid(*parent, "k");
  parent.reset();
  EXPECT_EQ(kid.parent(), nullptr);
  EXPECT_EQ(kid.path(), "k");
}

}  // namespace
}  // namespace mmusim::stats
