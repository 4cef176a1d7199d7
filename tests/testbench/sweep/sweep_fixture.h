// Shared by the sweep tests: a temporary folder of the test's own (deleted
// afterwards), running the real mmusim binary, and reading results.csv.
#pragma once

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace mmusim::sweep {

// A 9-access script from the Linux golden set (in the repository).
inline const std::string kScript = MMUSIM_SOURCE_DIR "/tests/golden/linux/01_mmap_private_anon.scn";

class SweepTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mmusim_sweep_XXXXXX";
    m_dir = mkdtemp(tmpl);
  }
  void TearDown() override { std::system(("rm -rf " + m_dir).c_str()); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = m_dir + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  static std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  static bool exists(const std::string& path) { return std::ifstream(path).good(); }
  // Runs mmusim with `args`; returns the exit status, stderr in `err`.
  int mmusim(const std::string& args, std::string* err = nullptr, const std::string& env = "") {
    const std::string err_path = m_dir + "/stderr";
    const int st =
        std::system((env + " " MMUSIM_BINARY " " + args + " >/dev/null 2>" + err_path).c_str());
    if (err) *err = slurp(err_path);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  // Starts `mmusim sweep SPEC ARGS...` in the background, stderr to `err_path`.
  pid_t start_sweep(const std::string& spec, std::vector<std::string> args,
                    const std::string& err_path, bool ignore_sighup = false) {
    const pid_t pid = fork();
    if (pid == 0) {
      if (ignore_sighup) signal(SIGHUP, SIG_IGN);  // as nohup does
      freopen(err_path.c_str(), "w", stderr);
      freopen("/dev/null", "w", stdout);
      std::vector<std::string> all = {MMUSIM_BINARY, "sweep", spec};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (std::string& a : all)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    return pid;
  }
  // Processes (not zombies) whose command line mentions this test's folder.
  std::vector<pid_t> processes_using_dir() const {
    std::vector<pid_t> out;
    DIR* d = opendir("/proc");
    while (const dirent* e = readdir(d)) {
      const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
      if (pid <= 0 || pid == getpid()) continue;
      std::string cmd = slurp("/proc/" + std::string(e->d_name) + "/cmdline");
      for (char& c : cmd)
        if (c == '\0') c = ' ';
      if (cmd.find(m_dir) != std::string::npos) out.push_back(pid);
    }
    closedir(d);
    return out;
  }
  std::vector<std::string> files(const std::string& dir) const {
    std::vector<std::string> names;
    if (DIR* d = opendir(dir.c_str())) {
      while (const dirent* e = readdir(d))
        if (e->d_name[0] != '.') names.emplace_back(e->d_name);
      closedir(d);
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  // RFC 4180: quoted cells may hold commas and doubled quotes.
  static std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string cell;
    bool quoted = false, any = false;
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      any = true;
      if (quoted) {
        if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
          cell += '"';
          ++i;
        } else if (c == '"') {
          quoted = false;
        } else {
          cell += c;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        row.push_back(cell);
        cell.clear();
      } else if (c == '\n') {
        row.push_back(cell);
        rows.push_back(row);
        row.clear();
        cell.clear();
        any = false;
      } else {
        cell += c;
      }
    }
    if (any) {
      row.push_back(cell);
      rows.push_back(row);
    }
    return rows;
  }
  std::vector<std::vector<std::string>> csv(const std::string& path) {
    return parse_csv(slurp(path));
  }
  std::string m_dir;
};

inline std::string cell(const std::vector<std::vector<std::string>>& rows, size_t row,
                        const std::string& column) {
  for (size_t c = 0; c < rows[0].size(); ++c)
    if (rows[0][c] == column) return rows.at(row).at(c);
  ADD_FAILURE() << "no column " << column;
  return "";
}

// The CSV without the columns that differ between identical runs.
inline std::string without_host_time(const std::vector<std::vector<std::string>>& rows) {
  std::string out;
  size_t skip = SIZE_MAX;
  for (size_t c = 0; c < rows[0].size(); ++c)
    if (rows[0][c] == "host_seconds") skip = c;
  for (const auto& r : rows) {
    for (size_t c = 0; c < r.size(); ++c)
      if (c != skip) out += r[c] + "|";
    out += "\n";
  }
  return out;
}

}  // namespace mmusim::sweep
