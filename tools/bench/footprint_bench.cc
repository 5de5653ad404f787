#include "tools/bench/footprint_bench.h"

#include <dirent.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tools/bench/daemon_process.h"
#include "tools/bench/rpc_client.h"

namespace attune::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr auto kStartTimeout = std::chrono::seconds(20);
constexpr auto kConnectPoll = std::chrono::microseconds(500);

// True once something accepts connections on the Unix socket.
bool Accepts(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// A "Name:   value kB" line of /proc/<pid>/status, as a number; -1 if absent.
double StatusField(const std::string& path, const std::string& name) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, name.size() + 1, name + ":") == 0) {
      std::istringstream value(line.substr(name.size() + 1));
      double v = -1;
      value >> v;
      return v;
    }
  }
  return -1;
}

double RssMb(pid_t pid) {
  double kb = StatusField("/proc/" + std::to_string(pid) + "/status", "VmRSS");
  if (kb < 0) throw std::runtime_error("cannot read the daemon's VmRSS");
  return kb / 1024;
}

// Each thread's name and context switches so far, by thread id.
using Switches = std::map<std::string, std::pair<std::string, double>>;
Switches ContextSwitches(pid_t pid) {
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = ::opendir(tasks.c_str());
  if (dir == nullptr) throw std::runtime_error("cannot list " + tasks);
  Switches out;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    const std::string task = tasks + "/" + e->d_name;
    double v = StatusField(task + "/status", "voluntary_ctxt_switches");
    double n = StatusField(task + "/status", "nonvoluntary_ctxt_switches");
    std::string name;
    std::getline(std::ifstream(task + "/comm"), name);
    out[e->d_name] = {name, std::max(v, 0.0) + std::max(n, 0.0)};
  }
  ::closedir(dir);
  return out;
}

// Context switches between two snapshots, by thread name (a thread that
// started in between counts from zero).
std::map<std::string, double> SwitchesBetween(const Switches& before, const Switches& after) {
  std::map<std::string, double> out;
  for (const auto& [tid, now] : after) {
    auto then = before.find(tid);
    out[now.first] += now.second - (then == before.end() ? 0 : then->second.second);
  }
  return out;
}

double Total(const std::map<std::string, double>& by_name) {
  double total = 0;
  for (const auto& [name, n] : by_name) total += n;
  return total;
}

}  // namespace

FootprintFigures MeasureFootprint(const FootprintLoad& load) {
  FootprintFigures f;
  f.records = load.records;
  for (int i = 0; i < load.cold_starts; ++i) {
    DaemonProcess daemon;
    auto start = SteadyClock::now();
    daemon.Start(load.attuned, load.data_dir, load.socket, load.log_path, load.extra_args);
    std::string how;
    while (!Accepts(load.socket)) {
      if (!daemon.Running(&how)) throw std::runtime_error("attuned " + how + " while starting");
      if (SteadyClock::now() - start > kStartTimeout) {
        throw std::runtime_error("attuned did not listen within 20 s");
      }
      std::this_thread::sleep_for(kConnectPoll);
    }
    // Listening is not serving yet: the first health check's answer is.
    WaitUntilServing(load.socket, kStartTimeout, [&](std::string* h) { return daemon.Running(h); });
    f.cold_start_ms.push_back(
        std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count());
    const bool last = i + 1 == load.cold_starts;
    if (!last) {
      auto stopped = daemon.Stop();
      if (!stopped.clean) throw std::runtime_error("attuned " + stopped.how + " on stop");
      continue;
    }

    UnlockVault(load.socket);
    // Let what unlocking started (views, timers) finish before measuring.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    f.rss_after_start_mb = RssMb(daemon.pid());
    // Each window ends where the next begins: one snapshot per boundary.
    const Switches first = ContextSwitches(daemon.pid());
    Switches switches = first;
    double cpu = daemon.CpuSeconds();
    const auto idle_start = SteadyClock::now();
    auto window_start = idle_start;
    const int windows = std::max(1, load.idle_windows);
    for (int w = 0; w < windows; ++w) {
      std::this_thread::sleep_for(std::chrono::duration<double>(load.idle_seconds / windows));
      const auto now = SteadyClock::now();
      const double minutes = std::chrono::duration<double>(now - window_start).count() / 60;
      const double cpu_now = daemon.CpuSeconds();
      Switches switches_now = ContextSwitches(daemon.pid());
      f.idle_cpu_per_minute.push_back((cpu_now - cpu) / minutes);
      f.wakeups_per_minute.push_back(Total(SwitchesBetween(switches, switches_now)) / minutes);
      f.rss_after_idle_mb.push_back(RssMb(daemon.pid()));
      window_start = now;
      cpu = cpu_now;
      switches = std::move(switches_now);
    }
    f.idle_seconds = std::chrono::duration<double>(window_start - idle_start).count();
    for (const auto& [name, n] : SwitchesBetween(first, switches)) {
      f.wakeups_by_thread.emplace_back(name, n * 60 / f.idle_seconds);
    }
    std::sort(f.wakeups_by_thread.begin(), f.wakeups_by_thread.end(),
              [](const auto& x, const auto& y) { return x.second > y.second; });
    auto stopped = daemon.Stop();
    if (!stopped.clean) throw std::runtime_error("attuned " + stopped.how + " on stop");
  }
  return f;
}

}  // namespace attune::bench
