#include "model/util/yaml.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

#include "model/util/tree_builder.h"

namespace mmusim::util {

namespace {

constexpr const char* kTagPrefix = "tag:yaml.org,2002:";

bool one_of(const std::string& s, std::initializer_list<const char*> words) {
  for (const char* w : words)
    if (s == w) return true;
  return false;
}

// YAML 1.2 core schema float: [-+]? ( . digits | digits [ . digits* ] ) [ (e|E) [-+]? digits ].
bool is_float_literal(const std::string& s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    ++i;
    ++digits;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      ++i;
      ++digits;
    }
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      ++i;
      ++exp;
    }
    if (exp == 0) return false;
  }
  return i == s.size();
}

class Handler : public YAML::EventHandler {
 public:
  explicit Handler(std::string source) : m_builder(std::move(source), true) {}

  detail::TreeBuilder& builder() { return m_builder; }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (m_key_depth > 0) return;
    if (m_builder.expecting_key() && !m_merge_pending)
      fail(mark, "a key must be a string, got null");
    scalar_value(Value(), mark, anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (m_key_depth > 0) return;
    const auto it = m_anchors.find(anchor);
    if (it == m_anchors.end()) fail(mark, "unknown alias");
    if (m_builder.expecting_key() && !m_merge_pending) {
      if (!it->second.value.is_string())
        fail(mark, "a key must be a string, got " + it->second.value.describe());
      m_builder.key(it->second.value.as_string(), line(mark), col(mark));
      return;
    }
    if (m_merge_pending) {
      take_merge(it->second.value, mark);
      return;
    }
    m_builder.add(it->second.value, line(mark), col(mark), it->second.count);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& text) override {
    if (m_key_depth > 0) return;
    if (m_builder.expecting_key() && !m_merge_pending) {
      if (tag == "?" && text == "<<") {  // a merge key: its value is merged at the end
        m_merge_pending = true;
        return;
      }
      if (tag != "?" && tag != "!" && tag != std::string(kTagPrefix) + "str")
        fail(mark, "a key must be a string");
      if (anchor != 0) m_anchors[anchor] = Anchored{Value(text), 1};
      m_builder.key(text, line(mark), col(mark));
      return;
    }
    if (m_merge_pending) fail(mark, "'<<' merges a mapping or a list of mappings, got a scalar");
    scalar_value(resolve(mark, tag, text), mark, anchor);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    if (key_container(mark, "a sequence")) return;
    if (m_merge_pending) m_builder.key("<<", line(mark), col(mark));
    m_builder.begin_array(line(mark), col(mark));
    m_open.push_back(Open{anchor, m_builder.values() - 1, m_merge_pending, {}});
    m_merge_pending = false;
  }
  void OnSequenceEnd() override { close(); }

  // A sequence or mapping used as a key: an error once it ends, unless it
  // nests too deep first (the error that deep input deserves).
  bool key_container(const YAML::Mark& mark, const char* what) {
    if (m_key_depth == 0 && !(m_builder.expecting_key() && !m_merge_pending)) return false;
    if (m_key_depth == 0) {
      m_key_mark = mark;
      m_key_what = what;
    }
    ++m_key_depth;
    if (m_builder.depth() + m_key_depth > detail::kMaxNesting)
      fail(mark, "nesting too deep (more than " + std::to_string(detail::kMaxNesting) +
                     " levels of arrays and objects)");
    return true;
  }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    if (key_container(mark, "a mapping")) return;
    if (m_merge_pending) m_builder.key("<<", line(mark), col(mark));
    m_builder.begin_object(line(mark), col(mark));
    m_open.push_back(Open{anchor, m_builder.values() - 1, m_merge_pending, {}});
    m_merge_pending = false;
  }
  void OnMapEnd() override { close(); }

 private:
  struct Anchored {
    Value value;
    uint64_t count;
  };
  struct Open {
    YAML::anchor_t anchor;
    uint64_t values_before;     // builder count before this container
    bool is_merge_source;       // the value of a '<<' key (or a list of them)
    std::vector<Value> merges;  // mappings merged into this one by '<<'
  };

  static uint32_t line(const YAML::Mark& m) { return static_cast<uint32_t>(m.line + 1); }
  static uint32_t col(const YAML::Mark& m) { return static_cast<uint32_t>(m.column + 1); }
  [[noreturn]] void fail(const YAML::Mark& m, const std::string& what) {
    m_builder.fail(line(m), col(m), what);
  }

  void scalar_value(Value v, const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (m_merge_pending) fail(mark, "'<<' merges a mapping or a list of mappings");
    m_builder.add(std::move(v), line(mark), col(mark));
    if (anchor != 0) m_anchors[anchor] = Anchored{*m_builder.last_completed(), 1};
  }

  // A merge source (an alias or a mapping written in place) of the object
  // being built: remembered and applied when the object ends.
  void take_merge(const Value& v, const YAML::Mark& mark) {
    if (m_open.empty()) fail(mark, "'<<' outside a mapping");
    if (v.is_object()) {
      m_open.back().merges.push_back(v);
    } else if (v.is_array()) {
      for (const Value& e : v.as_array()) {
        if (!e.is_object()) fail(mark, "'<<' merges a mapping or a list of mappings");
        m_open.back().merges.push_back(e);
      }
    } else {
      fail(mark, "'<<' merges a mapping or a list of mappings, got " + v.describe());
    }
    m_merge_pending = false;
  }

  void close() {
    if (m_key_depth > 0) {
      if (--m_key_depth == 0)
        fail(m_key_mark, std::string("a key must be a string, got ") + m_key_what);
      return;
    }
    Open open = std::move(m_open.back());
    m_open.pop_back();
    m_builder.end();
    Value* done = const_cast<Value*>(m_builder.last_completed());
    // Merged keys: those the mapping does not set itself, earlier sources first.
    for (const Value& src : open.merges)
      for (const auto& [k, v] : src.as_object())
        if (done->find(k) == nullptr) {
          m_builder.count(detail::count_values(v), 0, 0);
          done->as_object().emplace_back(k, v);
        }
    if (open.anchor != 0)
      m_anchors[open.anchor] = Anchored{*done, m_builder.values() - open.values_before};
    if (open.is_merge_source) {
      // The container was built in place as the '<<' member: move it to the
      // merges of the mapping it belongs to.
      Value merged = *done;
      const_cast<Value*>(m_builder.innermost())->as_object().pop_back();
      take_merge(merged, YAML::Mark());
    }
  }

  Value resolve(const YAML::Mark& mark, const std::string& tag, const std::string& s) {
    if (tag == "!") return Value(s);  // quoted or block scalar
    std::string t = tag;
    if (t.rfind(kTagPrefix, 0) == 0) t = "!!" + t.substr(std::string(kTagPrefix).size());
    if (t == "!!str") return Value(s);
    const bool any = t == "?";
    if (!any && t != "!!null" && t != "!!bool" && t != "!!int" && t != "!!float")
      fail(mark, "unsupported tag '" + tag + "'");
    if ((any || t == "!!null") && one_of(s, {"", "~", "null", "Null", "NULL"})) return Value();
    if (any || t == "!!bool") {
      if (one_of(s, {"true", "True", "TRUE"})) return Value(true);
      if (one_of(s, {"false", "False", "FALSE"})) return Value(false);
    }
    if (any || t == "!!int" || t == "!!float") {
      Value v;
      bool overflow = false;
      if (detail::parse_integer_literal(s, true, v, overflow)) {
        if (overflow) fail(mark, "integer " + s + " does not fit in 64 bits");
        if (t == "!!float") return Value(v.as_double());
        return v;
      }
    }
    if (any || t == "!!float") {
      if (is_float_literal(s)) return Value(std::strtod(s.c_str(), nullptr));
      if (one_of(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) return Value(HUGE_VAL);
      if (one_of(s, {"-.inf", "-.Inf", "-.INF"})) return Value(-HUGE_VAL);
      if (one_of(s, {".nan", ".NaN", ".NAN"})) return Value(std::nan(""));
    }
    if (any) return Value(s);
    fail(mark, "'" + s + "' is not a valid " + t.substr(2));
  }

  detail::TreeBuilder m_builder;
  std::map<YAML::anchor_t, Anchored> m_anchors;
  std::vector<Open> m_open;
  bool m_merge_pending = false;
  unsigned m_key_depth = 0;  // inside a sequence or mapping used as a key
  YAML::Mark m_key_mark;
  const char* m_key_what = "";
};

Value parse(std::string_view text, std::string_view source_name) {
  std::istringstream in{std::string(text)};
  Handler h{std::string(source_name)};
  try {
    YAML::Parser parser(in);
    parser.HandleNextDocument(h);
    Handler second{std::string(source_name)};
    if (parser.HandleNextDocument(second))
      h.builder().fail(0, 0, "more than one YAML document ('---')");
  } catch (const YAML::Exception& e) {
    // yaml-cpp's own message without its "yaml-cpp: error at line L, column C: ".
    h.builder().fail(static_cast<uint32_t>(e.mark.line + 1),
                     static_cast<uint32_t>(e.mark.column + 1), e.msg);
  }
  return h.builder().take();
}

}  // namespace

Value parse_yaml(std::string_view text, std::string_view source_name) {
  return parse(text, source_name);
}

Value parse_yaml_scalar(std::string_view text, std::string_view source_name) {
  return parse(text, source_name);
}

}  // namespace mmusim::util
