// Starting a plugin's executable as a child process: a new process group,
// stdin from /dev/null, stdout into a pipe the daemon reads (the handshake),
// stderr shared with the daemon's, a small environment, resource limits, and
// PR_SET_PDEATHSIG so the child is killed when the daemon dies, even by
// SIGKILL.
//
// PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, not
// the process. gRPC's threads come and go, so every fork happens on the
// Launcher's own thread, which lives as long as the daemon.
#ifndef ATTUNE_DAEMON_PLUGINS_LAUNCHER_H_
#define ATTUNE_DAEMON_PLUGINS_LAUNCHER_H_

#include <sys/types.h>

#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "daemon/plugins/sandbox.h"

namespace attune {

struct LaunchSpec {
  // Full path of the program, and its arguments (argv[0] is added).
  std::string executable;
  std::vector<std::string> args;
  // The whole environment of the child, "NAME=value".
  std::vector<std::string> env;
  // Its working folder.
  std::string working_dir;
  PluginLimits limits;
  // The only paths it may use when limits.confine_files (see sandbox.h).
  std::vector<AllowedPath> allowed_paths;
};

struct ChildProcess {
  pid_t pid = -1;
  // Read end of the child's stdout (O_CLOEXEC). The caller closes it.
  int stdout_fd = -1;
};

// Forks and execs on the calling thread. Fails with the reason when the
// program cannot be executed (the child's errno is reported back).
absl::StatusOr<ChildProcess> SpawnChild(const LaunchSpec& spec);

// Runs SpawnChild on one long-lived thread. Thread-safe.
class Launcher {
 public:
  Launcher();
  // Ends the thread. Children it started are not touched.
  ~Launcher();
  Launcher(const Launcher&) = delete;
  Launcher& operator=(const Launcher&) = delete;

  absl::StatusOr<ChildProcess> Spawn(const LaunchSpec& spec);

 private:
  void Loop();

  absl::Mutex mu_;
  std::deque<std::function<void()>> jobs_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// The environment a plugin gets from the daemon's: PATH, HOME, LANG, LC_*,
// TZ, TMPDIR, and sanitizer options; nothing else.
std::vector<std::string> PassedEnvironment();

}  // namespace attune

#endif  // ATTUNE_DAEMON_PLUGINS_LAUNCHER_H_
