// Output of the statistics registry (model/stats/stats.h): the JSON value of
// a tree of groups, and its reference (every statistic's key, unit and
// description). `mmusim --stats`, `mmusim stats-reference` and docs/stats.md
// use these on the whole platform; a component embedded on its own dumps its
// group the same way:
//
//     stats::Group g("l1d");
//     cache.register_stats(g);
//     std::cout << stats::to_value(g).to_json();
#pragma once

#include <string>
#include <vector>

#include "model/stats/stats.h"
#include "model/util/value.h"

namespace mmusim::stats {

// One JSON object: each component group below `root` (and `root`) that has
// statistics is a member keyed by its dotted path ("top.mmu.l1_dtlb"); the
// groups made by child() are objects nested in their component's member;
// a MapStat is an object of its counts. Counts are unsigned integers, real
// values doubles, text strings.
util::Value to_value(const Group& root);
// Adds the members of to_value(root) to `out` (an object).
void add_to(util::Value& out, const Group& root);

struct Reference {
  std::string key;  // "top.mmu.l1_dtlb.hits"; a MapStat's counts are "<name>.*"
  std::string unit;
  std::string description;
};
// Every statistic below `root`, in visit order.
std::vector<Reference> reference(const Group& root);
// One line per statistic: "key  [unit]  description" ("key  description" without a unit).
std::string reference_text(const std::vector<Reference>& refs);
// A Markdown table: | key | unit | description |.
std::string reference_markdown(const std::vector<Reference>& refs);

}  // namespace mmusim::stats
