#include "model/stats/stats.h"

#include <algorithm>
#include <stdexcept>

namespace mmusim::stats {

Group::Group(std::string name) : m_name(std::move(name)) {}

Group::Group(Group& parent, std::string name) : m_name(std::move(name)) {
  parent.attach(*this);
}

Group::~Group() {
  for (Group* c : m_children)
    c->m_parent = nullptr;
  if (m_parent != nullptr) m_parent->detach(*this);
}

std::string Group::path() const {
  if (m_parent == nullptr) return m_name;
  const std::string up = m_parent->path();
  return up.empty() ? m_name : up + "." + m_name;
}

void Group::check_new_name(const std::string& name) const {
  const auto same = [&](const auto& x) { return x.name == name; };
  const auto same_group = [&](const Group* g) { return g->m_name == name; };
  if (name.empty() || name.find('.') != std::string::npos)
    throw std::logic_error("stats: '" + name + "' under '" + path() +
                           "' is not a name (empty or dotted)");
  if (std::any_of(m_stats.begin(), m_stats.end(), same) ||
      std::any_of(m_maps.begin(), m_maps.end(), same) ||
      std::any_of(m_children.begin(), m_children.end(), same_group))
    throw std::logic_error("stats: " + (path().empty() ? name : path() + "." + name) +
                           " registered twice");
}

void Group::add(std::string name, const uint64_t& counter, std::string unit,
                std::string description) {
  const uint64_t* p = &counter;
  add(std::move(name), std::function<uint64_t()>([p] { return *p; }), std::move(unit),
      std::move(description));
}

void Group::add(std::string name, std::function<uint64_t()> read, std::string unit,
                std::string description) {
  check_new_name(name);
  m_stats.push_back({std::move(name), std::move(unit), std::move(description), std::move(read)});
}

void Group::add_real(std::string name, std::function<double()> read, std::string unit,
                     std::string description) {
  check_new_name(name);
  m_stats.push_back({std::move(name), std::move(unit), std::move(description), std::move(read)});
}

void Group::add_text(std::string name, std::function<std::string()> read, std::string description) {
  check_new_name(name);
  m_stats.push_back({std::move(name), "", std::move(description), std::move(read)});
}

void Group::add_map(std::string name,
                    std::function<std::vector<std::pair<std::string, uint64_t>>()> read,
                    std::string unit, std::string description) {
  check_new_name(name);
  m_maps.push_back({std::move(name), std::move(unit), std::move(description), std::move(read)});
}

void Group::attach(Group& child) {
  if (child.m_parent != nullptr)
    throw std::logic_error("stats: " + child.path() + " is already attached");
  check_new_name(child.m_name);
  child.m_parent = this;
  m_children.push_back(&child);
}

void Group::detach(Group& child) {
  m_children.erase(std::remove(m_children.begin(), m_children.end(), &child), m_children.end());
  child.m_parent = nullptr;
}

Group& Group::child(const std::string& name) {
  for (Group* c : m_children)
    if (c->m_name == name) return *c;
  m_owned.push_back(std::make_unique<Group>(name));
  m_owned.back()->m_component = false;
  attach(*m_owned.back());
  return *m_owned.back();
}

Group& Group::component(const std::string& name) {
  for (Group* c : m_children)
    if (c->m_name == name) return *c;
  m_owned.push_back(std::make_unique<Group>(name));
  attach(*m_owned.back());
  return *m_owned.back();
}

const Group* Group::find(const std::string& dotted) const {
  if (dotted.empty()) return this;
  const size_t dot = dotted.find('.');
  const std::string head = dotted.substr(0, dot);
  for (const Group* c : m_children)
    if (c->m_name == head) return dot == std::string::npos ? c : c->find(dotted.substr(dot + 1));
  return nullptr;
}

void Group::visit(Visitor& v) const {
  v.enter(*this);
  for (const Stat& s : m_stats)
    v.stat(*this, s);
  for (const MapStat& m : m_maps)
    v.map(*this, m);
  for (const Group* c : m_children)
    c->visit(v);
  v.leave(*this);
}

}  // namespace mmusim::stats
