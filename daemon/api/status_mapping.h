// The one place absl::Status becomes grpc::Status (the API edge).
#ifndef ATTUNE_DAEMON_API_STATUS_MAPPING_H_
#define ATTUNE_DAEMON_API_STATUS_MAPPING_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace attune {

// Same code, same message. Internal errors keep their message: it names the
// store's failure and never holds record content or secrets.
grpc::Status ToGrpc(const absl::Status& status);

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_STATUS_MAPPING_H_
