#include "daemon/plugins/launcher.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

extern char** environ;

namespace attune {
namespace {

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

// Closes every descriptor >= `from` except `keep`.
void CloseFrom(int from, int keep) {
  bool ok = true;
  if (keep > from) ok = ::syscall(SYS_close_range, from, keep - 1, 0) == 0;
  ok = ok && ::syscall(SYS_close_range, keep + 1, ~0U, 0) == 0;
  if (!ok) {  // kernels before 5.9
    for (int fd = from; fd < 65536; ++fd) {
      if (fd != keep) ::close(fd);
    }
  }
}

// What a child reports through the error pipe when it cannot start the
// plugin: the step that failed and its errno.
enum ChildStep : int {
  kStepSetup = 1,        // pipes, signals, descriptors
  kStepNamespaces = 2,   // the user, PID and mount namespaces
  kStepFork = 3,         // forking the namespace's init or the plugin
  kStepProc = 4,         // mounting the namespace's own /proc
  kStepLimits = 5,       // the resource limits
  kStepFileConfine = 6,  // Landlock
  kStepSeccomp = 7,      // the seccomp filter
  kStepChdir = 8,        // its working folder
  kStepExec = 9,         // execve
};

struct ChildError {
  int step;
  int err;
};

[[noreturn]] void Fail(int error_w, int step, int err) {
  ChildError e{step, err};
  ssize_t ignored = ::write(error_w, &e, sizeof e);
  (void)ignored;
  ::_exit(127);
}

// Every signal to its default action and none blocked (the daemon blocks or
// ignores some), or, with `ignore_stop`, SIGTERM, SIGINT and SIGHUP ignored:
// the daemon's "please stop" is for the plugin, which the intermediate
// processes outlive by a moment.
void ResetSignals(bool ignore_stop) {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction act;
  std::memset(&act, 0, sizeof act);
  for (int sig = 1; sig < NSIG; ++sig) {
    bool ignore = ignore_stop && (sig == SIGTERM || sig == SIGINT || sig == SIGHUP);
    act.sa_handler = ignore ? SIG_IGN : SIG_DFL;
    ::sigaction(sig, &act, nullptr);
  }
}

// Writes `text` to the file `path` (a /proc file of this process).
int WriteFile(const char* path, const char* text, size_t len) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ssize_t n = ::write(fd, text, len);
  int e = n == static_cast<ssize_t>(len) ? 0 : (n < 0 ? errno : EIO);
  ::close(fd);
  return e;
}

// Formats "ID ID 1\n" into `out` (async-signal-safe); returns its length.
size_t MapLine(unsigned id, char* out) {
  char digits[16];
  size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + id % 10);
    id /= 10;
  } while (id != 0);
  size_t len = 0;
  for (int twice = 0; twice < 2; ++twice) {
    for (size_t i = n; i > 0; --i) out[len++] = digits[i - 1];
    out[len++] = ' ';
  }
  out[len++] = '1';
  out[len++] = '\n';
  return len;
}

enum class Isolation { kNone, kPid, kUserAndPid };

// The kernel never applies RLIMIT_NPROC to user 0, so a daemon running as
// root gives its plugin's namespace a user of its own outside: root (0)
// inside is kRootPluginUid outside, a user id no account has, and root's
// own files show as user 1 inside. The plugin, root of its namespace over
// ids mapped in it, reads and runs root's files as before, while the
// processes it starts count against its limit. It can neither become user 1
// (root outside) nor make a file that would run as root: CAP_SETUID,
// CAP_SETGID, CAP_CHOWN, CAP_FOWNER, CAP_FSETID and CAP_SETFCAP leave its
// bounding set, and no_new_privs is required. Where that id cannot be mapped
// (a container given fewer ids), root maps to itself, as for other users,
// and the plugin has no process limit.
constexpr char kRootPluginMap[] = "0 2147483646 1\n1 0 1\n";
constexpr char kSelfMap[] = "0 0 1\n";
static_assert(kRootPluginUid == 2147483646, "kRootPluginMap names it");

// Writes "/proc/PID/NAME" into `out` (async-signal-safe).
void ProcPath(pid_t pid, const char* name, char* out) {
  char digits[16];
  size_t n = 0;
  unsigned v = static_cast<unsigned>(pid);
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  size_t len = 0;
  for (const char* c = "/proc/"; *c != '\0'; ++c) out[len++] = *c;
  while (n > 0) out[len++] = digits[--n];
  out[len++] = '/';
  for (const char* c = name; *c != '\0'; ++c) out[len++] = *c;
  out[len] = '\0';
}

// Written by a root daemon's first child, for `init` that it has just
// cloned into a new user namespace (only a writer holding CAP_SETUID in the
// parent namespace may map ids other than its own): kRootPluginMap, or where
// the system refuses it, root to itself. Sets *mapped to which. Returns 0 or
// an errno.
int WriteRootPluginMaps(pid_t init, bool* mapped) {
  char path[48];
  ProcPath(init, "setgroups", path);
  int e = WriteFile(path, "deny", 4);
  if (e != 0) return e;
  // A map is written once: uid_map first, and gid_map only as uid_map went.
  ProcPath(init, "uid_map", path);
  *mapped = WriteFile(path, kRootPluginMap, sizeof kRootPluginMap - 1) == 0;
  if (!*mapped && (e = WriteFile(path, kSelfMap, sizeof kSelfMap - 1)) != 0) return e;
  ProcPath(init, "gid_map", path);
  return *mapped ? WriteFile(path, kRootPluginMap, sizeof kRootPluginMap - 1)
                 : WriteFile(path, kSelfMap, sizeof kSelfMap - 1);
}

// Maps the calling process's user id `uid` and group id `gid` to themselves
// in the user namespace it has just entered. Returns 0 or an errno.
int WriteIdMaps(unsigned uid, unsigned gid) {
  // Our own /proc files are root's while we are not dumpable (a daemon that
  // set PR_SET_DUMPABLE 0, or changed its user): make them ours to write the
  // maps, then not dumpable again, so that nothing in the namespace can read
  // this copy of the daemon's memory.
  ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  char line[40];
  int e = WriteFile("/proc/self/setgroups", "deny", 4);
  if (e == 0) e = WriteFile("/proc/self/uid_map", line, MapLine(uid, line));
  if (e == 0) e = WriteFile("/proc/self/gid_map", line, MapLine(gid, line));
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  return e;
}

// fork() into new namespaces (`flags`, CLONE_NEW*): clone(2) without
// CLONE_VM, as the raw system call.
pid_t ForkInto(unsigned long flags) {
  return static_cast<pid_t>(::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, 0));
}

// Puts the calling process into new user, PID and mount namespaces, its own
// user id and group id mapped to themselves; where the kernel refuses a
// user namespace, into new PID and mount namespaces alone (which needs
// CAP_SYS_ADMIN: root). Its next child is PID 1 of the new PID namespace.
// Returns kNone, changing nothing, when neither is allowed; ends the process
// (reporting why) when a user namespace was made but its maps could not be
// written. A process with more than one thread cannot unshare its user
// namespace (EINVAL: a sanitizer's background thread in a forked child):
// then *in_clone is set, the namespaces are left to the next fork
// (ForkInto), and the child writes its own maps. As root (`as_root`), the
// namespaces are always left to the next fork, whose maps the parent writes
// (kRootPluginMap).
Isolation EnterNamespaces(int error_w, bool as_root, bool* in_clone) {
  *in_clone = false;
  if (as_root) {
    *in_clone = true;
    return Isolation::kUserAndPid;
  }
  unsigned uid = ::geteuid(), gid = ::getegid();  // inside, unmapped ids read 65534
  if (::unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS) == 0) {
    if (int e = WriteIdMaps(uid, gid)) Fail(error_w, kStepNamespaces, e);
    return Isolation::kUserAndPid;
  }
  if (errno == EINVAL) {
    *in_clone = true;
    return Isolation::kUserAndPid;
  }
  if (::unshare(CLONE_NEWPID | CLONE_NEWNS) == 0) {
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    return Isolation::kPid;
  }
  return Isolation::kNone;
}

// Waits for `child`, reaping every other child on the way (as PID 1 of a
// namespace, orphans of the plugin come here). Returns its wait status.
int WaitFor(pid_t child) {
  while (true) {
    int status = 0;
    pid_t got = ::waitpid(-1, &status, __WALL);
    if (got == child) return status;
    if (got < 0 && errno != EINTR) return 0;
  }
}

// The plugin itself, then exec; `own_user_namespace` when the plugin is in
// a user namespace of its own, `root_mapped` when that namespace has
// kRootPluginMap. Everything before exec is async-signal-safe (the daemon is
// multi-threaded, so its forked copies may only make system calls).
[[noreturn]] void RunPlugin(const LaunchSpec& spec, char* const* argv, char* const* envp,
                            int stdout_w, int stderr_w, int devnull, int error_w,
                            bool own_user_namespace, bool root_mapped) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) Fail(error_w, kStepSetup, errno);
  ResetSignals(false);
  // Inside, user 1 is root outside: exec grants no way to become it, or to
  // leave a file that runs as it (kRootPluginMap).
  if (root_mapped) {
    for (int cap : {CAP_SETUID, CAP_SETGID, CAP_CHOWN, CAP_FOWNER, CAP_FSETID, CAP_SETFCAP}) {
      if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) Fail(error_w, kStepNamespaces, errno);
    }
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) Fail(error_w, kStepNamespaces, errno);
  }
  if (::dup2(devnull, STDIN_FILENO) < 0 || ::dup2(stdout_w, STDOUT_FILENO) < 0 ||
      ::dup2(stderr_w, STDERR_FILENO) < 0) {
    Fail(error_w, kStepSetup, errno);
  }
  PluginLimits limits = spec.limits;
  // Outside a user namespace of its own, RLIMIT_NPROC would count every
  // process of the daemon's user: the plugin could not start a thread.
  if (!own_user_namespace) limits.processes = 0;
  SandboxStep step = SandboxStep::kLimits;
  if (int e = ApplyPluginLimitsInChild(limits, spec.allowed_paths.data(), spec.allowed_paths.size(),
                                       &step)) {
    Fail(error_w,
         step == SandboxStep::kSeccomp       ? kStepSeccomp
         : step == SandboxStep::kFileConfine ? kStepFileConfine
                                             : kStepLimits,
         e);
  }
  if (::chdir(spec.working_dir.c_str()) != 0) Fail(error_w, kStepChdir, errno);
  // Close everything else but the error pipe (close-on-exec).
  CloseFrom(3, error_w);
  ::execve(spec.executable.c_str(), argv, envp);
  Fail(error_w, kStepExec, errno);
}

// The first child of the daemon. It starts a new session (no controlling
// terminal, its own process group), enters new namespaces where it can,
// forks the namespace's init (PID 1), which forks the plugin. When the
// plugin ends, the init writes its wait status to `status_w` and exits,
// and the kernel kills whatever else is left in the namespace.
[[noreturn]] void RunChild(const LaunchSpec& spec, char* const* argv, char* const* envp,
                           int stdout_w, int stderr_w, int devnull, int error_w, int status_w,
                           pid_t parent) {
  if (::setsid() < 0) Fail(error_w, kStepSetup, errno);
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) Fail(error_w, kStepSetup, errno);
  // The daemon may have died between fork and prctl.
  if (::getppid() != parent) ::_exit(127);
  ResetSignals(true);
  const bool as_root = ::geteuid() == 0;
  bool in_clone = false;
  Isolation isolation =
      spec.own_namespaces ? EnterNamespaces(error_w, as_root, &in_clone) : Isolation::kNone;
  unsigned uid = ::geteuid(), gid = ::getegid();  // not in a new user namespace yet
  // As root, the init waits on `maps` until its parent has written its
  // maps, and the parent holds it open as long as it lives.
  int maps[2] = {-1, -1};
  if (in_clone && as_root) {
    if (::pipe2(maps, O_CLOEXEC) != 0) Fail(error_w, kStepSetup, errno);
    // The daemon's supplementary groups (root's) stay out of the namespace.
    // Best effort: a root without CAP_SETGID keeps them, as before.
    ::syscall(SYS_setgroups, 0, nullptr);
  }
  pid_t init = -1;
  if (in_clone) {
    init = ForkInto(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS);
    if (init < 0) {
      // No user namespace after all (refused, or none left); any other
      // failure is not a reason to run the plugin with fewer walls.
      if (errno != EPERM && errno != ENOSPC && errno != EUSERS && errno != EINVAL) {
        Fail(error_w, kStepFork, errno);
      }
      in_clone = false;
      isolation = ::unshare(CLONE_NEWPID | CLONE_NEWNS) == 0 ? Isolation::kPid : Isolation::kNone;
    }
  }
  const bool parent_maps = in_clone && as_root;
  bool root_mapped = false;
  bool isolated = isolation != Isolation::kNone;
  if (!in_clone) init = ::fork();
  if (init < 0) Fail(error_w, kStepFork, errno);
  if (init > 0) {
    if (parent_maps) {
      ::close(maps[0]);
      if (int e = WriteRootPluginMaps(init, &root_mapped)) {
        ::kill(init, SIGKILL);
        Fail(error_w, kStepNamespaces, e);
      }
      ssize_t ignored = ::write(maps[1], root_mapped ? "m" : "s", 1);
      (void)ignored;
      // maps[1] stays open until this process ends: the init sees it end.
    }
    // Only the init and the plugin report from here on.
    ::close(error_w);
    ::close(stdout_w);
    ::close(stderr_w);
    ::close(status_w);
    ::close(devnull);
    int status = WaitFor(init);
    ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  }
  // The init: PID 1 of the new PID namespace when `isolated`. It dies with
  // the first child (and so with the daemon); the whole namespace with it.
  // (Should the first child die before this prctl, the daemon's Kill of the
  // process group still reaches it.)
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) Fail(error_w, kStepSetup, errno);
  if (parent_maps) {
    ::close(maps[1]);
    char written = 0;
    if (::read(maps[0], &written, 1) != 1) ::_exit(127);  // the parent said why
    root_mapped = written == 'm';
    if (root_mapped) {
      // Become root of the namespace: user kRootPluginUid outside, whose
      // processes RLIMIT_NPROC counts. (Raw system calls: glibc's would
      // signal the daemon's other threads, which this copy does not have.)
      if (::syscall(SYS_setresgid, 0, 0, 0) != 0 || ::syscall(SYS_setresuid, 0, 0, 0) != 0) {
        Fail(error_w, kStepNamespaces, errno);
      }
      // A change of user clears the parent-death signal: set it again, and
      // end here if the parent died in between (its end of `maps` closed).
      if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) Fail(error_w, kStepSetup, errno);
      struct pollfd parent_alive = {maps[0], POLLIN, 0};
      if (::poll(&parent_alive, 1, 0) != 0) ::_exit(127);
    }
    ::close(maps[0]);
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  } else if (in_clone) {
    if (int e = WriteIdMaps(uid, gid)) Fail(error_w, kStepNamespaces, e);
  }
  if (isolated) {
    // A /proc of this namespace only: the daemon and every other process of
    // the machine are not in it.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
      Fail(error_w, kStepProc, errno);
    }
  }
  pid_t plugin = ::fork();
  if (plugin < 0) Fail(error_w, kStepFork, errno);
  if (plugin == 0) {
    RunPlugin(spec, argv, envp, stdout_w, stderr_w, devnull, error_w,
              isolation == Isolation::kUserAndPid, root_mapped);
  }
  ::close(error_w);
  ::close(stdout_w);
  ::close(stderr_w);
  ::close(devnull);
  int status = WaitFor(plugin);
  ssize_t ignored = ::write(status_w, &status, sizeof status);
  (void)ignored;
  ::_exit(0);
}

const char* DescribeStep(int step) {
  switch (step) {
    case kStepNamespaces:
      return "cannot enter its namespaces";
    case kStepFork:
      return "cannot fork";
    case kStepProc:
      return "cannot mount its own /proc";
    case kStepLimits:
      return "cannot set its resource limits";
    case kStepFileConfine:
      return "cannot confine its files (Landlock)";
    case kStepSeccomp:
      return "the seccomp filter could not be installed, so it was not started";
    case kStepChdir:
      return "cannot enter its folder";
    case kStepExec:
      return "cannot execute it";
    default:
      return "cannot set it up";
  }
}

}  // namespace

absl::StatusOr<ChildProcess> SpawnChild(const LaunchSpec& spec) {
  // Everything the child needs is built before fork.
  std::vector<std::string> args_store;
  args_store.push_back(spec.executable);
  for (const auto& a : spec.args) args_store.push_back(a);
  std::vector<char*> argv;
  for (auto& a : args_store) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_store = spec.env;
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);

  int out[2], logs[2], err[2], status[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    return absl::ResourceExhaustedError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  if (::pipe2(logs, O_CLOEXEC) != 0) {
    for (int fd : {out[0], out[1]}) ::close(fd);
    return absl::ResourceExhaustedError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    for (int fd : {out[0], out[1], logs[0], logs[1]}) ::close(fd);
    return absl::ResourceExhaustedError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  if (::pipe2(status, O_CLOEXEC) != 0) {
    for (int fd : {out[0], out[1], logs[0], logs[1], err[0], err[1]}) ::close(fd);
    return absl::ResourceExhaustedError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  // Read once the first child has ended; the init may be a moment behind.
  ::fcntl(status[0], F_SETFL, O_NONBLOCK);
  int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  // A plugin's stderr is a pipe the daemon reads, never the daemon's own:
  // that may be a terminal (which the plugin could type into with TIOCSTI)
  // or the journal (which must not hold what a plugin prints).
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    RunChild(spec, argv.data(), envp.data(), out[1], logs[1], devnull, err[1], status[1], parent);
  }
  int fork_errno = errno;
  ::close(out[1]);
  ::close(logs[1]);
  ::close(err[1]);
  ::close(status[1]);
  if (devnull >= 0) ::close(devnull);
  if (pid < 0) {
    ::close(out[0]);
    ::close(logs[0]);
    ::close(err[0]);
    ::close(status[0]);
    return absl::ResourceExhaustedError(absl::StrCat("fork: ", std::strerror(fork_errno)));
  }
  // The error pipe ends when the plugin has exec'd (close-on-exec) and the
  // processes between have closed their copies; or it says what failed.
  ChildError child_error{0, 0};
  ssize_t n;
  do {
    n = ::read(err[0], &child_error, sizeof child_error);
  } while (n < 0 && errno == EINTR);
  ::close(err[0]);
  if (n == sizeof child_error) {
    // The child failed before or at exec, and has exited (or is exiting).
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ::close(out[0]);
    ::close(logs[0]);
    ::close(status[0]);
    return absl::FailedPreconditionError(absl::StrCat("cannot run ", spec.executable, ": ",
                                                      DescribeStep(child_error.step), ": ",
                                                      std::strerror(child_error.err)));
  }
  return ChildProcess{pid, out[0], logs[0], status[0]};
}

Launcher::Launcher() : thread_([this] { Loop(); }) {}

Launcher::~Launcher() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void Launcher::Loop() {
  while (true) {
    std::function<void()> job;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Launcher* l)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(l->mu_) { return l->stopping_ || !l->jobs_.empty(); },
          this));
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

absl::StatusOr<ChildProcess> Launcher::Spawn(const LaunchSpec& spec) {
  // Shared with the job, so neither side outlives what it touches.
  struct Pending {
    absl::Mutex mu;
    std::optional<absl::StatusOr<ChildProcess>> result ABSL_GUARDED_BY(mu);
  };
  auto pending = std::make_shared<Pending>();
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::UnavailableError("the daemon is stopping");
    jobs_.push_back([pending, spec] {
      auto r = SpawnChild(spec);
      absl::MutexLock done(&pending->mu);
      pending->result = std::move(r);
    });
  }
  absl::MutexLock done(&pending->mu);
  pending->mu.Await(absl::Condition(
      +[](Pending* p) ABSL_NO_THREAD_SAFETY_ANALYSIS { return p->result.has_value(); },
      pending.get()));
  return *std::move(pending->result);
}

std::string DescribeProcessIsolation() {
  pid_t pid = ::fork();
  if (pid == 0) {
    // Async-signal-safe only: the daemon is multi-threaded.
    if (::geteuid() == 0) {
      // As the launcher does for root: a namespace whose maps the parent
      // writes; 0 when kRootPluginMap took, 3 when root maps to itself.
      int wait_pipe[2];
      if (::pipe2(wait_pipe, O_CLOEXEC) == 0) {
        pid_t probe = ForkInto(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS);
        if (probe == 0) {
          char c;
          ::close(wait_pipe[1]);
          ssize_t ignored = ::read(wait_pipe[0], &c, 1);
          (void)ignored;
          ::_exit(0);
        }
        if (probe > 0) {
          bool mapped = false;
          int e = WriteRootPluginMaps(probe, &mapped);
          ::close(wait_pipe[1]);
          ::waitpid(probe, nullptr, 0);
          if (e == 0) ::_exit(mapped ? 0 : 3);
        }
      }
    }
    if (::unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS) == 0) ::_exit(0);
    if (errno == EINVAL) {  // more than one thread (a sanitizer's): as the launcher does
      pid_t probe = ForkInto(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS);
      if (probe == 0) ::_exit(0);
      if (probe > 0 && ::waitpid(probe, nullptr, 0) == probe) ::_exit(0);
    }
    if (::unshare(CLONE_NEWPID | CLONE_NEWNS) == 0) ::_exit(1);
    ::_exit(2);
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) status = 2 << 8;
  switch (WEXITSTATUS(status)) {
    case 0:
      return ::geteuid() == 0 ? "plugins run in their own user, PID and mount namespaces, as user "
                                "2147483646 outside them, so that their process limit holds"
                              : "plugins run in their own user, PID and mount namespaces";
    case 3:
      return "plugins run in their own user, PID and mount namespaces, but as root outside them "
             "(this system cannot map user 2147483646), so without a process limit: the kernel "
             "does not apply RLIMIT_NPROC to root";
    case 1:
      return "plugins run in their own PID and mount namespaces (this kernel refuses a user "
             "namespace; being root, the daemon needs none), without a process limit: the "
             "kernel does not apply RLIMIT_NPROC to root";
    default:
      return "plugins run without namespaces of their own: this kernel refuses unprivileged user "
             "namespaces, so a process a plugin starts in a session of its own can outlive it "
             "and the daemon, and a plugin can see the daemon's /proc files";
  }
}

std::vector<std::string> PassedEnvironment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    absl::string_view kv(*e);
    if (absl::StartsWith(kv, "PATH=") || absl::StartsWith(kv, "HOME=") ||
        absl::StartsWith(kv, "LANG=") || absl::StartsWith(kv, "LC_") ||
        absl::StartsWith(kv, "TZ=") || absl::StartsWith(kv, "ASAN_OPTIONS=") ||
        absl::StartsWith(kv, "UBSAN_OPTIONS=") || absl::StartsWith(kv, "LSAN_OPTIONS=") ||
        absl::StartsWith(kv, "TSAN_OPTIONS=")) {
      out.emplace_back(*e);
    }
  }
  return out;
}

}  // namespace attune
