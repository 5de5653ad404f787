#include "tools/bench/rpc_client.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <stdexcept>
#include <thread>

#include "attune/v1/api.grpc.pb.h"
#include "common/daemon_socket.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace attune::bench {

std::string Describe(const grpc::Status& s) {
  return std::to_string(static_cast<int>(s.error_code())) + " " + s.error_message();
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& socket) {
  grpc::ChannelArguments args = DaemonChannelArguments();
  // Redial soon after a failed attempt, but give each attempt 20 s: gRPC
  // takes the "min reconnect backoff" as the least time one connection
  // attempt may take, and at 10 ms a busy machine failed the quick bench in
  // CI with "connection attempt timed out before receiving SETTINGS frame".
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 10);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 20000);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 50);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel("unix:" + socket, grpc::InsecureChannelCredentials(), args);
}

void WaitUntilServing(const std::string& socket, std::chrono::milliseconds timeout,
                      const std::function<bool(std::string*)>& daemon_running) {
  auto channel = MakeChannel(socket);
  auto stub = grpc::health::v1::Health::NewStub(channel);
  auto give_up = std::chrono::system_clock::now() + timeout;
  std::string last = "no answer";
  while (std::chrono::system_clock::now() < give_up) {
    std::string how;
    if (!daemon_running(&how)) {
      throw std::runtime_error("attuned " + how + " before serving");
    }
    grpc::ClientContext context;
    context.set_wait_for_ready(true);
    context.set_deadline(
        std::min(give_up, std::chrono::system_clock::now() + std::chrono::milliseconds(200)));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status s = stub->Check(&context, request, &response);
    if (s.ok() && response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return;
    }
    last = s.ok() ? "status " + std::to_string(response.status()) : Describe(s);
    if (s.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  throw std::runtime_error("attuned did not serve on " + socket + " within " +
                           std::to_string(timeout.count()) + " ms (" + last + ")");
}

namespace {
constexpr char kPassphrase[] = "attune-bench passphrase, bench data only";
}  // namespace

int ReadAll(v1::JournalService::Stub& stub) {
  v1::ListJournalEntriesRequest request;
  request.set_page_size(1000);
  int n = 0;
  do {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    v1::ListJournalEntriesResponse page;
    grpc::Status s = stub.ListJournalEntries(&context, request, &page);
    if (!s.ok()) throw std::runtime_error("ListJournalEntries: " + Describe(s));
    n += page.journal_entries_size();
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return n;
}

std::string BenchPassphrase() { return kPassphrase; }

void UnlockVault(const std::string& socket) {
  auto stub = v1::VaultService::NewStub(MakeChannel(socket));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::UnlockRequest request;
  request.set_passphrase(kPassphrase);
  v1::VaultStatus status;
  grpc::Status s = stub->Unlock(&context, request, &status);
  if (!s.ok()) throw std::runtime_error("Unlock failed: " + Describe(s));
}

void InitVault(const std::string& socket, const std::string& display_name) {
  auto stub = v1::VaultService::NewStub(MakeChannel(socket));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::InitRequest request;
  request.set_passphrase(kPassphrase);
  request.set_display_name(display_name);
  request.set_kdf_cost(v1::KDF_COST_TEST_ONLY_MINIMUM);
  v1::VaultStatus status;
  grpc::Status s = stub->Init(&context, request, &status);
  if (!s.ok()) throw std::runtime_error("Init failed: " + Describe(s));
  if (status.state() != v1::VaultStatus::STATE_UNLOCKED) {
    throw std::runtime_error("Init left the vault in state " +
                             v1::VaultStatus::State_Name(status.state()));
  }
}

v1::VaultStatus GetVaultStatus(const std::string& socket) {
  auto stub = v1::VaultService::NewStub(MakeChannel(socket));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  google::protobuf::Empty request;
  v1::VaultStatus status;
  grpc::Status s = stub->GetStatus(&context, request, &status);
  if (!s.ok()) throw std::runtime_error("GetStatus failed: " + Describe(s));
  return status;
}

}  // namespace attune::bench
