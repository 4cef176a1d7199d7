#include "testbench/sweep/sweep_runner.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "model/util/config_error.h"
#include "model/util/json.h"
#include "testbench/sweep/svg_plot.h"
#include "testbench/sweep/sweep_metrics.h"

namespace mmusim::sweep {

using util::Value;

namespace {

struct Task {
  size_t index;  // point * workloads + workload
  size_t point;
  size_t workload;
};

std::string task_path(const Spec& spec, size_t task, const char* suffix) {
  return spec.output_dir + "/points/" + std::to_string(task) + suffix;
}

void make_dirs(const std::string& path) {
  std::string partial;
  std::stringstream ss(path);
  std::string part;
  if (!path.empty() && path[0] == '/') partial = "/";
  while (std::getline(ss, part, '/')) {
    if (part.empty()) continue;
    partial += part + "/";
    if (mkdir(partial.c_str(), 0777) != 0 && errno != EEXIST)
      throw std::runtime_error(partial + ": cannot create directory: " + std::strerror(errno));
  }
}

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    f << text;
    if (!f) throw std::runtime_error(tmp + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error(path + ": rename failed");
}

std::string value_text(const Value& v) {
  return v.is_string() ? v.as_string() : v.to_json(0);
}

// Starts one task's mmusim process; returns its pid.
pid_t start_task(const Spec& spec, const Options& opt, const Task& t) {
  const Workload& w = spec.workloads[t.workload];
  const std::string config = task_path(spec, t.index, ".config.json");
  write_file(config, point_config(spec, spec.points[t.point], w).to_json(2) + "\n");
  std::vector<std::string> args = {opt.mmusim, w.command};
  if (!w.file.empty()) args.push_back(w.file);
  args.insert(args.end(), {"--config", config, "--stats",
                           task_path(spec, t.index, ".stats.json.partial"), "--quiet"});
  const std::string err = task_path(spec, t.index, ".err");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    const int out_fd = open("/dev/null", O_WRONLY);
    const int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (out_fd >= 0) dup2(out_fd, 1);
    if (err_fd >= 0) dup2(err_fd, 2);
    std::vector<char*> argv;
    for (std::string& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    std::fprintf(stderr, "cannot run %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  return pid;
}

// Moves a finished task's stats into place (or leaves its .err).
bool finish_task(const Spec& spec, const Task& t, int status) {
  const std::string partial = task_path(spec, t.index, ".stats.json.partial");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && exists(partial)) {
    if (std::rename(partial.c_str(), task_path(spec, t.index, ".stats.json").c_str()) != 0)
      return false;
    std::remove(task_path(spec, t.index, ".err").c_str());
    return true;
  }
  std::remove(partial.c_str());
  if (!WIFEXITED(status)) {
    std::ofstream(task_path(spec, t.index, ".err"), std::ios::app)
        << "killed by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0) << "\n";
  }
  return false;
}

std::string last_line(const std::string& text) {
  size_t end = text.find_last_not_of("\n");
  if (end == std::string::npos) return "";
  const size_t start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1,
                     end - (start == std::string::npos ? 0 : start + 1) + 1);
}

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s)
    out += c == '"' ? std::string("\"\"") : std::string(1, c == '\n' ? ' ' : c);
  return out + "\"";
}

std::string fmt(double v) {
  if (std::isnan(v)) return "";
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", v);  // counts print exactly
  else
    std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

struct Row {
  bool ok = false;
  std::string error;
  std::vector<double> metrics;
};

std::vector<Row> collect(const Spec& spec, const std::vector<Task>& tasks) {
  std::vector<Row> rows(tasks.size());
  for (const Task& t : tasks) {
    Row& r = rows[t.index];
    const std::string stats = task_path(spec, t.index, ".stats.json");
    if (exists(stats)) {
      try {
        r.metrics = compute_metrics(util::parse_json(slurp(stats), stats));
        r.ok = true;
        continue;
      } catch (const std::exception& e) {
        r.error = e.what();
      }
    } else {
      const std::string err = task_path(spec, t.index, ".err");
      r.error = exists(err) ? last_line(slurp(err)) : "not run";
      if (r.error.empty()) r.error = "failed without a message";
    }
    r.metrics.assign(metrics().size(), std::nan(""));
  }
  return rows;
}

void write_csv(const Spec& spec, const std::vector<Task>& tasks, const std::vector<Row>& rows) {
  std::string out = "task,point,workload";
  for (const std::string& k : spec.param_keys)
    out += "," + csv_cell(k);
  out += ",status,error";
  for (const Metric& m : metrics())
    out += "," + m.name;
  out += "\n";
  for (const Task& t : tasks) {
    const Row& r = rows[t.index];
    out += std::to_string(t.index) + "," + std::to_string(t.point) + "," +
           csv_cell(spec.workloads[t.workload].name);
    for (const std::string& k : spec.param_keys) {
      std::string cell;
      for (const auto& [key, v] : spec.points[t.point].params)
        if (key == k) cell = value_text(v);
      out += "," + csv_cell(cell);
    }
    out += std::string(",") + (r.ok ? "ok" : "failed") + "," + csv_cell(r.error);
    for (double m : r.metrics)
      out += "," + fmt(m);
    out += "\n";
  }
  write_file(spec.output_dir + "/results.csv", out);
}

size_t metric_index(const std::string& name) {
  for (size_t i = 0; i < metrics().size(); ++i)
    if (metrics()[i].name == name) return i;
  throw std::logic_error("unknown metric " + name);
}

// True when `key` takes more than one value across the points.
bool varies(const Spec& spec, const std::string& key) {
  const Value* first = nullptr;
  for (const Point& p : spec.points)
    for (const auto& [k, v] : p.params)
      if (k == key) {
        if (first && !(*first == v)) return true;
        first = &v;
      }
  return false;
}

// "mmu.l2_tlb.entries" -> "l2_tlb.entries": enough to tell axes apart.
std::string short_key(const std::string& key) {
  const size_t last = key.rfind('.');
  if (last == std::string::npos || last == 0) return key;
  const size_t before = key.rfind('.', last - 1);
  return before == std::string::npos ? key : key.substr(before + 1);
}

void write_plots(const Spec& spec, const std::vector<Task>& tasks, const std::vector<Row>& rows) {
  std::vector<Plot> plots = spec.plots;
  if (plots.empty() && !spec.param_keys.empty())
    plots.push_back(
        {spec.param_keys[0], {"l1_dtlb_mpka", "l2_tlb_mpka", "mean_translation_cycles"}});
  make_dirs(spec.output_dir + "/plots");
  for (const Plot& plot : plots) {
    for (const std::string& y : plot.y) {
      // One line per workload and combination of the other parameters.
      std::map<std::string, Series> lines;
      for (const Task& t : tasks) {
        const Point& p = spec.points[t.point];
        std::string label = spec.workloads[t.workload].name;
        double x = std::nan("");
        for (const auto& [key, v] : p.params) {
          if (key == plot.x)
            x = v.is_number() ? v.as_double() : std::nan("");
          else if (varies(spec, key))
            label += " " + short_key(key) + "=" + value_text(v);
        }
        if (std::isnan(x)) continue;
        Series& s = lines[label];
        s.label = label;
        s.points.emplace_back(x, rows[t.index].metrics[metric_index(y)]);
      }
      std::vector<Series> series;
      for (auto& [label, s] : lines)
        series.push_back(std::move(s));
      const Metric& m = metrics()[metric_index(y)];
      write_file(spec.output_dir + "/plots/" + y + "-vs-" + plot.x + ".svg",
                 svg_line_chart(m.description, plot.x, y + " (" + m.unit + ")", series));
    }
  }
}

int run_local(const Spec& spec, const Options& opt, const std::vector<Task>& pending,
              size_t total) {
  const unsigned jobs = opt.jobs ? opt.jobs : spec.jobs;
  const auto start = std::chrono::steady_clock::now();
  std::map<pid_t, Task> running;
  size_t next = 0, done = total - pending.size(), failed = 0;
  while (next < pending.size() || !running.empty()) {
    while (next < pending.size() && running.size() < jobs) {
      const Task& t = pending[next++];
      running.emplace(start_task(spec, opt, t), t);
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const Task t = it->second;
    running.erase(it);
    const bool ok = finish_task(spec, t, status);
    failed += !ok;
    ++done;
    if (!opt.quiet) {
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const size_t ran = done - (total - pending.size());
      const double eta = ran ? s / static_cast<double>(ran) * static_cast<double>(total - done) : 0;
      std::fprintf(stderr, "[%zu/%zu] point %zu %s: %s  (%.1f s elapsed, ~%.0f s left)\n", done,
                   total, t.point, spec.workloads[t.workload].name.c_str(), ok ? "ok" : "FAILED", s,
                   eta);
    }
  }
  return failed ? 1 : 0;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void run_slurm(const Spec& spec, const Options& opt, const std::vector<Task>& pending) {
  make_dirs(spec.output_dir + "/slurm");
  std::string array;
  for (const Task& t : pending)
    array += (array.empty() ? "" : ",") + std::to_string(t.index);
  const std::string script = spec.output_dir + "/slurm/job.sh";
  write_file(script,
             "#!/bin/sh\n"
             "#SBATCH --job-name=mmusim-sweep\n"
             "#SBATCH --array=" +
                 array +
                 "\n"
                 "#SBATCH --output=" +
                 spec.output_dir +
                 "/slurm/%a.log\n"
                 "exec " +
                 shell_quote(opt.mmusim) + " sweep " + shell_quote(spec.path) +
                 " --task \"$SLURM_ARRAY_TASK_ID\" --quiet\n");
  const std::string cmd = "sbatch --wait --parsable " + shell_quote(script) + " >&2";
  if (!opt.quiet)
    std::fprintf(stderr, "submitting %zu tasks as a Slurm job array: %s\n", pending.size(),
                 cmd.c_str());
  const int status = std::system(cmd.c_str());
  // sbatch --wait exits with the job's highest exit code; failed tasks are
  // reported from their files below, so only a failure to submit is fatal.
  if (status == -1 || (WIFEXITED(status) && WEXITSTATUS(status) == 127))
    throw std::runtime_error("sbatch could not be run (is Slurm installed?)");
}

}  // namespace

int run_sweep(const Spec& spec, const Options& opt) {
  make_dirs(spec.output_dir + "/points");
  std::vector<Task> tasks;
  for (size_t p = 0; p < spec.points.size(); ++p)
    for (size_t w = 0; w < spec.workloads.size(); ++w)
      tasks.push_back({p * spec.workloads.size() + w, p, w});

  if (opt.task >= 0) {  // one array element
    if (static_cast<size_t>(opt.task) >= tasks.size())
      throw util::ConfigError("--task " + std::to_string(opt.task) + ": the sweep has " +
                              std::to_string(tasks.size()) + " tasks");
    const Task& t = tasks[static_cast<size_t>(opt.task)];
    int status = 0;
    waitpid(start_task(spec, opt, t), &status, 0);
    return finish_task(spec, t, status) ? 0 : 1;
  }

  std::vector<Task> pending;
  for (const Task& t : tasks)
    if (!exists(task_path(spec, t.index, ".stats.json"))) pending.push_back(t);
  if (!opt.quiet && pending.size() < tasks.size())
    std::fprintf(stderr, "resuming: %zu of %zu tasks already done\n", tasks.size() - pending.size(),
                 tasks.size());
  if (!pending.empty()) {
    if (opt.slurm)
      run_slurm(spec, opt, pending);
    else
      run_local(spec, opt, pending, tasks.size());
  }
  const std::vector<Row> rows = collect(spec, tasks);
  write_csv(spec, tasks, rows);
  write_plots(spec, tasks, rows);
  size_t failed = 0;
  for (const Row& r : rows)
    failed += !r.ok;
  if (!opt.quiet)
    std::fprintf(stderr, "%zu tasks, %zu failed: %s/results.csv\n", tasks.size(), failed,
                 spec.output_dir.c_str());
  return failed ? 1 : 0;
}

}  // namespace mmusim::sweep
