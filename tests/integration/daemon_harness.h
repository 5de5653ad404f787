// A test harness that runs the real attuned as a child process.
//
// Each DaemonHarness owns a fresh temporary folder holding the data folder,
// the Unix socket and the daemon's captured stderr. Start() spawns attuned and
// waits until it answers VaultService.GetStatus (a condition, polled, with an
// overall timeout); Stop() sends SIGTERM, Kill() SIGKILL, Restart() starts
// again on the same data folder. The destructor kills a daemon still running
// and removes the folder.
#ifndef ATTUNE_TESTS_INTEGRATION_DAEMON_HARNESS_H_
#define ATTUNE_TESTS_INTEGRATION_DAEMON_HARNESS_H_

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "attune/v1/api.grpc.pb.h"

namespace attune::testing {

// What a finished process left behind.
struct ProcessResult {
  // The exit code when it exited; 128 + signal number when a signal ended it;
  // -1 when it had to be killed because it did not finish in time.
  int exit_status = -1;
  bool timed_out = false;
  // Everything it wrote to stderr (and stdout).
  std::string output;
};

class DaemonHarness {
 public:
  // How long Start() waits for the daemon to answer, and Stop() for it to exit.
  static constexpr std::chrono::seconds kReadyTimeout{30};
  static constexpr std::chrono::seconds kStopTimeout{20};

  DaemonHarness();
  ~DaemonHarness();
  DaemonHarness(const DaemonHarness&) = delete;
  DaemonHarness& operator=(const DaemonHarness&) = delete;

  // Spawns attuned on this harness's data folder and socket (plus extra_args)
  // and waits until a GetStatus call succeeds. Fails, with the daemon's
  // stderr, when it exits or does not answer within kReadyTimeout.
  ::testing::AssertionResult Start(const std::vector<std::string>& extra_args = {});
  // SIGTERM, then waits for the exit. Returns the exit status as in
  // ProcessResult::exit_status (-1 if it had to be killed after kStopTimeout).
  int Stop();
  // SIGKILL, then reaps it. The socket file stays behind.
  void Kill();
  // Start() again on the same data folder (after Stop() or Kill()).
  ::testing::AssertionResult Restart(const std::vector<std::string>& extra_args = {});
  // Start() passes --no-discovery, so that no test's daemon announces itself
  // beyond the test; a test that made its own network namespace turns LAN
  // discovery back on with this, before Start().
  void AllowLanDiscovery() { lan_discovery_ = true; }

  // Runs another attuned to completion with the given arguments (no readiness
  // wait), capturing its output in a file of its own. For daemons that are
  // expected to refuse to start.
  ProcessResult RunToExit(const std::vector<std::string>& args,
                          std::chrono::seconds timeout = std::chrono::seconds(20));

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // The temporary folder everything lives in.
  const std::string& root() const { return root_; }
  // The folder passed as --data-dir (created by the daemon itself).
  const std::string& data_dir() const { return data_dir_; }
  const std::string& socket_path() const { return socket_path_; }
  // Everything the daemon wrote to stderr since it was last started.
  std::string StderrSinceStart() const;
  // Everything every start of the daemon wrote to stderr.
  std::string AllStderr() const;

  // Stubs on a channel to the running daemon (valid until Stop/Kill/Restart).
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  v1::VaultService::Stub& vault() const { return *vault_; }
  v1::JournalService::Stub& journal() const { return *journal_; }
  v1::CheckInService::Stub& checkins() const { return *checkins_; }
  v1::GoalService::Stub& goals() const { return *goals_; }

  // Remembers `secret` (a passphrase, a canary) as something the daemon must
  // never write in the clear: when the harness is destroyed, the daemon's
  // stderr (every run) and every file of its data folder are searched for
  // each such string, and a test failure names the file holding one. So
  // every test that uses the harness also checks that no passphrase reaches
  // a log. InitVault and a successful Unlock note their passphrase.
  void NoteSecret(const std::string& secret);

  // Init with kdf_cost TEST_ONLY_MINIMUM (and a display name).
  grpc::Status InitVault(const std::string& passphrase, v1::VaultStatus* out = nullptr);
  grpc::Status Unlock(const std::string& passphrase, v1::VaultStatus* out = nullptr);
  grpc::Status Lock(v1::VaultStatus* out = nullptr);
  grpc::Status GetStatus(v1::VaultStatus* out);

  // A client context with a deadline, for one call.
  static std::unique_ptr<grpc::ClientContext> Context(
      std::chrono::milliseconds deadline = std::chrono::seconds(10));
  // A channel with short reconnect backoffs, so a dial that raced the
  // daemon's bind retries quickly.
  static std::shared_ptr<grpc::Channel> MakeChannel(const std::string& socket_path);

 private:
  pid_t Spawn(const std::vector<std::string>& args, const std::string& output_path,
              std::string* error);
  void ResetStubs();
  // Fails the test for every noted secret found in what the daemon wrote.
  void CheckNoSecretWritten();

  std::string root_;
  std::string data_dir_;
  std::string socket_path_;
  std::string stderr_path_;
  long stderr_offset_ = 0;  // where the current run's output starts
  int extra_runs_ = 0;
  pid_t pid_ = -1;
  std::vector<std::string> secrets_;
  bool lan_discovery_ = false;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::VaultService::Stub> vault_;
  std::unique_ptr<v1::JournalService::Stub> journal_;
  std::unique_ptr<v1::CheckInService::Stub> checkins_;
  std::unique_ptr<v1::GoalService::Stub> goals_;
};

// A status in a readable form for assertion messages: "CODE: message".
std::string Describe(const grpc::Status& status);

// The path of the attuned binary under test.
const char* AttunedPath();

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_INTEGRATION_DAEMON_HARNESS_H_
