// attune-web's one connection to attuned: a gRPC channel on the daemon's
// Unix socket and a generic stub, so any method of the API is called by its
// name with bytes in the wire format. Calls complete on gRPC's threads; the
// caller moves the results to its own thread. Thread-safe.
#ifndef ATTUNE_CLIENTS_WEB_DAEMON_BRIDGE_H_
#define ATTUNE_CLIENTS_WEB_DAEMON_BRIDGE_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace attune::web {

// One server stream in flight. Messages come one at a time: after each, the
// next is read only once RequestNext() is called, so a client that reads
// slowly slows only its own stream (and the daemon cuts it past its bound).
class DaemonStream {
 public:
  virtual ~DaemonStream() = default;
  // Reads the next message. Call once after each on_message, never while a
  // read is pending. Any thread.
  virtual void RequestNext() = 0;
  // Ends the call (on_done follows with CANCELLED, unless it came already).
  // Any thread, any number of times.
  virtual void Cancel() = 0;
};

class DaemonBridge {
 public:
  // A channel to `socket_path` (connected by the first call).
  explicit DaemonBridge(std::string socket_path);
  // Cancels the streams still open and waits until gRPC has finished with
  // every call.
  ~DaemonBridge();

  DaemonBridge(const DaemonBridge&) = delete;
  DaemonBridge& operator=(const DaemonBridge&) = delete;

  const std::string& socket_path() const { return socket_path_; }

  using UnaryDone = std::function<void(absl::StatusOr<std::string> response)>;
  // Calls `method` ("/attune.v1.Service/Method") with `request` (wire
  // format); `done` runs once, on a gRPC thread, with the response or the
  // daemon's status (see ExplainFailure()). First checks that the socket is
  // served by this user's own daemon (CheckDaemonSocket() in
  // common/daemon_socket.h): when it is not, nothing is sent and `done` runs
  // at once, on this thread, with PERMISSION_DENIED, or UNAVAILABLE when
  // nothing serves the socket.
  void Unary(const std::string& method, std::string request, absl::Duration timeout,
             UnaryDone done);

  struct StreamHandlers {
    // Each message, on a gRPC thread; call RequestNext() for the next.
    std::function<void(std::string message)> on_message;
    // Once, last, on a gRPC thread: OK when the daemon ended the stream.
    std::function<void(absl::Status status)> on_done;
  };
  // Starts the server stream `method` with `request`; the first message is
  // read at once. After the same check as Unary(): when it fails, on_done
  // runs at once, on this thread, and the result is nullptr.
  std::shared_ptr<DaemonStream> Stream(const std::string& method, std::string request,
                                       StreamHandlers handlers);

  // The status a client is told: the daemon's own, or, when nothing answers
  // on the socket, UNAVAILABLE saying that attuned is not running and how
  // to start it.
  absl::Status ExplainFailure(const grpc::Status& status) const;

 private:
  class StreamCall;
  friend class StreamCall;

  // CheckDaemonSocket(), once per socket file: a socket in a folder only
  // this user (or root) may write in is replaced only by them, so while
  // the same file is there the same daemon serves it.
  absl::Status CheckSocket();
  void CallEnded();

  struct UnaryCallState {
    grpc::ClientContext context;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
  };

  const std::string socket_path_;
  std::shared_ptr<grpc::Channel> channel_;
  grpc::GenericStub stub_;

  absl::Mutex mu_;
  // Calls gRPC has not finished with; the destructor waits for 0.
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  // The socket file (device, inode) CheckDaemonSocket() last accepted.
  std::optional<std::pair<dev_t, ino_t>> checked_socket_ ABSL_GUARDED_BY(mu_);
  // Unary calls in flight, to cancel at the end.
  absl::flat_hash_set<UnaryCallState*> unary_calls_ ABSL_GUARDED_BY(mu_);
  // Streams open, to cancel at the end.
  std::vector<std::weak_ptr<DaemonStream>> streams_ ABSL_GUARDED_BY(mu_);
};

}  // namespace attune::web

#endif  // ATTUNE_CLIENTS_WEB_DAEMON_BRIDGE_H_
