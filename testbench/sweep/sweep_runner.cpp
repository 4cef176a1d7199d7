#include "testbench/sweep/sweep_runner.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "model/util/config_error.h"
#include "model/util/json.h"
#include "testbench/sweep/csv.h"
#include "testbench/sweep/sha256.h"
#include "testbench/sweep/svg_plot.h"
#include "testbench/sweep/sweep_key.h"
#include "testbench/sweep/sweep_metrics.h"

namespace mmusim::sweep {

using util::Value;

namespace {

struct Task {
  size_t index;  // point * workloads + workload
  size_t point;
  size_t workload;
  std::string key;
  std::string key_text;
};

std::string key_path(const Spec& spec, const std::string& key, const std::string& suffix) {
  return spec.output_dir + "/points/" + key + suffix;
}

// Suffix of the files a running task writes: this process's id.
std::string partial_suffix() {
  return ".partial." + std::to_string(getpid());
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
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Writes through a temporary of this process and a rename: readers see the
// old file or the new one, never a part.
void write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream f(tmp, std::ios::binary);
    f << text;
    if (!f) throw std::runtime_error(tmp + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error(path + ": rename failed: " + std::strerror(errno));
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (const dirent* e = readdir(d))
      if (e->d_name[0] != '.') names.emplace_back(e->d_name);
    closedir(d);
  }
  return names;
}

// ---- Children and signals ----------------------------------------------

// Set by SIGINT/SIGTERM/SIGHUP; the handler also sends SIGTERM to every
// child the sweep started, so none outlives an interrupted sweep.
volatile sig_atomic_t g_stop = 0;
constexpr int kMaxChildren = 1024;
pid_t g_children[kMaxChildren];
volatile sig_atomic_t g_child_count = 0;

void on_stop_signal(int sig) {
  if (!g_stop) g_stop = sig;
  for (sig_atomic_t i = 0; i < g_child_count; ++i)
    kill(g_children[i], SIGTERM);
}

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP})
    sigaddset(&set, s);
  return set;
}

// Handlers for the stop signals while alive (no SA_RESTART: a blocking
// waitpid or read returns EINTR). A signal the sweep was started with
// ignored (nohup: SIGHUP) stays ignored, for the sweep and its children.
constexpr int kStopSignals[3] = {SIGINT, SIGTERM, SIGHUP};
bool g_ignored[3] = {false, false, false};

class StopSignals {
 public:
  StopSignals() {
    g_stop = 0;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 3; ++i) {
      sigaction(kStopSignals[i], &sa, &m_old[i]);
      g_ignored[i] = m_old[i].sa_handler == SIG_IGN;
      if (g_ignored[i]) sigaction(kStopSignals[i], &m_old[i], nullptr);
    }
  }
  ~StopSignals() {
    for (int i = 0; i < 3; ++i)
      sigaction(kStopSignals[i], &m_old[i], nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction m_old[3];
};

void untrack(pid_t pid) {
  const sigset_t set = stop_signals();
  sigset_t old;
  sigprocmask(SIG_BLOCK, &set, &old);
  for (sig_atomic_t i = 0; i < g_child_count; ++i)
    if (g_children[i] == pid) {
      g_children[i] = g_children[g_child_count - 1];
      g_child_count = g_child_count - 1;
      break;
    }
  sigprocmask(SIG_SETMASK, &old, nullptr);
}

// Starts `args` with stdout to `out` (or to the pipe `out_fd` when >= 0)
// and stderr to `err`; the child gets SIGKILL when the sweep dies.
pid_t spawn(std::vector<std::string> args, const std::string& out, const std::string& err,
            int out_fd = -1) {
  const sigset_t set = stop_signals();
  sigset_t old;
  sigprocmask(SIG_BLOCK, &set, &old);
  if (g_child_count >= kMaxChildren) {
    sigprocmask(SIG_SETMASK, &old, nullptr);
    throw std::logic_error("too many children");
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    sigprocmask(SIG_SETMASK, &old, nullptr);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the sweep already died
    for (int i = 0; i < 3; ++i)
      signal(kStopSignals[i], g_ignored[i] ? SIG_IGN : SIG_DFL);
    sigprocmask(SIG_SETMASK, &old, nullptr);
    const int o = out_fd >= 0 ? out_fd : open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
    const int e = err.empty() ? 2 : open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (o >= 0) dup2(o, 1);
    if (e >= 0) dup2(e, 2);
    std::vector<char*> argv;
    for (std::string& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    std::fprintf(stderr, "cannot run %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  g_children[g_child_count] = pid;
  g_child_count = g_child_count + 1;
  sigprocmask(SIG_SETMASK, &old, nullptr);
  return pid;
}

// Waits for any child; returns its pid and status, or 0 when `timeout_s`
// (>= 0) passed first. Once the sweep is told to stop, children get 5 s to
// exit after the SIGTERM, then SIGKILL.
pid_t wait_child(int& status, double timeout_s = -1) {
  using Clock = std::chrono::steady_clock;
  static Clock::time_point stop_seen;
  static bool stopping = false;
  const Clock::time_point start = Clock::now();
  while (true) {
    if (g_stop && !stopping) {
      stopping = true;
      stop_seen = Clock::now();
    }
    const bool poll = stopping || timeout_s >= 0;
    const pid_t pid = waitpid(-1, &status, poll ? WNOHANG : 0);
    if (pid > 0) {
      untrack(pid);
      return pid;
    }
    if (pid < 0 && errno != EINTR)
      throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
    if (pid == 0) {
      if (stopping && Clock::now() - stop_seen > std::chrono::seconds(5))
        for (sig_atomic_t i = 0; i < g_child_count; ++i)
          kill(g_children[i], SIGKILL);
      if (!stopping && timeout_s >= 0 &&
          std::chrono::duration<double>(Clock::now() - start).count() >= timeout_s)
        return 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

// ---- Tasks ----------------------------------------------------------------

enum class Outcome { kOk, kFailed, kInterrupted };

pid_t start_task(const Spec& spec, const Options& opt, const Task& t) {
  const Workload& w = spec.workloads[t.workload];
  const std::string config = key_path(spec, t.key, ".config.json");
  write_file(config, point_config(spec, spec.points[t.point], w).to_json(2) + "\n");
  write_file(key_path(spec, t.key, ".key.json"), t.key_text + "\n");
  std::vector<std::string> args = {opt.mmusim, w.command};
  if (!w.file.empty()) args.push_back(w.file);
  args.insert(args.end(), {"--config", config, "--stats",
                           key_path(spec, t.key, ".stats.json" + partial_suffix()), "--quiet"});
  return spawn(args, "/dev/null", key_path(spec, t.key, ".err" + partial_suffix()));
}

// Moves a finished task's files into place.
Outcome finish_task(const Spec& spec, const Task& t, int status) {
  const std::string partial = key_path(spec, t.key, ".stats.json" + partial_suffix());
  const std::string err_partial = key_path(spec, t.key, ".err" + partial_suffix());
  const std::string stats = key_path(spec, t.key, ".stats.json");
  const std::string err = key_path(spec, t.key, ".err");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && exists(partial)) {
    if (std::rename(partial.c_str(), stats.c_str()) != 0)
      throw std::runtime_error(stats + ": rename failed: " + std::strerror(errno));
    std::remove(err_partial.c_str());
    std::remove(err.c_str());
    return Outcome::kOk;
  }
  std::remove(partial.c_str());
  if (g_stop && WIFSIGNALED(status)) {  // stopped by us: neither a result nor a failure
    std::remove(err_partial.c_str());
    return Outcome::kInterrupted;
  }
  if (WIFSIGNALED(status))
    std::ofstream(err_partial, std::ios::app) << "killed by signal " << WTERMSIG(status) << "\n";
  else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    std::ofstream(err_partial, std::ios::app) << "exited with status 0 but wrote no stats\n";
  std::remove(stats.c_str());  // a --force run that failed: the old result is not this run's
  std::rename(err_partial.c_str(), err.c_str());
  return Outcome::kFailed;
}

std::string last_line(const std::string& text) {
  size_t end = text.find_last_not_of("\r\n");
  if (end == std::string::npos) return "";
  const size_t start = text.find_last_of('\n', end);
  const size_t from = start == std::string::npos ? 0 : start + 1;
  return text.substr(from, end - from + 1);
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

enum class Status { kOk, kFailed, kNotRun };

struct Row {
  Status status = Status::kNotRun;
  std::string error;
  std::vector<double> values;  // metrics(), then spec.stat_columns
};

std::vector<Row> collect(const Spec& spec, const std::vector<Task>& tasks) {
  std::vector<Row> rows(tasks.size());
  for (const Task& t : tasks) {
    Row& r = rows[t.index];
    const std::string stats = key_path(spec, t.key, ".stats.json");
    const std::string err = key_path(spec, t.key, ".err");
    if (exists(stats)) {
      try {
        const Value tree = util::parse_json(slurp(stats), stats);
        r.values = compute_metrics(tree);
        for (const std::string& c : spec.stat_columns)
          r.values.push_back(stat_value(tree, c));
        r.status = Status::kOk;
        continue;
      } catch (const std::exception& e) {
        r.status = Status::kFailed;
        r.error = e.what();
      }
    } else if (exists(err)) {
      r.status = Status::kFailed;
      r.error = last_line(slurp(err));
      if (r.error.empty()) r.error = "failed without a message";
    } else {
      r.error = "not run";
    }
    r.values.assign(metrics().size() + spec.stat_columns.size(), std::nan(""));
  }
  return rows;
}

const char* status_text(Status s) {
  return s == Status::kOk ? "ok" : s == Status::kFailed ? "failed" : "not run";
}

void write_csv(const Spec& spec, const std::vector<Task>& tasks, const std::vector<Row>& rows) {
  std::string out = "task,point,workload";
  for (const std::string& k : spec.param_keys)
    out += "," + csv_cell(k);
  out += ",status,error,key";
  for (const Metric& m : metrics())
    out += "," + m.name;
  for (const std::string& c : spec.stat_columns)
    out += "," + csv_cell(c);
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
    out += std::string(",") + status_text(r.status) + "," + csv_cell(r.error) + "," + t.key;
    for (double m : r.values)
      out += "," + fmt(m);
    out += "\n";
  }
  write_file(spec.output_dir + "/results.csv", out);
}

// True when `key` takes more than one value across the points.
bool varies(const Spec& spec, const std::string& key) {
  const Value* first = nullptr;
  for (const Point& p : spec.points)
    for (const auto& [k, v] : p.params)
      if (k == key) {
        if (first && *first != v) return true;
        first = &v;
      }
  return false;
}

// Writes every plot.
void write_plots(const Spec& spec, const std::vector<Task>& tasks, const std::vector<Row>& rows) {
  std::vector<Plot> plots = spec.plots;
  if (plots.empty() && !spec.param_keys.empty())
    plots.push_back(
        {spec.param_keys[0], {"l1_dtlb_mpka", "l2_tlb_mpka", "mean_translation_cycles"}});
  const std::string dir = spec.output_dir + "/plots";
  make_dirs(dir);
  for (const std::string& f : list_dir(dir))  // plots of an earlier spec
    if (f.size() > 4 && f.substr(f.size() - 4) == ".svg") std::remove((dir + "/" + f).c_str());

  for (const Plot& plot : plots) {
    // x: numbers, or categories in order of first appearance.
    bool numeric = true;
    for (const Point& p : spec.points)
      for (const auto& [key, v] : p.params)
        numeric &= key != plot.x || v.is_number();
    std::vector<std::string> categories;
    if (!numeric)
      for (const Point& p : spec.points)
        for (const auto& [key, v] : p.params)
          if (key == plot.x &&
              std::find(categories.begin(), categories.end(), value_text(v)) == categories.end())
            categories.push_back(value_text(v));
    for (const std::string& y : plot.y) {
      size_t column = 0;
      std::string title, unit;
      if (is_metric(y)) {
        while (metrics()[column].name != y)
          ++column;
        title = metrics()[column].description;
        unit = metrics()[column].unit;
      } else {
        column = metrics().size();
        while (spec.stat_columns[column - metrics().size()] != y)
          ++column;
        title = y;
      }
      // One line per workload and combination of the other parameters.
      std::map<std::string, Series> lines;
      std::vector<std::string> order;
      size_t failed = 0, drawn = 0, ok_without_value = 0;
      for (const Task& t : tasks) {
        const Point& p = spec.points[t.point];
        std::string label = spec.workloads[t.workload].name;
        double x = std::nan("");
        bool has_x = false;
        for (const auto& [key, v] : p.params) {
          if (key == plot.x) {
            has_x = true;
            if (!categories.empty())
              x = static_cast<double>(
                  std::find(categories.begin(), categories.end(), value_text(v)) -
                  categories.begin());
            else
              x = v.as_double();
          } else if (varies(spec, key)) {
            label += " " + short_key(key) + "=" + value_text(v);
          }
        }
        if (!has_x) continue;
        const Row& r = rows[t.index];
        const double value = r.values[column];
        if (r.status != Status::kOk)
          ++failed;
        else if (std::isnan(value))
          ++ok_without_value;
        else
          ++drawn;
        if (!lines.count(label)) order.push_back(label);
        Series& s = lines[label];
        s.label = label;
        s.points.emplace_back(x, value);
      }
      Chart chart;
      chart.title = title;
      chart.x_label = plot.x;
      chart.y_label = unit.empty() ? y : y + " (" + unit + ")";
      chart.x_categories = categories;
      for (const std::string& l : order)
        chart.series.push_back(std::move(lines[l]));
      const size_t total = failed + drawn + ok_without_value;
      if (failed)
        chart.subtitle = std::to_string(failed) + " of " + std::to_string(total) +
                         " tasks failed or did not run: not drawn";
      if (!drawn) {
        chart.empty_note = failed == total
                               ? "no data: every task of this plot failed or did not run"
                               : "no data: no task's stats have " + y;
      }
      std::string name = y + "-vs-" + plot.x + ".svg";
      for (char& ch : name)
        if (ch == '/') ch = '_';
      write_file(dir + "/" + name, svg_line_chart(chart));
    }
  }
}

// The stats columns that no successful task has (a misspelt path).
std::vector<std::string> missing_stats(const Spec& spec, const std::vector<Row>& rows) {
  std::vector<std::string> missing;
  for (size_t c = 0; c < spec.stat_columns.size(); ++c) {
    bool any_ok = false, found = false;
    for (const Row& r : rows)
      if (r.status == Status::kOk) {
        any_ok = true;
        found |= !std::isnan(r.values[metrics().size() + c]);
      }
    if (any_ok && !found) missing.push_back(spec.stat_columns[c]);
  }
  return missing;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs one task per distinct key, `jobs` at a time. Returns the signal that
// stopped it, or 0.
int run_local(const Spec& spec, const Options& opt, const std::vector<Task>& pending, size_t total,
              unsigned jobs) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto seconds_since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  std::map<pid_t, std::pair<Task, Clock::time_point>> running;
  size_t next = 0, done = total - pending.size(), ran = 0;
  Clock::time_point last_line = start;
  while ((next < pending.size() && !g_stop) || !running.empty()) {
    while (next < pending.size() && running.size() < jobs && !g_stop) {
      const Task& t = pending[next++];
      running.emplace(start_task(spec, opt, t), std::make_pair(t, Clock::now()));
    }
    int status = 0;
    const double quiet_for = seconds_since(last_line);
    const pid_t pid =
        wait_child(status, opt.quiet ? -1 : std::max(0.0, opt.progress_seconds - quiet_for));
    if (pid == 0) {  // nothing finished for a while: say what is running
      std::string what;
      for (const auto& [p, task] : running)
        what += std::string(what.empty() ? "" : ", ") + point_label(spec, task.first.point) + " " +
                spec.workloads[task.first.workload].name + " (" +
                std::to_string(static_cast<long>(seconds_since(task.second))) + " s)";
      std::fprintf(stderr, "[%zu/%zu] running: %s  (%.1f s elapsed)\n", done, total, what.c_str(),
                   seconds_since(start));
      last_line = Clock::now();
      continue;
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const Task t = it->second.first;
    running.erase(it);
    const Outcome outcome = finish_task(spec, t, status);
    if (outcome == Outcome::kInterrupted) continue;
    ++done;
    ++ran;
    if (!opt.quiet) {
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double eta = s / static_cast<double>(ran) * static_cast<double>(total - done);
      std::fprintf(stderr, "[%zu/%zu] %s %s: %s  (%.1f s elapsed, ~%.0f s left)\n", done, total,
                   point_label(spec, t.point).c_str(), spec.workloads[t.workload].name.c_str(),
                   outcome == Outcome::kOk ? "ok" : "FAILED", s, eta);
      last_line = Clock::now();
    }
  }
  return g_stop;
}

// Submits the pending tasks as one job array and waits for it; cancels it
// when the sweep is stopped. Returns the signal that stopped it, or 0.
int run_slurm(const Spec& spec, const Options& opt, const std::vector<Task>& pending) {
  make_dirs(spec.output_dir + "/slurm");
  std::string array, cases;
  for (const Task& t : pending) {
    array += (array.empty() ? "" : ",") + std::to_string(t.index);
    cases += "  " + std::to_string(t.index) + ") key=" + t.key + " ;;\n";
  }
  const std::string script = spec.output_dir + "/slurm/job.sh";
  write_file(script, "#!/bin/sh\n#SBATCH --job-name=mmusim-sweep\n#SBATCH --array=" + array +
                         "\n#SBATCH --output=" + spec.output_dir +
                         "/slurm/%a.log\n"
                         "case \"$SLURM_ARRAY_TASK_ID\" in\n" +
                         cases +
                         "  *) echo \"no task $SLURM_ARRAY_TASK_ID\" >&2; exit 2 ;;\nesac\n" +
                         "exec " + shell_quote(opt.mmusim) + " sweep " + shell_quote(spec.path) +
                         " --task \"$SLURM_ARRAY_TASK_ID\" --key \"$key\" --quiet\n");
  if (!opt.quiet)
    std::fprintf(stderr, "submitting %zu tasks as a Slurm job array: sbatch --wait %s\n",
                 pending.size(), script.c_str());
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const pid_t sbatch = spawn({"sbatch", "--wait", "--parsable", script}, "", "", fds[1]);
  close(fds[1]);
  std::string job_id, out;
  char buf[256];
  while (true) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      if (job_id.empty() && out.find('\n') != std::string::npos) {
        job_id = out.substr(0, out.find_first_of(";\n"));
        if (!opt.quiet) std::fprintf(stderr, "Slurm job %s\n", job_id.c_str());
      }
      continue;
    }
    if (n < 0 && errno == EINTR) {
      if (g_stop) break;
      continue;
    }
    break;  // EOF: sbatch exited
  }
  close(fds[0]);
  int status = 0;
  while (wait_child(status) != sbatch) {  // sent SIGTERM by the handler when stopped
  }
  if (g_stop) {
    if (!job_id.empty()) {
      if (!opt.quiet) std::fprintf(stderr, "cancelling Slurm job %s\n", job_id.c_str());
      const int stop = g_stop;
      g_stop = 0;  // let scancel finish
      const pid_t cancel = spawn({"scancel", job_id}, "/dev/null", "");
      int st = 0;
      waitpid(cancel, &st, 0);
      untrack(cancel);
      g_stop = stop;
    }
    return g_stop;
  }
  // sbatch --wait exits with the job's highest exit code; failed tasks are
  // reported from their files, so only a failure to submit is fatal.
  if (job_id.empty() || (WIFEXITED(status) && WEXITSTATUS(status) == 127))
    throw std::runtime_error("sbatch could not submit the job array (is Slurm running?)");
  return 0;
}

// Deletes what no current task owns: results of keys no longer in the spec
// and the partial files of runs that died. Returns the number of keys dropped.
size_t drop_stale(const Spec& spec, const std::set<std::string>& keys) {
  const std::string dir = spec.output_dir + "/points";
  std::set<std::string> dropped;
  for (const std::string& f : list_dir(dir)) {
    const std::string key = f.substr(0, f.find('.'));
    const bool partial =
        f.find(".partial.") != std::string::npos || f.find(".tmp.") != std::string::npos;
    if (!keys.count(key)) {
      if (f.find(".stats.json") != std::string::npos && !partial) dropped.insert(key);
    } else if (!partial) {
      continue;
    }
    std::remove((dir + "/" + f).c_str());
  }
  return dropped.size();
}

// Holds OUTPUT/.lock for the life of the object: one sweep per folder.
class FolderLock {
 public:
  explicit FolderLock(const std::string& dir) {
    const std::string path = dir + "/.lock";
    m_fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (m_fd < 0) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
    if (flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
      close(m_fd);
      throw std::runtime_error(dir + ": another mmusim sweep is running on this folder");
    }
  }
  ~FolderLock() { close(m_fd); }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int m_fd;
};

}  // namespace

int run_sweep(const Spec& spec, const Options& opt) {
  make_dirs(spec.output_dir + "/points");
  const std::string version = simulator_version(opt.mmusim);
  std::vector<std::string> digests;
  for (size_t w = 0; w < spec.workloads.size(); ++w) {
    try {
      digests.push_back(spec.workloads[w].file.empty() ? "" : sha256_file(spec.workloads[w].file));
    } catch (const std::exception& e) {  // before anything runs: bad input
      throw util::ConfigError(spec.path + ": workloads." + std::to_string(w) +
                              ".file: " + e.what());
    }
  }
  std::vector<Task> tasks;
  for (size_t p = 0; p < spec.points.size(); ++p)
    for (size_t w = 0; w < spec.workloads.size(); ++w) {
      Task t{p * spec.workloads.size() + w, p, w, "", ""};
      t.key_text = task_key_text(spec, spec.points[p], spec.workloads[w], digests[w], version);
      t.key = task_key(t.key_text);
      tasks.push_back(std::move(t));
    }

  StopSignals signals;
  if (opt.task >= 0) {  // one array element
    if (static_cast<size_t>(opt.task) >= tasks.size())
      throw util::ConfigError("--task " + std::to_string(opt.task) + ": the sweep has " +
                              std::to_string(tasks.size()) + " tasks");
    const Task& t = tasks[static_cast<size_t>(opt.task)];
    if (!opt.key.empty() && opt.key != t.key)
      throw util::ConfigError("--task " + std::to_string(opt.task) + ": submitted as key " +
                              opt.key +
                              ", but the spec, a workload file or mmusim changed since "
                              "(key now " +
                              t.key + "); run the sweep again");
    const pid_t pid = start_task(spec, opt, t);
    int status = 0;
    while (wait_child(status) != pid) {
    }
    const Outcome o = finish_task(spec, t, status);
    return o == Outcome::kOk ? 0 : o == Outcome::kInterrupted ? 128 + g_stop : 1;
  }

  const FolderLock lock(spec.output_dir);
  std::set<std::string> keys;
  for (const Task& t : tasks)
    keys.insert(t.key);
  const size_t dropped = drop_stale(spec, keys);
  if (!opt.quiet && dropped)
    std::fprintf(stderr,
                 "dropped %zu results no longer in the sweep (spec, workload file or mmusim "
                 "changed)\n",
                 dropped);
  // One run per distinct key (identical points run once).
  std::vector<Task> pending;
  std::set<std::string> queued;
  size_t done_tasks = 0;
  for (const Task& t : tasks) {
    const bool done = !opt.force && exists(key_path(spec, t.key, ".stats.json"));
    done_tasks += done;
    if (!done && queued.insert(t.key).second) pending.push_back(t);
  }
  if (!opt.quiet && done_tasks)
    std::fprintf(stderr, "resuming: %zu of %zu tasks already done\n", done_tasks, tasks.size());
  int stopped = 0;
  if (!pending.empty()) {
    if (opt.slurm) {
      stopped = run_slurm(spec, opt, pending);
    } else {
      const unsigned jobs = std::min<unsigned>(opt.jobs ? opt.jobs : spec.jobs, kMaxChildren);
      stopped = run_local(spec, opt, pending, keys.size(), jobs);
    }
  }
  const std::vector<Row> rows = collect(spec, tasks);
  write_csv(spec, tasks, rows);
  write_plots(spec, tasks, rows);
  const std::vector<std::string> missing = missing_stats(spec, rows);
  size_t failed = 0, not_run = 0;
  for (const Row& r : rows) {
    failed += r.status == Status::kFailed;
    not_run += r.status == Status::kNotRun;
  }
  if (stopped) {
    std::fprintf(stderr,
                 "mmusim sweep: stopped by signal %d: %zu of %zu tasks done; the same command "
                 "resumes\n",
                 stopped, tasks.size() - failed - not_run, tasks.size());
    return 128 + stopped;
  }
  if (!opt.quiet)
    std::fprintf(stderr, "%zu tasks, %zu failed%s: %s/results.csv\n", tasks.size(), failed,
                 not_run ? (", " + std::to_string(not_run) + " not run").c_str() : "",
                 spec.output_dir.c_str());
  for (const std::string& m : missing)
    std::fprintf(stderr,
                 "mmusim sweep: %s: '%s' is not a number in any task's stats (docs/stats.md)\n",
                 spec.path.c_str(), m.c_str());
  if (!missing.empty()) return 2;
  return failed || not_run ? 1 : 0;
}

}  // namespace mmusim::sweep
