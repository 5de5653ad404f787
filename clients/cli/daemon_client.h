// The connection to attuned: a gRPC channel on its Unix socket, one stub per
// service, a deadline on every call, and the translation of gRPC errors into
// absl::Status values with messages a person can act on.
#ifndef ATTUNE_CLIENTS_CLI_DAEMON_CLIENT_H_
#define ATTUNE_CLIENTS_CLI_DAEMON_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "attune/v1/api.grpc.pb.h"

namespace attune::cli {

// Deadline of an ordinary call.
inline constexpr absl::Duration kCallTimeout = absl::Seconds(10);
// Deadline of Init and Unlock, which run Argon2id (about 1.5 s, more on a
// busy or small machine).
inline constexpr absl::Duration kKdfTimeout = absl::Seconds(60);

class DaemonClient {
 public:
  // Opens a channel to the daemon at `socket_path`. Fails with UNAVAILABLE,
  // and a hint how to start the daemon, when no socket exists there or
  // nothing accepts on it; with PERMISSION_DENIED when the socket, its
  // folder or the process serving it belongs to another user (see
  // CheckDaemonSocket() in common/daemon_socket.h). The gRPC connection itself is
  // made by the first call.
  static absl::StatusOr<std::unique_ptr<DaemonClient>> Connect(const std::string& socket_path);

  v1::VaultService::Stub& vault() { return *vault_; }
  v1::JournalService::Stub& journal() { return *journal_; }
  v1::CheckInService::Stub& checkins() { return *checkins_; }
  v1::GoalService::Stub& goals() { return *goals_; }
  v1::AppreciationService::Stub& appreciations() { return *appreciations_; }
  v1::SpaceService::Stub& space() { return *space_; }
  v1::SyncService::Stub& sync() { return *sync_; }
  v1::ExerciseService::Stub& exercises() { return *exercises_; }
  v1::PluginService::Stub& plugins() { return *plugins_; }
  v1::EventService::Stub& events() { return *events_; }
  v1::SearchService::Stub& search() { return *search_; }
  v1::InsightsService::Stub& insights() { return *insights_; }
  v1::BackupService::Stub& backups() { return *backups_; }
  v1::ExportService::Stub& exports() { return *exports_; }
  v1::ReminderService::Stub& reminders() { return *reminders_; }

  // Runs one call: `call(grpc::ClientContext*)` must make it and return its
  // grpc::Status. The context carries a deadline `timeout` from now. Returns
  // the call's outcome as an absl::Status (see ToStatus()).
  template <typename Call>
  absl::Status Run(Call&& call, absl::Duration timeout = kCallTimeout) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
    return ToStatus(call(&context), timeout);
  }

  // VaultService.GetStatus, which works whether or not the vault is locked.
  absl::StatusOr<v1::VaultStatus> GetVaultStatus();

  // The vault's status; FAILED_PRECONDITION unless it is unlocked, with the
  // message the daemon would give. Used before asking a person for input
  // that a locked vault would then refuse.
  absl::StatusOr<v1::VaultStatus> RequireUnlocked();

 private:
  DaemonClient(std::string socket_path, std::shared_ptr<grpc::Channel> channel);

  // The same code and the daemon's message; a connection failure becomes
  // UNAVAILABLE "the daemon is not running", a missed deadline says so.
  absl::Status ToStatus(const grpc::Status& status, absl::Duration timeout) const;

  std::string socket_path_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::VaultService::Stub> vault_;
  std::unique_ptr<v1::JournalService::Stub> journal_;
  std::unique_ptr<v1::CheckInService::Stub> checkins_;
  std::unique_ptr<v1::GoalService::Stub> goals_;
  std::unique_ptr<v1::AppreciationService::Stub> appreciations_;
  std::unique_ptr<v1::SpaceService::Stub> space_;
  std::unique_ptr<v1::SyncService::Stub> sync_;
  std::unique_ptr<v1::ExerciseService::Stub> exercises_;
  std::unique_ptr<v1::PluginService::Stub> plugins_;
  std::unique_ptr<v1::EventService::Stub> events_;
  std::unique_ptr<v1::SearchService::Stub> search_;
  std::unique_ptr<v1::BackupService::Stub> backups_;
  std::unique_ptr<v1::ExportService::Stub> exports_;
  std::unique_ptr<v1::ReminderService::Stub> reminders_;
  std::unique_ptr<v1::InsightsService::Stub> insights_;
};

}  // namespace attune::cli

#endif  // ATTUNE_CLIENTS_CLI_DAEMON_CLIENT_H_
