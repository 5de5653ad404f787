#include "tools/bench/daemon_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace attune::bench {
namespace {

std::string Describe(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  }
  if (WIFSIGNALED(wait_status)) {
    return "killed by signal " + std::to_string(WTERMSIG(wait_status));
  }
  return "ended (wait status " + std::to_string(wait_status) + ")";
}

}  // namespace

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0 && ended_.empty()) Stop();
}

void DaemonProcess::Start(const std::string& binary, const std::string& data_dir,
                          const std::string& socket, const std::string& log_path,
                          const std::vector<std::string>& extra_args) {
  log_path_ = log_path;
  ended_.clear();
  std::vector<std::string> args = {binary, "--data-dir", data_dir, "--socket", socket};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  // Benchmarks listen for peers on loopback only (attuned's default is every
  // interface), on a port of their own.
  if (std::find(extra_args.begin(), extra_args.end(), "--peer-listen") == extra_args.end()) {
    args.insert(args.end(), {"--peer-listen", "127.0.0.1:0"});
  }
  if (std::find(extra_args.begin(), extra_args.end(), "--no-discovery") == extra_args.end()) {
    args.push_back("--no-discovery");  // nothing announced, not even on loopback, while measuring
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  // posix_spawn rather than fork: the bench holds gRPC threads by now.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  int rc = ::posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + binary + ": " + std::strerror(rc));
  }
}

bool DaemonProcess::Running(std::string* how) {
  if (pid_ <= 0) {
    *how = "not started";
    return false;
  }
  if (ended_.empty()) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == 0) return true;
    ended_ = r == pid_ ? Describe(status) : "lost (waitpid failed)";
  }
  *how = ended_;
  return false;
}

DaemonProcess::Stopped DaemonProcess::Stop(std::chrono::milliseconds grace) {
  Stopped out;
  std::string how;
  if (!Running(&how)) {
    out.how = "had already " + how;
    return out;
  }
  auto start = std::chrono::steady_clock::now();
  ::kill(pid_, SIGTERM);
  int status = 0;
  bool killed = false;
  for (;;) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (r < 0) {
      ended_ = "lost (waitpid failed)";
      out.how = ended_;
      return out;
    }
    if (!killed && std::chrono::steady_clock::now() - start > grace) {
      ::kill(pid_, SIGKILL);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ended_ = Describe(status);
  out.how = killed ? "did not stop on SIGTERM; " + ended_ : ended_;
  out.clean = !killed && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return out;
}

double DaemonProcess::CpuSeconds() const {
  if (pid_ <= 0 || !ended_.empty()) return std::numeric_limits<double>::quiet_NaN();
  return ProcessCpuSeconds(pid_);
}

double ProcessCpuSeconds(pid_t pid) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  // The process's CPU clock counts in nanoseconds; /proc's ticks (10 ms)
  // would blur the CPU of a few hundred calls.
  clockid_t clock;
  timespec t{};
  if (::clock_getcpuclockid(pid, &clock) == 0 && ::clock_gettime(clock, &t) == 0) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
  }
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name (field 2) is in parentheses and may hold spaces; the
  // fields after it start with field 3, the state. utime and stime are
  // fields 14 and 15, in clock ticks.
  auto paren = stat.rfind(')');
  if (paren == std::string::npos) return kNaN;
  std::istringstream fields(stat.substr(paren + 1));
  std::string field;
  double utime = kNaN, stime = kNaN;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  long ticks = ::sysconf(_SC_CLK_TCK);
  if (ticks <= 0) return kNaN;
  return (utime + stime) / static_cast<double>(ticks);
}

void PrintLogTail(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  size_t from = lines.size() > 20 ? lines.size() - 20 : 0;
  if (lines.empty()) return;
  std::cerr << "--- last lines of " << path << "\n";
  for (size_t i = from; i < lines.size(); ++i) std::cerr << lines[i] << "\n";
  std::cerr << "---\n";
}

void FailWithDaemon(DaemonProcess& daemon, const std::exception& e) {
  std::string what = e.what(), how;
  if (!daemon.Running(&how) && what.find(how) == std::string::npos) {
    what += " (attuned " + how + ")";
  }
  daemon.Stop();
  PrintLogTail(daemon.log_path());
  throw std::runtime_error(what);
}

}  // namespace attune::bench
