#include "daemon_client.h"

#include <grpcpp/support/client_interceptor.h>

#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/daemon_socket.h"
#include "common/grpc_status.h"
#include "format.h"
#include "google/protobuf/empty.pb.h"

namespace attune::cli {
namespace {

// Runs SanitizeStrings() (format.h) on every message the daemon sends, before
// any command sees it: names and texts stored before the daemon refused
// control characters must not reach the terminal as escape sequences.
class SanitizingInterceptor : public grpc::experimental::Interceptor {
 public:
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::POST_RECV_MESSAGE)) {
      // Every response type of the API is a generated protobuf message.
      if (void* received = methods->GetRecvMessage(); received != nullptr) {
        SanitizeStrings(static_cast<google::protobuf::Message*>(received));
      }
    }
    methods->Proceed();
  }
};

class SanitizingInterceptorFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new SanitizingInterceptor();
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<DaemonClient>> DaemonClient::Connect(
    const std::string& socket_path) {
  // Before anything is sent: is this our own daemon? (socket_check.h)
  if (absl::Status checked = CheckDaemonSocket(socket_path); !checked.ok()) return checked;
  // Calls fail fast (no wait_for_ready) when nothing listens on the socket.
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<SanitizingInterceptorFactory>());
  std::shared_ptr<grpc::Channel> channel = grpc::experimental::CreateCustomChannelWithInterceptors(
      "unix:" + socket_path, grpc::InsecureChannelCredentials(), DaemonChannelArguments(),
      std::move(interceptors));
  return std::unique_ptr<DaemonClient>(new DaemonClient(socket_path, std::move(channel)));
}

DaemonClient::DaemonClient(std::string socket_path, std::shared_ptr<grpc::Channel> channel)
    : socket_path_(std::move(socket_path)),
      channel_(std::move(channel)),
      vault_(v1::VaultService::NewStub(channel_)),
      journal_(v1::JournalService::NewStub(channel_)),
      checkins_(v1::CheckInService::NewStub(channel_)),
      goals_(v1::GoalService::NewStub(channel_)),
      appreciations_(v1::AppreciationService::NewStub(channel_)),
      space_(v1::SpaceService::NewStub(channel_)),
      sync_(v1::SyncService::NewStub(channel_)),
      exercises_(v1::ExerciseService::NewStub(channel_)),
      plugins_(v1::PluginService::NewStub(channel_)),
      events_(v1::EventService::NewStub(channel_)),
      search_(v1::SearchService::NewStub(channel_)),
      backups_(v1::BackupService::NewStub(channel_)),
      exports_(v1::ExportService::NewStub(channel_)),
      reminders_(v1::ReminderService::NewStub(channel_)),
      insights_(v1::InsightsService::NewStub(channel_)) {}

absl::Status DaemonClient::ToStatus(const grpc::Status& status, absl::Duration timeout) const {
  if (status.ok()) return absl::OkStatus();
  const absl::StatusCode code = FromGrpc(status).code();
  // The daemon may quote bad input back: no control character of it reaches
  // the terminal.
  std::string message = TerminalSafe(status.error_message());
  if (code == absl::StatusCode::kUnavailable &&
      channel_->GetState(false) == GRPC_CHANNEL_TRANSIENT_FAILURE) {
    // The socket exists but nobody accepts on it: a stale socket.
    return absl::UnavailableError(
        DaemonNotRunningMessage(socket_path_, "nothing answers on the socket"));
  }
  if (code == absl::StatusCode::kDeadlineExceeded) {
    return absl::DeadlineExceededError(absl::StrCat("the daemon did not answer within ",
                                                    absl::FormatDuration(timeout), " (socket ",
                                                    socket_path_, ")"));
  }
  if (message.empty()) {
    message = absl::StrCat("the daemon failed the call (", absl::StatusCodeToString(code), ")");
  }
  return absl::Status(code, message);
}

absl::StatusOr<v1::VaultStatus> DaemonClient::GetVaultStatus() {
  v1::VaultStatus status;
  google::protobuf::Empty empty;
  absl::Status call =
      Run([&](grpc::ClientContext* context) { return vault_->GetStatus(context, empty, &status); });
  if (!call.ok()) return call;
  return status;
}

absl::StatusOr<v1::VaultStatus> DaemonClient::RequireUnlocked() {
  absl::StatusOr<v1::VaultStatus> status = GetVaultStatus();
  if (!status.ok()) return status.status();
  switch (status->state()) {
    case v1::VaultStatus::STATE_UNLOCKED:
      return status;
    case v1::VaultStatus::STATE_UNINITIALIZED:
      return absl::FailedPreconditionError("the vault is not initialised: run attune init");
    default:
      return absl::FailedPreconditionError("vault is locked: run attune unlock");
  }
}

}  // namespace attune::cli
