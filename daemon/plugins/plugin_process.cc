#include "daemon/plugins/plugin_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "daemon/base/log.h"
#include "daemon/plugins/handshake.h"

namespace attune {
namespace {

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

int MillisUntil(absl::Time deadline) {
  absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, 60000));
}

// Reads the first line the process prints, up to `deadline`. The bytes
// after it are left in `rest`.
absl::StatusOr<std::string> ReadHandshakeLine(int fd, absl::Time deadline, std::string* rest) {
  std::string buffer;
  while (true) {
    size_t nl = buffer.find('\n');
    if (nl != std::string::npos) {
      *rest = buffer.substr(nl + 1);
      return buffer.substr(0, nl);
    }
    if (buffer.size() > kMaxHandshakeBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("the plugin printed \"", Excerpt(buffer),
                       "\" without a line break instead of its handshake line"));
    }
    int wait = MillisUntil(deadline);
    if (wait == 0) {
      return absl::DeadlineExceededError(
          buffer.empty() ? "the plugin printed no handshake line in time (if it prints one, "
                           "it may not flush it: in Python, print(..., flush=True))"
                         : absl::StrCat("the plugin printed \"", Excerpt(buffer),
                                        "\" but no complete handshake line in time"));
    }
    struct pollfd p = {fd, POLLIN, 0};
    int r = ::poll(&p, 1, wait);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    char chunk[512];
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::UnavailableError(buffer.empty()
                                        ? "the plugin ended before printing its handshake line"
                                        : absl::StrCat("the plugin printed \"", Excerpt(buffer),
                                                       "\" and ended before a handshake line"));
    }
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace

std::string DescribeExit(int code, int status) {
  if (code == CLD_EXITED) return absl::StrCat("exited with status ", status);
  const char* name = ::strsignal(status);
  return absl::StrCat("was killed by signal ", status, " (", name ? name : "?", ")");
}

absl::StatusOr<std::shared_ptr<PluginProcess>> PluginProcess::Start(
    const FoundPlugin& plugin, const PluginProcessOptions& options, Launcher& launcher) {
  const auto& manifest = plugin.manifest;
  absl::Time deadline = absl::Now() + options.start_timeout;
  std::shared_ptr<PluginProcess> p(new PluginProcess());
  p->plugin_id_ = manifest.id();
  p->version_ = manifest.version();
  p->fingerprint_ = plugin.fingerprint;

  std::string tmpl = absl::StrCat(options.runtime_dir, "/", manifest.id(), ".XXXXXX");
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot make a folder for the plugin's socket in ",
                                               options.runtime_dir, ": ", std::strerror(errno)));
  }
  p->folder_ = tmpl;  // mkdtemp makes it 0700
  // Its own temporary folder ($TMPDIR), inside the one it may write to, so
  // that mkstemp and Python's tempfile work under Landlock; removed with it.
  const std::string tmp = p->folder_ + "/tmp";
  if (::mkdir(tmp.c_str(), 0700) != 0) {
    std::error_code ec;
    std::filesystem::remove_all(p->folder_, ec);
    return absl::UnavailableError(absl::StrCat("cannot make the plugin's temporary folder ", tmp,
                                               ": ", std::strerror(errno)));
  }

  LaunchSpec spec;
  spec.executable = plugin.executable;
  spec.args.assign(manifest.args().begin(), manifest.args().end());
  spec.env = PassedEnvironment();
  spec.env.push_back(absl::StrCat(kPluginCookieEnv, "=", kPluginCookieValue));
  spec.env.push_back(absl::StrCat(kPluginSocketDirEnv, "=", p->folder_));
  spec.env.push_back(absl::StrCat("TMPDIR=", tmp));
  spec.env.push_back(absl::StrCat(kPluginProtocolVersionsEnv, "=", kPluginProtocolVersion));
  spec.working_dir = plugin.folder;
  spec.limits = options.limits;
  spec.allowed_paths = PluginAllowedPaths(plugin.folder, plugin.executable, p->folder_);
  auto child = launcher.Spawn(spec);
  if (!child.ok()) return child.status();
  p->pid_ = child->pid;
  p->status_fd_ = child->status_fd;

  std::string rest;
  auto line = ReadHandshakeLine(child->stdout_fd, deadline, &rest);
  // From here on the watcher owns the pipe and reaps the process, so every
  // failure below only has to kill it.
  p->log_ =
      std::make_unique<PluginLog>(options.log_dir, manifest.id(), manifest.version(), p->pid_);
  p->watcher_ = std::thread([raw = p.get(), out = child->stdout_fd, err = child->stderr_fd, rest] {
    raw->Watch(out, err, rest);
  });
  auto fail = [&](absl::Status s) -> absl::Status {
    // A plugin that closed its stdout has most likely ended: the init is
    // about to report how; a kill now would leave only "killed by signal 9".
    if (absl::IsUnavailable(s)) p->WaitForExit(absl::Seconds(5));
    p->Kill();  // returns once the watcher has written the last of its output
    std::string how = p->exit_description();
    if (absl::IsUnavailable(s) && !how.empty()) {
      s = absl::UnavailableError(absl::StrCat(s.message(), " (it ", how, ")"));
    }
    if (p->log_->lines() > 0) {
      s = absl::Status(s.code(),
                       absl::StrCat(s.message(), "; what it printed is in ", p->log_->path()));
    }
    return s;
  };
  if (!line.ok()) return fail(line.status());
  auto handshake = ParseHandshake(*line);
  if (!handshake.ok()) return fail(handshake.status());
  if (auto s = CheckHandshake(*handshake, p->folder_); !s.ok()) return fail(s);

  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
  // gRPC reads the "min reconnect backoff" as the least time one connection
  // attempt may take (socket to HTTP/2 settings): at 50 ms a plugin on a busy
  // machine could be given up on while it was starting. Calls keep their own
  // deadlines; retries after a failed attempt stay 50-500 ms apart.
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 5000);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  args.SetMaxReceiveMessageSize(4 * 1024 * 1024);
  // One channel per process, never shared with another plugin.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  p->channel_ = grpc::CreateCustomChannel("unix:" + handshake->address,
                                          grpc::InsecureChannelCredentials(), args);
  p->stub_ = plugin::v1::PluginService::NewStub(p->channel_);

  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(deadline));
  ctx.set_wait_for_ready(true);
  plugin::v1::DescribeRequest request;
  plugin::v1::DescribeResponse described;
  grpc::Status s = p->stub_->Describe(&ctx, request, &described);
  if (!s.ok()) {
    if (p->WaitForExit(absl::Milliseconds(100))) {
      return fail(absl::UnavailableError("the plugin ended before answering Describe"));
    }
    if (s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      return fail(absl::DeadlineExceededError("the plugin did not answer Describe in time"));
    }
    return fail(absl::FailedPreconditionError(
        absl::StrCat("Describe failed: ", Excerpt(s.error_message()))));
  }
  if (auto c = CheckDescribeMatches(manifest, described); !c.ok()) return fail(c);
  return p;
}

PluginProcess::~PluginProcess() {
  Kill();
  if (watcher_.joinable()) watcher_.join();
  if (status_fd_ >= 0) ::close(status_fd_);
  if (!folder_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(folder_, ec);
  }
}

void PluginProcess::Watch(int stdout_fd, int stderr_fd, std::string pending_stdout) {
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  struct Stream {
    int fd;
    const char* name;
    std::string pending;
    bool open = true;
  };
  Stream streams[2] = {{stdout_fd, "stdout", std::move(pending_stdout)}, {stderr_fd, "stderr", ""}};
  auto write_lines = [&](Stream& s, bool all) {
    size_t nl;
    while ((nl = s.pending.find('\n')) != std::string::npos || (all && !s.pending.empty()) ||
           s.pending.size() > PluginLog::kMaxLineChars) {
      if (nl == std::string::npos) nl = std::min(s.pending.size(), PluginLog::kMaxLineChars);
      log_->Line(s.name, std::string_view(s.pending).substr(0, nl));
      s.pending.erase(0, std::min(s.pending.size(), nl + 1));
    }
  };
  auto read_some = [&](Stream& s) {
    char chunk[4096];
    ssize_t n = ::read(s.fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return n;
    if (n <= 0) {
      s.open = false;
    } else {
      s.pending.append(chunk, static_cast<size_t>(n));
      write_lines(s, false);
    }
    return n;
  };
  write_lines(streams[0], false);
  while (streams[0].open || streams[1].open) {
    struct pollfd fds[3] = {{streams[0].open ? stdout_fd : -1, POLLIN, 0},
                            {streams[1].open ? stderr_fd : -1, POLLIN, 0},
                            {pidfd, POLLIN, 0}};
    int r = ::poll(fds, pidfd >= 0 ? 3 : 2, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].revents != 0) read_some(streams[i]);
    }
    if (pidfd >= 0 && fds[2].revents != 0) break;  // ended; its children may still hold the pipes
  }
  // What it wrote just before it ended, without waiting for writers that
  // may outlive it (at most a pipe's worth each).
  for (Stream& s : streams) {
    ::fcntl(s.fd, F_SETFL, O_NONBLOCK);
    for (int i = 0; s.open && i < 64 && read_some(s) > 0; ++i) {
    }
    write_lines(s, true);
    ::close(s.fd);
  }
  // Wait for the end without reaping, so the pid cannot be reused while
  // Signal() may still use it; then mark it ended and reap.
  siginfo_t info;
  std::memset(&info, 0, sizeof info);
  while (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) != 0 &&
         errno == EINTR) {
  }
  // How the plugin itself ended, as the namespace's init saw it; nothing
  // there when the processes were killed from here (or with the daemon).
  std::string description = DescribeExit(info.si_code, info.si_status);
  int plugin_status = 0;
  ssize_t got;
  do {
    got = ::read(status_fd_, &plugin_status, sizeof plugin_status);
  } while (got < 0 && errno == EINTR);
  if (got == sizeof plugin_status) {
    description = WIFSIGNALED(plugin_status) ? DescribeExit(CLD_KILLED, WTERMSIG(plugin_status))
                                             : DescribeExit(CLD_EXITED, WEXITSTATUS(plugin_status));
  }
  {
    absl::MutexLock lock(&mu_);
    exited_ = true;
    exit_description_ = description;
  }
  ::waitpid(pid_, nullptr, 0);
  if (pidfd >= 0) ::close(pidfd);
}

void PluginProcess::Signal(int sig) {
  absl::MutexLock lock(&mu_);
  if (exited_ || pid_ <= 0) return;
  ::kill(-pid_, sig);  // its process group: the plugin and anything it started
  ::kill(pid_, sig);
}

bool PluginProcess::exited() const {
  absl::MutexLock lock(&mu_);
  return exited_;
}

std::string PluginProcess::exit_description() const {
  absl::MutexLock lock(&mu_);
  return exit_description_;
}

bool PluginProcess::WaitForExit(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&exited_), timeout);
}

void PluginProcess::Stop(absl::Duration grace) {
  Signal(SIGTERM);
  if (WaitForExit(grace)) return;
  Kill();
}

void PluginProcess::Kill() {
  if (pid_ <= 0) return;
  Signal(SIGKILL);
  WaitForExit(absl::InfiniteDuration());
}

}  // namespace attune
