#include "clients/web/daemon_bridge.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/support/byte_buffer.h>
#include <sys/stat.h>

#include <chrono>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/daemon_socket.h"
#include "common/grpc_status.h"

namespace attune::web {
namespace {

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

}  // namespace

class DaemonBridge::StreamCall final
    : public DaemonStream,
      public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  StreamCall(DaemonBridge* bridge, StreamHandlers handlers)
      : bridge_(bridge), handlers_(std::move(handlers)) {}

  void Start(const std::string& method, const std::string& request,
             std::shared_ptr<StreamCall> self) {
    self_ = std::move(self);
    request_ = ToBuffer(request);
    bridge_->stub_.PrepareBidiStreamingCall(&context_, method, grpc::StubOptions(), this);
    // OnDone waits for this hold, released once no read will follow, so
    // RequestNext() never reads from a finished call.
    AddHold();
    StartWriteLast(&request_, grpc::WriteOptions());
    {
      absl::MutexLock lock(&mu_);
      reading_ = true;
    }
    StartRead(&response_);
    StartCall();
  }

  void RequestNext() override {
    {
      absl::MutexLock lock(&mu_);
      if (released_) return;
      reading_ = true;
    }
    StartRead(&response_);
  }

  void Cancel() override {
    context_.TryCancel();
    bool release = false;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      if (!reading_ && !released_) release = released_ = true;
    }
    if (release) RemoveHold();
  }

  void OnWriteDone(bool) override {}

  void OnReadDone(bool ok) override {
    bool release = false;
    {
      absl::MutexLock lock(&mu_);
      reading_ = false;
      if ((!ok || cancelled_) && !released_) release = released_ = true;
    }
    if (release) {
      RemoveHold();
      return;
    }
    handlers_.on_message(ToString(response_));
  }

  void OnDone(const grpc::Status& status) override {
    handlers_.on_done(bridge_->ExplainFailure(status));
    DaemonBridge* bridge = bridge_;
    self_.reset();  // may delete this
    bridge->CallEnded();
  }

 private:
  DaemonBridge* const bridge_;
  const StreamHandlers handlers_;
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  // Keeps the call alive until gRPC is done with it.
  std::shared_ptr<StreamCall> self_;

  absl::Mutex mu_;
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
};

DaemonBridge::DaemonBridge(std::string socket_path)
    : socket_path_(std::move(socket_path)),
      channel_(grpc::CreateCustomChannel("unix:" + socket_path_, grpc::InsecureChannelCredentials(),
                                         DaemonChannelArguments())),
      stub_(channel_) {}

DaemonBridge::~DaemonBridge() {
  std::vector<std::weak_ptr<DaemonStream>> streams;
  {
    absl::MutexLock lock(&mu_);
    streams.swap(streams_);
    // A call waiting on the daemon (an Unlock's key derivation, say) ends
    // now rather than at its deadline.
    for (UnaryCallState* call : unary_calls_) call->context.TryCancel();
  }
  for (auto& weak : streams) {
    if (auto stream = weak.lock()) stream->Cancel();
  }
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* in_flight) { return *in_flight == 0; }, &in_flight_));
}

void DaemonBridge::CallEnded() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

void DaemonBridge::Unary(const std::string& method, std::string request, absl::Duration timeout,
                         UnaryDone done) {
  // Before anything is sent: is this our own daemon? (daemon_socket.h)
  if (absl::Status checked = CheckSocket(); !checked.ok()) {
    done(checked);
    return;
  }
  auto* call = new UnaryCallState;
  call->request = ToBuffer(request);
  call->context.set_deadline(std::chrono::system_clock::now() +
                             absl::ToChronoMilliseconds(timeout));
  {
    absl::MutexLock lock(&mu_);
    ++in_flight_;
    unary_calls_.insert(call);
  }
  stub_.UnaryCall(&call->context, method, grpc::StubOptions(), &call->request, &call->response,
                  [this, call, done = std::move(done)](grpc::Status status) {
                    if (status.ok()) {
                      done(ToString(call->response));
                    } else {
                      done(ExplainFailure(status));
                    }
                    {
                      absl::MutexLock lock(&mu_);
                      unary_calls_.erase(call);
                    }
                    delete call;
                    CallEnded();
                  });
}

std::shared_ptr<DaemonStream> DaemonBridge::Stream(const std::string& method, std::string request,
                                                   StreamHandlers handlers) {
  if (absl::Status checked = CheckSocket(); !checked.ok()) {
    handlers.on_done(checked);
    return nullptr;
  }
  auto call = std::make_shared<StreamCall>(this, std::move(handlers));
  {
    absl::MutexLock lock(&mu_);
    ++in_flight_;
    std::erase_if(streams_, [](const auto& weak) { return weak.expired(); });
    streams_.push_back(call);
  }
  call->Start(method, request, call);
  return call;
}

absl::Status DaemonBridge::CheckSocket() {
  struct stat st;
  if (lstat(socket_path_.c_str(), &st) == 0) {
    absl::MutexLock lock(&mu_);
    if (checked_socket_ && checked_socket_->first == st.st_dev &&
        checked_socket_->second == st.st_ino) {
      return absl::OkStatus();
    }
  }
  absl::Status checked = CheckDaemonSocket(socket_path_);
  absl::MutexLock lock(&mu_);
  checked_socket_.reset();
  if (checked.ok() && lstat(socket_path_.c_str(), &st) == 0) {
    checked_socket_.emplace(st.st_dev, st.st_ino);
  }
  return checked;
}

absl::Status DaemonBridge::ExplainFailure(const grpc::Status& status) const {
  if (status.ok()) return absl::OkStatus();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
      (channel_->GetState(false) == GRPC_CHANNEL_TRANSIENT_FAILURE ||
       absl::StrContains(status.error_message(), "failed to connect"))) {
    return absl::UnavailableError(
        absl::StrCat("attuned is not running (nothing answers on ", socket_path_,
                     "); start it with `attuned &` or `systemctl --user start attuned`"));
  }
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return absl::DeadlineExceededError("the daemon did not answer in time");
  }
  absl::Status out = FromGrpc(status);
  if (out.message().empty()) {
    return absl::Status(out.code(), absl::StrCat("the daemon failed the call (",
                                                 absl::StatusCodeToString(out.code()), ")"));
  }
  return out;
}

}  // namespace attune::web
