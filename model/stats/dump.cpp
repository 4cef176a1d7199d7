#include "model/stats/dump.h"

namespace mmusim::stats {

namespace {

// Whether `g` writes anything: statistics, maps, or nested groups that do.
bool has_content(const Group& g) {
  if (!g.stats().empty() || !g.maps().empty()) return true;
  for (const Group* c : g.children())
    if (!c->is_component() && has_content(*c)) return true;
  return false;
}

class JsonVisitor : public Visitor {
 public:
  JsonVisitor(util::Value& out, const Group& root) : m_out(out), m_root(root) {}
  void enter(const Group& g) override {
    util::Value* obj = nullptr;
    if (has_content(g)) {
      if (&g == &m_root || g.is_component() || m_stack.empty() || !m_stack.back())
        obj = &m_out[g.path()];
      else
        obj = &(*m_stack.back())[g.name()];
      if (obj->is_null()) *obj = util::Value::object();
    }
    m_stack.push_back(obj);
  }
  void stat(const Group&, const Stat& s) override {
    util::Value& v = (*m_stack.back())[s.name];
    if (const auto* u = std::get_if<std::function<uint64_t()>>(&s.read))
      v = (*u)();
    else if (const auto* d = std::get_if<std::function<double()>>(&s.read))
      v = (*d)();
    else
      v = std::get<std::function<std::string()>>(s.read)();
  }
  void map(const Group&, const MapStat& m) override {
    util::Value counts = util::Value::object();
    for (auto& [key, count] : m.read())
      counts[key] = count;
    (*m_stack.back())[m.name] = std::move(counts);
  }
  void leave(const Group&) override { m_stack.pop_back(); }

 private:
  util::Value& m_out;
  const Group& m_root;
  std::vector<util::Value*> m_stack;
};

class ReferenceVisitor : public Visitor {
 public:
  std::vector<Reference> refs;
  void enter(const Group&) override {}
  void leave(const Group&) override {}
  void stat(const Group& g, const Stat& s) override {
    refs.push_back({key(g, s.name), s.unit, s.description});
  }
  void map(const Group& g, const MapStat& m) override {
    refs.push_back({key(g, m.name) + ".*", m.unit, m.description});
  }

 private:
  static std::string key(const Group& g, const std::string& name) {
    const std::string path = g.path();
    return path.empty() ? name : path + "." + name;
  }
};

}  // namespace

void add_to(util::Value& out, const Group& root) {
  if (out.is_null()) out = util::Value::object();
  JsonVisitor v(out, root);
  root.visit(v);
}

util::Value to_value(const Group& root) {
  util::Value out = util::Value::object();
  add_to(out, root);
  return out;
}

std::vector<Reference> reference(const Group& root) {
  ReferenceVisitor v;
  root.visit(v);
  return std::move(v.refs);
}

std::string reference_text(const std::vector<Reference>& refs) {
  std::string out;
  for (const Reference& r : refs) {
    out += r.key;
    if (!r.unit.empty()) out += "  [" + r.unit + "]";
    out += "  " + r.description + "\n";
  }
  return out;
}

std::string reference_markdown(const std::vector<Reference>& refs) {
  std::string out = "| key | unit | description |\n|---|---|---|\n";
  for (const Reference& r : refs) {
    std::string d = r.description;
    for (size_t i = 0; (i = d.find('|', i)) != std::string::npos; i += 2)
      d.replace(i, 1, "\\|");
    out += "| `" + r.key + "` | " + r.unit + " | " + d + " |\n";
  }
  return out;
}

}  // namespace mmusim::stats
