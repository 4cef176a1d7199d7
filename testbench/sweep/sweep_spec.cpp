#include "testbench/sweep/sweep_spec.h"

#include <set>

#include "model/util/config_error.h"
#include "model/util/config_file.h"
#include "model/util/config_node.h"
#include "system/platform_config.h"
#include "testbench/sweep/sweep_metrics.h"
#include "testbench/workload_config.h"

namespace mmusim::sweep {

using util::ConfigError;
using util::Value;

namespace {

std::string folder_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

std::string resolve(const std::string& base_dir, const std::string& file) {
  return file.empty() || file[0] == '/' ? file : base_dir + "/" + file;
}

// Writes `src` into `dst`: keys with dots are paths, objects merge.
void merge_into(Value& dst, const Value& src) {
  for (const auto& [key, v] : src.as_object()) {
    if (key.find('.') != std::string::npos) {
      util::set_value(dst, key, v);
    } else if (v.is_object() && dst.find(key) && dst.find(key)->is_object()) {
      merge_into(dst[key], v);
    } else {
      dst[key] = v;
    }
  }
}

const Value& require(const Value& obj, const std::string& where, const char* key) {
  const Value* v = obj.find(key);
  if (!v) throw ConfigError(where + "." + key + ": missing");
  return *v;
}

std::string string_of(const Value& v, const std::string& where) {
  if (!v.is_string()) throw ConfigError(where + ": expected a string, got " + v.describe());
  return v.as_string();
}

void check_y(const std::string& y, const std::string& where) {
  if (!is_metric(y) && (y.find('.') == std::string::npos || y.front() == '.' || y.back() == '.'))
    throw ConfigError(where + ": '" + y +
                      "' is neither a metric (docs/sweep.md) nor a stats path such as "
                      "top.mmu.walker.walks (docs/stats.md)");
}

void add_column(Spec& spec, const std::string& path) {
  for (const std::string& c : spec.stat_columns)
    if (c == path) return;
  spec.stat_columns.push_back(path);
}

}  // namespace

Spec load_spec(const std::string& path) {
  const Value root = util::load_config_file(path);
  const std::string dir = folder_of(path);
  const std::string where = path;
  Spec spec;
  spec.path = path;
  static const std::set<std::string> kKeys = {"output", "jobs",      "base",  "grid",
                                              "points", "workloads", "plots", "columns"};
  for (const auto& [key, v] : root.as_object())
    if (!kKeys.count(key)) throw ConfigError(where + ": " + key + ": unknown key");

  if (const Value* out = root.find("output"))
    spec.output_dir = resolve(dir, string_of(*out, where + ": output"));
  else
    spec.output_dir =
        path.substr(0, path.rfind('.') == std::string::npos ? path.size() : path.rfind('.')) +
        ".out";
  if (const Value* jobs = root.find("jobs")) {
    if (!jobs->is_integer() || jobs->as_int() < 1)
      throw ConfigError(where + ": jobs: expected a positive integer, got " + jobs->describe());
    spec.jobs = static_cast<unsigned>(jobs->as_uint());
  }
  if (const Value* base = root.find("base")) {
    if (!base->is_object()) throw ConfigError(where + ": base: expected a mapping");
    merge_into(spec.base, *base);
  }

  const Value* grid = root.find("grid");
  const Value* points = root.find("points");
  if (grid && points) throw ConfigError(where + ": give either grid or points, not both");
  if (grid) {
    if (!grid->is_object() || grid->size() == 0)
      throw ConfigError(where + ": grid: expected a mapping of key -> list of values");
    spec.points.push_back(Point{});
    for (const auto& [key, values] : grid->as_object()) {
      if (!values.is_array() || values.size() == 0)
        throw ConfigError(where + ": grid." + key + ": expected a non-empty list");
      spec.param_keys.push_back(key);
      std::vector<Point> next;
      for (const Point& p : spec.points)
        for (const Value& v : values.as_array()) {
          Point q = p;
          q.params.emplace_back(key, v);
          next.push_back(std::move(q));
        }
      spec.points = std::move(next);
    }
  } else if (points) {
    if (!points->is_array() || points->size() == 0)
      throw ConfigError(where + ": points: expected a non-empty list of mappings");
    size_t i = 0;
    for (const Value& p : points->as_array()) {
      const std::string at = where + ": points." + std::to_string(i++);
      if (!p.is_object()) throw ConfigError(at + ": expected a mapping of key -> value");
      Point point;
      for (const auto& [key, v] : p.as_object()) {
        point.params.emplace_back(key, v);
        bool known = false;
        for (const std::string& k : spec.param_keys)
          known |= k == key;
        if (!known) spec.param_keys.push_back(key);
      }
      spec.points.push_back(std::move(point));
    }
  } else {
    spec.points.push_back(Point{});  // one point: the base config
  }

  const Value& workloads = require(root, where, "workloads");
  if (!workloads.is_array() || workloads.size() == 0)
    throw ConfigError(where + ": workloads: expected a non-empty list");
  std::set<std::string> names;
  for (size_t i = 0; i < workloads.size(); ++i) {
    const Value& w = workloads.as_array()[i];
    const std::string at = where + ": workloads." + std::to_string(i);
    if (!w.is_object()) throw ConfigError(at + ": expected a mapping");
    for (const auto& [key, v] : w.as_object())
      if (key != "name" && key != "command" && key != "file" && key != "config")
        throw ConfigError(at + "." + key + ": unknown key");
    Workload wl;
    wl.name = string_of(require(w, at, "name"), at + ".name");
    wl.command = string_of(require(w, at, "command"), at + ".command");
    if (wl.command != "run" && wl.command != "script" && wl.command != "trace")
      throw ConfigError(at + ".command: '" + wl.command + "' is not one of run, script, trace");
    if (const Value* f = w.find("file")) wl.file = resolve(dir, string_of(*f, at + ".file"));
    if (wl.command != "run" && wl.file.empty()) throw ConfigError(at + ".file: missing");
    if (const Value* c = w.find("config")) {
      if (!c->is_object()) throw ConfigError(at + ".config: expected a mapping");
      merge_into(wl.config, *c);
    }
    if (!names.insert(wl.name).second)
      throw ConfigError(at + ".name: '" + wl.name + "' used twice");
    spec.workloads.push_back(std::move(wl));
  }

  if (const Value* plots = root.find("plots")) {
    if (!plots->is_array()) throw ConfigError(where + ": plots: expected a list");
    for (size_t i = 0; i < plots->size(); ++i) {
      const Value& p = plots->as_array()[i];
      const std::string at = where + ": plots." + std::to_string(i);
      if (!p.is_object()) throw ConfigError(at + ": expected a mapping");
      Plot plot;
      plot.x = string_of(require(p, at, "x"), at + ".x");
      const Value& y = require(p, at, "y");
      if (y.is_string()) {
        plot.y.push_back(y.as_string());
      } else if (y.is_array()) {
        for (const Value& m : y.as_array())
          plot.y.push_back(string_of(m, at + ".y"));
      } else {
        throw ConfigError(at + ".y: expected a metric name or a list of them");
      }
      bool known_x = false;
      for (const std::string& k : spec.param_keys)
        known_x |= k == plot.x;
      if (!known_x) throw ConfigError(at + ".x: '" + plot.x + "' is not a parameter of the sweep");
      for (const std::string& m : plot.y)
        check_y(m, at + ".y");
      spec.plots.push_back(std::move(plot));
    }
  }
  if (const Value* columns = root.find("columns")) {
    const std::string at = where + ": columns";
    if (!columns->is_array()) throw ConfigError(at + ": expected a list of stats paths");
    for (const Value& c : columns->as_array()) {
      const std::string stat = string_of(c, at);
      if (stat.find('.') == std::string::npos || is_metric(stat))
        throw ConfigError(at + ": '" + stat +
                          "' is not a stats path such as top.mmu.walker.walks (docs/stats.md)");
      add_column(spec, stat);
    }
  }
  for (const Plot& plot : spec.plots)
    for (const std::string& y : plot.y)
      if (!is_metric(y)) add_column(spec, y);
  return spec;
}

Value point_config(const Spec& spec, const Point& point, const Workload& workload) {
  Value cfg = spec.base;
  for (const auto& [key, v] : point.params)
    util::set_value(cfg, key, v);
  merge_into(cfg, workload.config);
  return cfg;
}

void validate_points(const Spec& spec) {
  for (size_t i = 0; i < spec.points.size(); ++i)
    for (const Workload& w : spec.workloads) {
      try {
        util::ConfigNode root(point_config(spec, spec.points[i], w));
        const PlatformParams pp = read_platform_params(root);
        util::ConfigNode wnode = root.child("workload");
        read_workload_params(wnode, pp.cores);
        util::ConfigNode tnode = root.child("trace");
        read_trace_options(tnode);
        // As mmusim does: workload.* set for a script, say, would be ignored.
        refuse_unused_sections(root, w.command);
        root.finish();
      } catch (const std::exception& e) {
        throw ConfigError(spec.path + ": point " + std::to_string(i) + " (" + w.name +
                          "): " + e.what());
      }
    }
}

std::string value_text(const Value& v) {
  return v.is_string() ? v.as_string() : v.to_json(0);
}

std::string short_key(const std::string& key) {
  const size_t last = key.rfind('.');
  if (last == std::string::npos || last == 0) return key;
  const size_t before = key.rfind('.', last - 1);
  return before == std::string::npos ? key : key.substr(before + 1);
}

std::string point_label(const Spec& spec, size_t point) {
  auto varies = [&](const std::string& key) {
    const Value* first = nullptr;
    for (const Point& p : spec.points)
      for (const auto& [k, v] : p.params)
        if (k == key) {
          if (first && *first != v) return true;
          first = &v;
        }
    return false;
  };
  const Point& p = spec.points.at(point);
  std::string all, varying;
  for (const auto& [key, v] : p.params) {
    const std::string item = short_key(key) + "=" + value_text(v);
    all += (all.empty() ? "" : " ") + item;
    if (varies(key)) varying += (varying.empty() ? "" : " ") + item;
  }
  return !varying.empty() ? varying : !all.empty() ? all : "base";
}

}  // namespace mmusim::sweep
