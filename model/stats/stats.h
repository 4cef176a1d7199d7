// The statistics registry: every component and kernel subsystem registers
// each statistic once, where the counter lives, with its name, unit and a
// one-line description (the way gem5's ADD_STAT or Ramulator's
// register_stat do). The JSON dump, the summary, `mmusim stats-reference`
// and docs/stats.md are all produced by walking the registry, so a
// statistic cannot be dumped without being described, or described without
// being dumped.
//
// Plain C++ (no SystemC): the bottom layer that model/ and sw/ both use.
//
// Ownership: a Group is a member of the component whose counters it names
// and lives exactly as long as it; a parent Group holds non-owning pointers
// to the children attached to it and owns the children it creates with
// child(). Registered counters are read (never written) when the registry
// is visited. Registering a name twice in one group is a programming error
// (std::logic_error naming the full path).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace mmusim::stats {

// The value of one statistic, read at visit time.
using Reader = std::variant<std::function<uint64_t()>,      // counts
                            std::function<double()>,        // ratios, means
                            std::function<std::string()>>;  // names, versions

struct Stat {
  std::string name;         // the last part of the dotted path: "hits"
  std::string unit;         // "accesses", "cycles", "bytes"...; "" for text
  std::string description;  // one line, no trailing period
  Reader read;
};

// A set of counts whose names are known only when it is read (a histogram's
// non-empty buckets: "0", "8", ...): one description for all of them.
struct MapStat {
  std::string name;  // "buckets"
  std::string unit;
  std::string description;
  std::function<std::vector<std::pair<std::string, uint64_t>>()> read;
};

class Group;

// Walks a registry depth first: enter(group), its statistics in registration
// order, its maps, its children in attachment order, leave(group).
class Visitor {
 public:
  virtual ~Visitor() = default;
  virtual void enter(const Group& group) = 0;
  virtual void stat(const Group& group, const Stat& stat) = 0;
  virtual void map(const Group& /*group*/, const MapStat& /*map*/) {}
  virtual void leave(const Group& group) = 0;
};

class Group {
 public:
  // A root ("" name) or a detached group, attached later with attach().
  explicit Group(std::string name = "");
  // A group attached to `parent` at construction.
  Group(Group& parent, std::string name);
  ~Group();
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  const std::string& name() const { return m_name; }
  // The dotted path from the root: "top.mmu.l1_dtlb" (a root's own name is
  // not part of its children's paths when it is empty).
  std::string path() const;
  const Group* parent() const { return m_parent; }

  // A counter the owner increments: read through the reference at visit time.
  void add(std::string name, const uint64_t& counter, std::string unit, std::string description);
  // A value computed at visit time.
  void add(std::string name, std::function<uint64_t()> read, std::string unit,
           std::string description);
  void add_real(std::string name, std::function<double()> read, std::string unit,
                std::string description);
  void add_text(std::string name, std::function<std::string()> read, std::string description);
  // Counts named at visit time (MapStat).
  void add_map(std::string name,
               std::function<std::vector<std::pair<std::string, uint64_t>>()> read,
               std::string unit, std::string description);

  // Attaches `child` (owned by someone else; it detaches itself when destroyed).
  void attach(Group& child);
  // The child named `name`, created (and owned by this group) on first use;
  // for sets of statistics with names known only at run time
  // ("by_requester.cpu", "hits_by_level.L0").
  Group& child(const std::string& name);
  // As child(), for a component's own group (a sub-component the owner
  // registers for: the MMU's TLBs). See is_component().
  Group& component(const std::string& name);

  // A component's group (constructed as or attached to a component, or made
  // by component()) rather than a set of one component's statistics (made
  // by child()). The JSON dump (model/stats/json.h) writes each component
  // as its own entry keyed by its path ("top.mmu.l1_dtlb") and the other
  // groups as objects nested in it ("by_page_size": {"4K": {...}}).
  bool is_component() const { return m_component; }

  const std::vector<Stat>& stats() const { return m_stats; }
  const std::vector<MapStat>& maps() const { return m_maps; }
  const std::vector<Group*>& children() const { return m_children; }
  // The group at `dotted` below this one ("mmu.l1_dtlb"), or nullptr.
  const Group* find(const std::string& dotted) const;

  void visit(Visitor& v) const;

 private:
  void check_new_name(const std::string& name) const;
  void detach(Group& child);

  std::string m_name;
  Group* m_parent = nullptr;
  std::vector<Stat> m_stats;
  std::vector<MapStat> m_maps;
  bool m_component = true;
  std::vector<Group*> m_children;
  std::vector<std::unique_ptr<Group>> m_owned;
};

}  // namespace mmusim::stats
