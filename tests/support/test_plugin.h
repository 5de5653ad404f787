// Helpers for tests of the plugin host: plugin folders made from the
// misbehaving test plugin (tests/plugins/test-plugin), the child processes
// of the test, and waiting for a condition.
//
// Needs ATTUNE_TEST_PLUGIN_PATH, the path of attune-test-plugin.
#ifndef ATTUNE_TESTS_SUPPORT_TEST_PLUGIN_H_
#define ATTUNE_TESTS_SUPPORT_TEST_PLUGIN_H_

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <thread>

namespace attune::testing {

// Makes `parent`/`id`: the test plugin (a symlink) with a manifest that
// starts it as `id` in `mode` (see tests/plugins/test-plugin/main.cc),
// asking for `permissions` ("check_in,appreciation"), its exercise ids
// starting with `prefix` (ids must be unique across plugins). Returns the folder, or
// "" when the manifest could not be written.
inline std::string MakeTestPlugin(const std::string& parent, const std::string& id,
                                  const std::string& mode = "normal",
                                  const std::string& permissions = "",
                                  const std::string& version = "1.0.0",
                                  const std::string& prefix = "test-") {
  std::string folder = parent + "/" + id;
  std::filesystem::create_directories(folder);
  std::error_code ec;
  std::filesystem::create_symlink(ATTUNE_TEST_PLUGIN_PATH, folder + "/attune-test-plugin", ec);
  std::string command = std::string("'") + ATTUNE_TEST_PLUGIN_PATH + "' --id " + id + " --mode " +
                        mode + " --version " + version + " --prefix " + prefix +
                        (permissions.empty() ? "" : " --permissions " + permissions) +
                        " --write-manifest '" + folder + "/manifest.textproto'";
  return std::system(command.c_str()) == 0 ? folder : "";
}

// Polls `condition` until it holds or `timeout` passes; true if it held.
inline bool Eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

// Whether `pid` names a process that has not ended (a zombie, ended but not
// yet reaped by its parent, counts as ended).
inline bool ProcessAlive(int pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  // Read with read(2): a process reaped between kill() and here makes the
  // read fail with ESRCH, which std::ifstream turns into an exception.
  int fd = ::open(("/proc/" + std::to_string(pid) + "/stat").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buffer[512];
  ssize_t got = ::read(fd, buffer, sizeof buffer);
  ::close(fd);
  if (got <= 0) return false;
  std::string text(buffer, static_cast<size_t>(got));
  size_t paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 >= text.size()) return false;
  return text[paren + 2] != 'Z' && text[paren + 2] != 'X';
}

// The pids of the children of process `pid` (of this process by default)
// that have not ended.
inline std::set<int> ChildPids(int pid = 0) {
  std::set<int> out;
  std::string tasks = pid == 0 ? "/proc/self/task" : "/proc/" + std::to_string(pid) + "/task";
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
    std::ifstream in(task.path() / "children");
    int child;
    while (in >> child) {
      if (ProcessAlive(child)) out.insert(child);
    }
  }
  return out;
}

// The pids of the processes whose name (/proc/PID/comm) is `name`.
inline std::set<int> PidsNamed(const std::string& name) {
  std::set<int> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string pid = entry.path().filename().string();
    if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "comm");
    std::string comm;
    if (std::getline(in, comm) && comm == name && ProcessAlive(std::stoi(pid))) {
      out.insert(std::stoi(pid));
    }
  }
  return out;
}

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_SUPPORT_TEST_PLUGIN_H_
