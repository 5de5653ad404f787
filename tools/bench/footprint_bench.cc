#include "tools/bench/footprint_bench.h"

#include <dirent.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
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

// Context switches of every thread of the process so far.
double ContextSwitches(pid_t pid) {
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  DIR* dir = ::opendir(tasks.c_str());
  if (dir == nullptr) throw std::runtime_error("cannot list " + tasks);
  double total = 0;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    std::string status = tasks + "/" + e->d_name + "/status";
    double v = StatusField(status, "voluntary_ctxt_switches");
    double n = StatusField(status, "nonvoluntary_ctxt_switches");
    if (v >= 0) total += v;
    if (n >= 0) total += n;
  }
  ::closedir(dir);
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
    double cpu0 = daemon.CpuSeconds();
    double switches0 = ContextSwitches(daemon.pid());
    auto idle_start = SteadyClock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(load.idle_seconds));
    f.idle_seconds = std::chrono::duration<double>(SteadyClock::now() - idle_start).count();
    f.idle_cpu_seconds = daemon.CpuSeconds() - cpu0;
    f.wakeups = ContextSwitches(daemon.pid()) - switches0;
    f.rss_after_idle_mb = RssMb(daemon.pid());
    auto stopped = daemon.Stop();
    if (!stopped.clean) throw std::runtime_error("attuned " + stopped.how + " on stop");
  }
  return f;
}

}  // namespace attune::bench
