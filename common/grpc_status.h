// The one conversion between absl::Status and grpc::Status, used at every
// gRPC edge: the daemon's services and peer port, the plugin SDK, clients.
// absl and gRPC share the canonical code numbers, so a code crosses the
// socket unchanged. Thread-safe: pure functions.
#ifndef ATTUNE_COMMON_GRPC_STATUS_H_
#define ATTUNE_COMMON_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace attune {

// Same code, same message. The daemon's messages name what is wrong and
// never hold record content or secrets.
grpc::Status ToGrpc(const absl::Status& status);

// Same code, same message (a client still decides what to show of it).
absl::Status FromGrpc(const grpc::Status& status);

}  // namespace attune

#endif  // ATTUNE_COMMON_GRPC_STATUS_H_
