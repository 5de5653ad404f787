// The checks every op from a peer passes before it is stored (docs/ARCHITECTURE.md,
// "Anti-entropy"): size bounds, a header that parses, this space, a shared
// op or a private op of the receiving person's own, a known key epoch, an
// author who is a member (or a removed device's op from before its removal),
// and a signature over the bytes exactly as received. Sequence contiguity
// is checked by the store, atomically with the write.
#ifndef ATTUNE_DAEMON_SYNC_OP_CHECKER_H_
#define ATTUNE_DAEMON_SYNC_OP_CHECKER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "daemon/store/record_store.h"
#include "daemon/sync/membership.h"

namespace attune {

// How far past the receiver's own wall clock an op's clock may be. An op
// stamped further ahead would win every merge until the receiver's time
// caught up (or for good, stamped at the largest clock), so it is refused; it
// is not stored, and its author's stream is offered again at the next
// connection, when the clocks may agree better.
inline constexpr int64_t kMaxClockAheadMillis = 5 * 60 * 1000;

// The highest op clock (hybrid logical clock reading) a receiver whose wall
// clock reads `now_unix_millis` accepts.
uint64_t MaxAcceptedHlc(int64_t now_unix_millis);

// INVALID_ARGUMENT with the reason when any check fails (a clock above
// `max_hlc` included, or a key epoch no space change started);
// PERMISSION_DENIED when the author is not a member, or was removed and the
// op's seq is past what its removal kept (sync.proto, SpaceChange).
// A PRIVATE op is taken only when `private_member` names a person (the
// receiving device's own, when the op came from another device of that
// person) and the op's author device is that person's: anything else is
// PERMISSION_DENIED, so no device ever stores another person's private op,
// whoever relays it. What an op's body may change is checked once it is open
// (records/authorship.h, through RecordStore::SetRemoteOpCheck).
absl::StatusOr<RecordStore::RemoteOp> CheckIncomingOp(const v1::Op& op, const std::string& space_id,
                                                      const Membership& members, uint64_t max_hlc,
                                                      const std::string* private_member = nullptr);

// CheckIncomingOp for each op of `batch`, in order, but for the signature of
// an op that a later op of the batch vouches for: an op accepted here whose
// header names, as prev_digest, the digest (OpDigest) of its author's op one
// seq lower in the same stream was signed through it, so that op, found in
// the batch byte for byte, is taken without a check of its own. An op whose
// only voucher is refused is checked by its own signature. A run of one
// stream in seq order thus costs one signature check. Those left, when 64
// or more, are spread over up to 4 threads (started and joined here).
std::vector<absl::StatusOr<RecordStore::RemoteOp>> CheckIncomingOps(
    const v1::OpBatch& batch, const std::string& space_id, const Membership& members,
    uint64_t max_hlc, const std::string* private_member = nullptr);

// The highest seq of `device`'s stream of `visibility` whose ops count:
// nullopt (all of them) for a member; for a removed device, the cut-off its
// removal kept (Membership::LastSeqsOf); 0 for any other (a device never
// certified, or certified by a removed device after its removal).
std::optional<uint64_t> CountingLimit(const Membership& members, const std::string& device,
                                      v1::Visibility visibility);

// Whether an op by `header.author_device()` still counts (CountingLimit).
// PERMISSION_DENIED naming why otherwise. Checked on every op taken from a
// peer (CheckIncomingOp) and again every time an op is folded into the
// views (FoldCheck): an op taken before its author's removal was heard of
// stops counting once it is.
absl::Status CheckAuthorCounts(const v1::OpHeader& header, const Membership& members);

// The check RecordStore::SetRemoteOpCheck takes: CheckAuthorCounts, then
// the record rules (records/authorship.h: an op changes only its author's
// records). `members` must outlive the store.
RecordStore::RemoteOpCheck FoldCheck(const Membership& members);

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_OP_CHECKER_H_
