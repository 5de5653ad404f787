// Starting a plugin's executable as a child process, three processes deep:
//
//   daemon -> first child: a new session (no controlling terminal, its own
//             process group), then new user, PID and mount namespaces where
//             the kernel allows (see SECURITY.md, "A plugin")
//          -> init: PID 1 of the new PID namespace, with a /proc of its own
//          -> the plugin: stdin from /dev/null, stdout into a pipe the daemon
//             reads (the handshake), stderr into another, a small
//             environment, resource limits, Landlock and a seccomp filter
//             (sandbox.h); exec.
//
// Each has PR_SET_PDEATHSIG (SIGKILL) toward its parent, so when the daemon
// dies, even by SIGKILL, the first child dies, then the init, and with the
// init the kernel kills everything in the namespace, whatever session or
// process group it moved to. Killing the first child's process group does
// the same. The two copies of the daemon between it and the plugin make only
// async-signal-safe calls (the daemon is multi-threaded), never exec, and
// are not dumpable (nothing in the plugin's namespace can read their memory).
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

// The user id outside its namespaces that a plugin of a daemon running as
// root has (root inside): one no account has, since the kernel never applies
// RLIMIT_NPROC to root. Root's files show as user 1 inside, so the plugin
// reads and runs what it could as root; it cannot become user 1.
inline constexpr unsigned kRootPluginUid = 2147483646;

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
  // New user, PID and mount namespaces where the kernel allows (or PID and
  // mount alone, for root, when it refuses a user namespace); without, the
  // plugin runs in the daemon's.
  bool own_namespaces = true;
};

struct ChildProcess {
  // The first child (above): signal its process group, wait for it.
  pid_t pid = -1;
  // Read end of the plugin's stdout (O_CLOEXEC). The caller closes it.
  int stdout_fd = -1;
  // Read end of the plugin's stderr (O_CLOEXEC). The caller closes it.
  int stderr_fd = -1;
  // Read end (O_CLOEXEC) of a pipe on which the init writes the plugin's
  // wait status (an int, as waitpid gives it) when the plugin has ended; it
  // is empty when the processes were killed first. The caller closes it.
  int status_fd = -1;
};

// Forks and execs on the calling thread. Fails with FAILED_PRECONDITION and
// the reason when the program cannot be run: a step of the setup (the
// namespaces, the limits, Landlock, the seccomp filter) or exec failed, and
// the plugin did not run.
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

// A line for the log on the namespaces plugins get here (it tries them in
// a child process): their own user, PID and mount namespaces; PID and mount
// alone; or none, and what then does not hold (SECURITY.md).
std::string DescribeProcessIsolation();

// The environment a plugin gets from the daemon's: PATH, HOME, LANG, LC_*,
// TZ, and sanitizer options; nothing else (its TMPDIR is a folder of its own,
// set by PluginProcess).
std::vector<std::string> PassedEnvironment();

}  // namespace attune

#endif  // ATTUNE_DAEMON_PLUGINS_LAUNCHER_H_
