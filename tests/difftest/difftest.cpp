#include "tests/difftest/difftest.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace mmusim::difftest {

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) {
      lines.push_back(text.substr(pos) + "\n\\ No newline at end of file");
      break;
    }
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

// One line of an edit script: ' ' kept, '-' only in a, '+' only in b.
struct Edit {
  char kind;
  size_t a;  // index in a (for ' ' and '-')
  size_t b;  // index in b (for ' ' and '+')
};

std::vector<Edit> edit_script(const std::vector<std::string>& a,
                              const std::vector<std::string>& b) {
  // Common prefix and suffix first; an LCS table for the middle.
  size_t pre = 0;
  while (pre < a.size() && pre < b.size() && a[pre] == b[pre])
    ++pre;
  size_t suf = 0;
  while (suf < a.size() - pre && suf < b.size() - pre &&
         a[a.size() - 1 - suf] == b[b.size() - 1 - suf])
    ++suf;
  const size_t n = a.size() - pre - suf, m = b.size() - pre - suf;
  std::vector<Edit> edits;
  for (size_t i = 0; i < pre; ++i)
    edits.push_back({' ', i, i});
  if (n * m <= 16u << 20) {
    // lcs[i][j]: LCS length of a[pre+i..] and b[pre+j..] (middle part).
    std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
    auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
    for (size_t i = n; i-- > 0;)
      for (size_t j = m; j-- > 0;)
        at(i, j) =
            a[pre + i] == b[pre + j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[pre + i] == b[pre + j]) {
        edits.push_back({' ', pre + i++, pre + j++});
      } else if (j < m && (i == n || at(i, j + 1) > at(i + 1, j))) {
        edits.push_back({'+', pre + i, pre + j++});
      } else {
        edits.push_back({'-', pre + i++, pre + j});
      }
    }
  } else {
    for (size_t i = 0; i < n; ++i)
      edits.push_back({'-', pre + i, pre});
    for (size_t j = 0; j < m; ++j)
      edits.push_back({'+', pre + n, pre + j});
  }
  for (size_t k = 0; k < suf; ++k)
    edits.push_back({' ', pre + n + k, pre + m + k});
  return edits;
}

std::string hunk_range(size_t start, size_t count) {
  // Unified format: 1-based start; a zero-length range names the line before.
  return std::to_string(count == 0 ? start : start + 1) + "," + std::to_string(count);
}

std::string status_text(int status) {
  return status >= 128 ? "killed by signal " + std::to_string(status - 128)
                       : "exit status " + std::to_string(status);
}

}  // namespace

std::string unified_diff(const std::string& a_text, const std::string& b_text,
                         const std::string& a_label, const std::string& b_label) {
  if (a_text == b_text) return "";
  const std::vector<std::string> a = split_lines(a_text), b = split_lines(b_text);
  const std::vector<Edit> edits = edit_script(a, b);
  constexpr size_t kContext = 3;
  std::string out = "--- " + a_label + "\n+++ " + b_label + "\n";
  size_t k = 0;
  while (k < edits.size()) {
    // The next change, and the hunk around it (changes closer than 2*context merge).
    while (k < edits.size() && edits[k].kind == ' ')
      ++k;
    if (k == edits.size()) break;
    const size_t begin = k >= kContext ? k - kContext : 0;
    size_t end = k;
    while (true) {
      while (end < edits.size() && edits[end].kind != ' ')
        ++end;
      size_t next = end;
      while (next < edits.size() && edits[next].kind == ' ' && next - end < 2 * kContext + 1)
        ++next;
      if (next < edits.size() && edits[next].kind != ' ' && next - end <= 2 * kContext) {
        end = next;
        continue;
      }
      end = std::min(edits.size(), end + kContext);
      break;
    }
    size_t a_count = 0, b_count = 0;
    for (size_t e = begin; e < end; ++e) {
      if (edits[e].kind != '+') ++a_count;
      if (edits[e].kind != '-') ++b_count;
    }
    out += "@@ -" + hunk_range(edits[begin].a, a_count) + " +" +
           hunk_range(edits[begin].b, b_count) + " @@\n";
    for (size_t e = begin; e < end; ++e) {
      const Edit& d = edits[e];
      out += d.kind;
      out += d.kind == '+' ? b[d.b] : a[d.a];
      out += '\n';
    }
    k = end;
  }
  return out;
}

RunResult run_program(const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::invalid_argument("run_program: no program");
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    throw std::runtime_error("pipe: " + std::string(std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(rc));
  }
  RunResult r;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_count = 2;
  char buf[65536];
  while (open_count > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  for (const pollfd& p : fds)
    if (p.fd >= 0) ::close(p.fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open");
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  if (!f) throw std::runtime_error(path + ": cannot write");
}

Comparison compare_script(const Tools& tools, const std::string& script_path) {
  Comparison c;
  c.linux_kernel = run_program({tools.replayer, script_path});
  c.simulator = run_program({tools.mmusim, "script", script_path, "--compare", "--quiet"});
  c.same = c.linux_kernel.status == 0 && c.simulator.status == 0 &&
           c.linux_kernel.out == c.simulator.out;
  if (c.same) return c;
  std::string& r = c.report;
  if (c.linux_kernel.status != 0)
    r += "linux replayer: " + status_text(c.linux_kernel.status) + ": " + c.linux_kernel.err;
  if (c.simulator.status != 0)
    r += "mmusim: " + status_text(c.simulator.status) + ": " + c.simulator.err;
  if (!r.empty() && r.back() != '\n') r += '\n';
  r += unified_diff(c.linux_kernel.out, c.simulator.out, "linux", "mmusim");
  return c;
}

std::string format_failure(const SeedFailure& f) {
  std::string s = "seed " + std::to_string(f.seed) + ": transcripts differ";
  if (!f.kept_path.empty()) s += " (script kept as " + f.kept_path + ")";
  s += "\n--- script\n" + f.script + "--- diff\n" + f.report;
  return s;
}

DifftestSummary run_difftest(const Tools& tools, const DifftestOptions& o) {
  std::string work = o.work_dir;
  bool own_work = false;
  if (work.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/mmusim-difftest-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr)
      throw std::runtime_error("mkdtemp " + templ + ": " + std::strerror(errno));
    work = templ;
    own_work = true;
  }
  if (!o.keep_dir.empty()) ::mkdir(o.keep_dir.c_str(), 0755);  // EEXIST is fine

  DifftestSummary summary;
  std::mutex mu;
  std::atomic<uint64_t> next{0};
  auto worker = [&]() {
    while (true) {
      const uint64_t i = next++;
      if (i >= o.count) return;
      scriptgen::GeneratorOptions g = o.generator;
      g.seed = o.first_seed + i;
      const std::string script = scriptgen::generate_script(g);
      const std::string path = work + "/seed-" + std::to_string(g.seed) + ".scn";
      Comparison c;
      try {
        write_file(path, script);
        c = compare_script(tools, path);
      } catch (const std::exception& e) {
        c.same = false;
        c.report = std::string("harness error: ") + e.what() + "\n";
      }
      ::unlink(path.c_str());
      std::lock_guard<std::mutex> lock(mu);
      ++summary.runs;
      if (c.same) continue;
      SeedFailure f{g.seed, script, c.report, ""};
      if (!o.keep_dir.empty()) {
        f.kept_path = o.keep_dir + "/seed-" + std::to_string(g.seed) + ".scn";
        write_file(f.kept_path, script);
        write_file(o.keep_dir + "/seed-" + std::to_string(g.seed) + ".linux.out",
                   c.linux_kernel.out);
        write_file(o.keep_dir + "/seed-" + std::to_string(g.seed) + ".mmusim.out", c.simulator.out);
      }
      summary.failures.push_back(std::move(f));
    }
  };
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < std::max(1u, o.jobs); ++t)
    threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads)
    t.join();
  if (own_work) ::rmdir(work.c_str());
  std::sort(summary.failures.begin(), summary.failures.end(),
            [](const SeedFailure& x, const SeedFailure& y) { return x.seed < y.seed; });
  return summary;
}

}  // namespace mmusim::difftest
