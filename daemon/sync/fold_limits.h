// What the record views count of the devices that are no longer members
// (a removed device's ops up to its cut-off, nothing of a device certified
// only by one removed before), and folding the views again when that
// changes for ops this device already holds: a removal heard of after some
// of the removed device's later ops were taken, or a second removal that
// raises a cut-off. Then every member's records equal those of the members
// that took only what counts (op_checker.h, CountingLimit).
//
// Thread-safe as the store and the membership are; callers serialise
// RefoldIfLimitsChanged (the peer manager's change lock).
#ifndef ATTUNE_DAEMON_SYNC_FOLD_LIMITS_H_
#define ATTUNE_DAEMON_SYNC_FOLD_LIMITS_H_

#include <map>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "daemon/store/record_store.h"
#include "daemon/sync/membership.h"

namespace attune {

// CountingLimit of every certified device that is not a member, both
// streams (shared, private): what the views may count of it.
using FoldLimits = std::map<std::string, std::pair<uint64_t, uint64_t>>;
FoldLimits CurrentFoldLimits(const Membership& members);

// Whether views folded under `before` count other ops than views folded under
// `after` would, for a store that holds `written` (RecordStore::
// WrittenVersionVectors) of each stream; the streams of `self` (whose ops
// are never checked at a fold) aside. When a removal arrives after some of
// the removed device's later ops were taken, or a second removal raises a
// cut-off, the views must be folded again (RecordStore::RebuildViews) to
// equal those of the devices that took only what counts.
bool FoldLimitsMatter(
    const FoldLimits& before, const FoldLimits& after,
    const std::pair<RecordStore::VersionVector, RecordStore::VersionVector>& written,
    const std::string& self);

// Compares CurrentFoldLimits with those the views were last folded under
// (kept in meta, LocalTable::kFoldLimits, in `db`) and, when the difference
// matters for the ops `store` holds, folds the views again
// (RecordStore::RebuildViews with `keys`; with null keys, while locked, asks
// for it at the next unlock, RecordStore::RequestRebuild, which is asked for
// first in any case so a crash in between still does it); then remembers
// the limits. Returns whether a fold again was needed.
absl::StatusOr<bool> RefoldIfLimitsChanged(const Membership& members, RecordStore* store, Db* db,
                                           const std::string& self, const KeySet* keys);

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_FOLD_LIMITS_H_
