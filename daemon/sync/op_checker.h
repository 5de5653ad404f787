// The checks every op from a peer passes before it is stored (DESIGN.md,
// "Anti-entropy"): size bounds, a header that parses, this space, a shared
// op, a known key epoch, an author who is a member, and a signature over the
// bytes exactly as received. Sequence contiguity is checked by the store,
// atomically with the write.
#ifndef ATTUNE_DAEMON_SYNC_OP_CHECKER_H_
#define ATTUNE_DAEMON_SYNC_OP_CHECKER_H_

#include <string>

#include "absl/status/statusor.h"
#include "daemon/store/record_store.h"
#include "daemon/sync/membership.h"

namespace attune {

inline constexpr size_t kMaxOpBytes = 256 * 1024;

// INVALID_ARGUMENT with the reason when any check fails; PERMISSION_DENIED
// when the author is not a member.
absl::StatusOr<RecordStore::RemoteOp> CheckIncomingOp(const v1::Op& op, const std::string& space_id,
                                                      uint32_t key_epoch,
                                                      const Membership& members);

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_OP_CHECKER_H_
