#include "daemon_harness.h"

#include <fcntl.h>
#include <google/protobuf/empty.pb.h>
#include <grpcpp/create_channel.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "run_log.h"

extern char** environ;

namespace attune::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// How often readiness and exit are polled. Not a wait for anything by itself:
// every wait below ends on a condition or on its overall timeout.
constexpr auto kPollInterval = std::chrono::milliseconds(10);
// sun_path holds 108 bytes; stay well inside it.
constexpr size_t kMaxSocketPath = 100;

std::string MakeRoot() {
  std::vector<std::string> bases;
  if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t != '\0') {
    bases.emplace_back(t);
  }
  bases.emplace_back("/tmp");
  for (const std::string& base : bases) {
    std::string templ = base + "/attune-it-XXXXXX";
    // The socket lives at root + "/attuned.sock".
    if (templ.size() + std::strlen("/attuned.sock") >= kMaxSocketPath) continue;
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) != nullptr) return std::string(buf.data());
  }
  return std::string();
}

std::string ReadFileFrom(const std::string& path, long offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::string();
  in.seekg(offset);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

long FileSize(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<long>(st.st_size);
}

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Waits for pid to finish, up to timeout. True, with *status set, once reaped.
bool WaitFor(pid_t pid, std::chrono::milliseconds timeout, int* status) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    pid_t r = ::waitpid(pid, status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) return false;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
}

bool SocketExists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

}  // namespace

const char* AttunedPath() { return ATTUNED_PATH; }

std::string Describe(const grpc::Status& status) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  int code = static_cast<int>(status.error_code());
  std::string name = code >= 0 && code < 17 ? kNames[code] : std::to_string(code);
  return name + ": " + status.error_message();
}

DaemonHarness::DaemonHarness() {
  root_ = MakeRoot();
  if (root_.empty()) {
    ADD_FAILURE() << "cannot create a temporary folder: " << std::strerror(errno);
    return;
  }
  data_dir_ = root_ + "/data";
  socket_path_ = root_ + "/attuned.sock";
  stderr_path_ = root_ + "/attuned.stderr";
}

DaemonHarness::~DaemonHarness() {
  ResetStubs();
  if (pid_ > 0) Kill();
  CheckNoSecretWritten();
  if (!root_.empty()) KeepDaemonLogs(root_, data_dir_);
  if (!root_.empty()) {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
}

void DaemonHarness::NoteSecret(const std::string& secret) {
  // Short strings could be words of an ordinary log line.
  if (secret.size() < 8) return;
  if (std::find(secrets_.begin(), secrets_.end(), secret) == secrets_.end()) {
    secrets_.push_back(secret);
  }
  NoteCanary(secret);
}

void DaemonHarness::CheckNoSecretWritten() {
  if (secrets_.empty() || root_.empty()) return;
  // What the daemon writes outside its sealed store: its stderr (the
  // harness's own runs and RunToExit's), and its data folder, RocksDB's LOG
  // and OPTIONS files included.
  std::vector<fs::path> written;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root_, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".stderr") written.push_back(e.path());
  }
  for (const auto& e : fs::recursive_directory_iterator(data_dir_, ec)) {
    if (e.is_regular_file()) written.push_back(e.path());
  }
  for (const fs::path& path : written) {
    std::string bytes = ReadFileFrom(path.string(), 0);
    for (const std::string& secret : secrets_) {
      if (bytes.find(secret) != std::string::npos) {
        ADD_FAILURE() << "a secret the daemon was given (\"" << secret << "\") is in the clear in "
                      << path.filename() << " (" << path << ")";
      }
    }
  }
}

void DaemonHarness::ResetStubs() {
  vault_.reset();
  journal_.reset();
  checkins_.reset();
  goals_.reset();
  channel_.reset();
}

std::shared_ptr<grpc::Channel> DaemonHarness::MakeChannel(const std::string& socket_path) {
  grpc::ChannelArguments args;
  // Dial again soon after a failed attempt (a daemon restarting), but give
  // each attempt long enough: gRPC takes the "min reconnect backoff" as the
  // least time a connection attempt may take, socket to the daemon's HTTP/2
  // settings. When that was 20 ms, a daemon busy under ASan failed a
  // writer's call with UNAVAILABLE "connection attempt timed out before
  // receiving SETTINGS frame" while it ran.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 20);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 20000);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
  // The client itself sends anything; the daemon enforces its 4 MiB limit.
  args.SetMaxSendMessageSize(-1);
  // Subchannels are otherwise shared process-wide: a new channel would inherit
  // the backoff of one that watched the previous daemon die.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      "unix:" + socket_path, grpc::InsecureChannelCredentials(), args, CanaryInterceptors());
}

std::unique_ptr<grpc::ClientContext> DaemonHarness::Context(std::chrono::milliseconds deadline) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + deadline);
  return ctx;
}

pid_t DaemonHarness::Spawn(const std::vector<std::string>& args, const std::string& output_path,
                           std::string* error) {
  std::vector<std::string> argv_storage;
  argv_storage.emplace_back(AttunedPath());
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, 2, 1);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The test process may block or ignore signals (gRPC threads); give the
  // daemon a clean signal state so SIGTERM behaves as it would in production.
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  // Settings come from this harness's folder, never from a settings file of
  // whoever runs the tests ($XDG_CONFIG_HOME/attune/attuned.toml).
  std::vector<std::string> env_storage;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "XDG_CONFIG_HOME=", 16) != 0) env_storage.emplace_back(*e);
  }
  env_storage.push_back("XDG_CONFIG_HOME=" + root_ + "/config");
  std::vector<char*> envp;
  for (std::string& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    *error = std::string("posix_spawn ") + argv[0] + ": " + std::strerror(rc);
    return -1;
  }
  return pid;
}

::testing::AssertionResult DaemonHarness::Start(const std::vector<std::string>& extra_args) {
  if (root_.empty()) return ::testing::AssertionFailure() << "no temporary folder";
  if (pid_ > 0) return ::testing::AssertionFailure() << "attuned is already running";
  ResetStubs();
  stderr_offset_ = FileSize(stderr_path_);

  std::vector<std::string> args = {"--data-dir", data_dir_, "--socket", socket_path_};
  if (!lan_discovery_ &&
      std::find(extra_args.begin(), extra_args.end(), "--no-discovery") == extra_args.end()) {
    args.push_back("--no-discovery");
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::string error;
  pid_ = Spawn(args, stderr_path_, &error);
  if (pid_ < 0) return ::testing::AssertionFailure() << error;

  auto deadline = Clock::now() + kReadyTimeout;
  std::string last_error = "the socket never appeared";
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return ::testing::AssertionFailure() << "attuned exited before it was ready, status "
                                           << DecodeWaitStatus(status) << "; its stderr:\n"
                                           << StderrSinceStart();
    }
    if (SocketExists(socket_path_)) {
      if (channel_ == nullptr) channel_ = MakeChannel(socket_path_);
      auto stub = v1::VaultService::NewStub(channel_);
      auto ctx = Context(std::chrono::milliseconds(500));
      google::protobuf::Empty empty;
      v1::VaultStatus vs;
      grpc::Status s = stub->GetStatus(ctx.get(), empty, &vs);
      if (s.ok()) {
        vault_ = std::move(stub);
        journal_ = v1::JournalService::NewStub(channel_);
        checkins_ = v1::CheckInService::NewStub(channel_);
        goals_ = v1::GoalService::NewStub(channel_);
        return ::testing::AssertionSuccess();
      }
      last_error = "GetStatus: " + Describe(s);
      // Dial afresh next time rather than wait out this channel's backoff
      // (the socket may be a stale one the daemon is about to replace).
      channel_.reset();
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  std::string out = StderrSinceStart();
  Kill();
  return ::testing::AssertionFailure() << "attuned was not ready within " << kReadyTimeout.count()
                                       << " s (" << last_error << "); its stderr:\n"
                                       << out;
}

int DaemonHarness::Stop() {
  ResetStubs();
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  if (WaitFor(pid_, kStopTimeout, &status)) {
    pid_ = -1;
    return DecodeWaitStatus(status);
  }
  ADD_FAILURE() << "attuned did not exit within " << kStopTimeout.count()
                << " s of SIGTERM; killing it";
  Kill();
  return -1;
}

void DaemonHarness::Kill() {
  ResetStubs();
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

::testing::AssertionResult DaemonHarness::Restart(const std::vector<std::string>& extra_args) {
  if (pid_ > 0) {
    int status = Stop();
    if (status != 0) {
      return ::testing::AssertionFailure()
             << "attuned exited with status " << status << " on SIGTERM";
    }
  }
  return Start(extra_args);
}

ProcessResult DaemonHarness::RunToExit(const std::vector<std::string>& args,
                                       std::chrono::seconds timeout) {
  ProcessResult result;
  std::string out_path = root_ + "/run-" + std::to_string(++extra_runs_) + ".stderr";
  std::string error;
  pid_t pid = Spawn(args, out_path, &error);
  if (pid < 0) {
    result.output = error;
    return result;
  }
  int status = 0;
  if (WaitFor(pid, timeout, &status)) {
    result.exit_status = DecodeWaitStatus(status);
  } else {
    result.timed_out = true;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  result.output = ReadFileFrom(out_path, 0);
  return result;
}

std::string DaemonHarness::StderrSinceStart() const {
  return ReadFileFrom(stderr_path_, stderr_offset_);
}

std::string DaemonHarness::AllStderr() const { return ReadFileFrom(stderr_path_, 0); }

grpc::Status DaemonHarness::InitVault(const std::string& passphrase, v1::VaultStatus* out) {
  v1::InitRequest req;
  req.set_passphrase(passphrase);
  req.set_display_name("Integration Test");
  req.set_kdf_cost(v1::KDF_COST_TEST_ONLY_MINIMUM);
  NoteSecret(passphrase);
  v1::VaultStatus ignored;
  return vault_->Init(Context().get(), req, out != nullptr ? out : &ignored);
}

grpc::Status DaemonHarness::Unlock(const std::string& passphrase, v1::VaultStatus* out) {
  v1::UnlockRequest req;
  req.set_passphrase(passphrase);
  v1::VaultStatus ignored;
  grpc::Status s = vault_->Unlock(Context().get(), req, out != nullptr ? out : &ignored);
  if (s.ok()) NoteSecret(passphrase);
  return s;
}

grpc::Status DaemonHarness::Lock(v1::VaultStatus* out) {
  google::protobuf::Empty empty;
  v1::VaultStatus ignored;
  return vault_->Lock(Context().get(), empty, out != nullptr ? out : &ignored);
}

grpc::Status DaemonHarness::GetStatus(v1::VaultStatus* out) {
  google::protobuf::Empty empty;
  return vault_->GetStatus(Context().get(), empty, out);
}

}  // namespace attune::testing
