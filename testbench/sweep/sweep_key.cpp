#include "testbench/sweep/sweep_key.h"

#include <algorithm>

#include "testbench/sweep/sha256.h"
#include "testbench/version.h"

namespace mmusim::sweep {

using util::Value;

bool describe_is_exact(const std::string& describe) {
  static const std::string kDirty = "-dirty";
  const bool dirty = describe.size() >= kDirty.size() &&
                     describe.compare(describe.size() - kDirty.size(), kDirty.size(), kDirty) == 0;
  return !describe.empty() && describe != "unknown" && !dirty;
}

std::string simulator_version(const std::string& project_version, const std::string& describe,
                              const std::string& mmusim_binary) {
  const std::string v = project_version + " " + describe;
  if (describe_is_exact(describe)) return v;
  return v + " sha256:" + sha256_file(mmusim_binary);
}

std::string simulator_version(const std::string& mmusim_binary) {
  return simulator_version(version(), version_describe(), mmusim_binary);
}

std::string canonical_json(const Value& v) {
  if (v.is_array()) {
    std::string out = "[";
    for (const Value& e : v.as_array())
      out += (out.size() > 1 ? "," : "") + canonical_json(e);
    return out + "]";
  }
  if (!v.is_object()) return v.to_json(0);
  std::vector<const Value::Member*> members;
  for (const Value::Member& m : v.as_object())
    members.push_back(&m);
  std::sort(members.begin(), members.end(),
            [](const Value::Member* a, const Value::Member* b) { return a->first < b->first; });
  std::string out = "{";
  for (const Value::Member* m : members)
    out +=
        (out.size() > 1 ? "," : "") + Value(m->first).to_json(0) + ":" + canonical_json(m->second);
  return out + "}";
}

std::string task_key_text(const Spec& spec, const Point& point, const Workload& workload,
                          const std::string& file_sha256, const std::string& version) {
  return "{\"command\":" + Value(workload.command).to_json(0) +
         ",\"config\":" + canonical_json(point_config(spec, point, workload)) +
         ",\"file\":" + Value(workload.file).to_json(0) +
         ",\"file_sha256\":" + Value(file_sha256).to_json(0) +
         ",\"version\":" + Value(version).to_json(0) + "}";
}

std::string task_key(const std::string& key_text) {
  return sha256_hex(key_text).substr(0, 16);
}

}  // namespace mmusim::sweep
