#include "daemon/plugins/launcher.h"

#include <fcntl.h>
#include <signal.h>
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

// Everything the child does before exec is async-signal-safe: the parent is
// multi-threaded, so the child may only make system calls.
[[noreturn]] void RunChild(const LaunchSpec& spec, char* const* argv, char* const* envp,
                           int stdout_w, int devnull, int error_w, pid_t parent) {
  auto fail = [&](int err) {
    ssize_t ignored = ::write(error_w, &err, sizeof err);
    (void)ignored;
    ::_exit(127);
  };
  ::setpgid(0, 0);
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(errno);
  // The daemon may have died between fork and prctl.
  if (::getppid() != parent) ::_exit(127);
  // Signals the daemon blocks or ignores must not stay so in the plugin.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);

  if (::dup2(devnull, STDIN_FILENO) < 0 || ::dup2(stdout_w, STDOUT_FILENO) < 0) fail(errno);
  if (int e = ApplyPluginLimitsInChild(spec.limits, spec.allowed_paths.data(),
                                       spec.allowed_paths.size())) {
    fail(e);
  }
  if (::chdir(spec.working_dir.c_str()) != 0) fail(errno);
  // Close everything else but the error pipe (close-on-exec).
  CloseFrom(3, error_w);
  ::execve(spec.executable.c_str(), argv, envp);
  fail(errno);
  ::_exit(127);
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

  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    return absl::ResourceExhaustedError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return absl::ResourceExhaustedError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    RunChild(spec, argv.data(), envp.data(), out[1], devnull, err[1], parent);
  }
  int fork_errno = errno;
  ::close(out[1]);
  ::close(err[1]);
  if (devnull >= 0) ::close(devnull);
  if (pid < 0) {
    ::close(out[0]);
    ::close(err[0]);
    return absl::ResourceExhaustedError(absl::StrCat("fork: ", std::strerror(fork_errno)));
  }
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(err[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(err[0]);
  if (n == sizeof child_errno) {
    // The child failed before or at exec, and has exited.
    ::waitpid(pid, nullptr, 0);
    ::close(out[0]);
    return absl::FailedPreconditionError(
        absl::StrCat("cannot run ", spec.executable, ": ", std::strerror(child_errno)));
  }
  return ChildProcess{pid, out[0]};
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

std::vector<std::string> PassedEnvironment() {
  std::vector<std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    absl::string_view kv(*e);
    if (absl::StartsWith(kv, "PATH=") || absl::StartsWith(kv, "HOME=") ||
        absl::StartsWith(kv, "LANG=") || absl::StartsWith(kv, "LC_") ||
        absl::StartsWith(kv, "TZ=") || absl::StartsWith(kv, "TMPDIR=") ||
        absl::StartsWith(kv, "ASAN_OPTIONS=") || absl::StartsWith(kv, "UBSAN_OPTIONS=") ||
        absl::StartsWith(kv, "LSAN_OPTIONS=") || absl::StartsWith(kv, "TSAN_OPTIONS=")) {
      out.emplace_back(*e);
    }
  }
  return out;
}

}  // namespace attune
