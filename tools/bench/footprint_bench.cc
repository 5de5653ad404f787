#include "tools/bench/footprint_bench.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "tools/bench/daemon_process.h"
#include "tools/bench/proc_stats.h"
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
