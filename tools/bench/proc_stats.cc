#include "tools/bench/proc_stats.h"

#include <dirent.h>
#include <time.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace attune::bench {
namespace {

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

}  // namespace

double ThreadCpuSeconds() {
  timespec t{};
  if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) != 0) {
    throw std::runtime_error("cannot read this thread's CPU time");
  }
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double RssMb(pid_t pid) {
  double kb = StatusField("/proc/" + std::to_string(pid) + "/status", "VmRSS");
  if (kb < 0) throw std::runtime_error("cannot read the daemon's VmRSS");
  return kb / 1024;
}

int ThreadCount(pid_t pid) {
  double n = StatusField("/proc/" + std::to_string(pid) + "/status", "Threads");
  if (n < 0) throw std::runtime_error("cannot read the daemon's thread count");
  return static_cast<int>(n);
}

std::map<std::string, int> ThreadsByName(pid_t pid) {
  std::map<std::string, int> out;
  for (const auto& [tid, thread] : ContextSwitches(pid)) ++out[thread.first];
  return out;
}

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

}  // namespace attune::bench
