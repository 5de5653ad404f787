// The record store: the op log and the record views built from it.
//
// Every write becomes one op of this device — sealed and signed — and its
// effect on the records view, stored together in one atomic, fsync'd batch.
// Concurrent writers are committed in groups (one fsync for many writes),
// and each device's ops get contiguous sequence numbers.
//
// All methods are thread-safe. Callers pass the KeySet of the unlocked vault
// and keep it alive for the call.
#ifndef ATTUNE_DAEMON_STORE_RECORD_STORE_H_
#define ATTUNE_DAEMON_STORE_RECORD_STORE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "attune/v1/records.pb.h"
#include "daemon/base/clock.h"
#include "daemon/store/db.h"
#include "daemon/store/hlc.h"
#include "daemon/store/merge.h"
#include "daemon/vault/keys.h"

namespace attune {

// One change to one record.
struct Mutation {
  enum class Require {
    kNothing,  // create or update
    kLive,     // NOT_FOUND unless the record exists and is not deleted
    kAbsent,   // ALREADY_EXISTS if the record was ever written
  };
  // kind, record_id (16 raw bytes), fields and record or tombstone.
  v1::OpBody body;
  v1::Visibility visibility = v1::PRIVATE;
  Require require = Require::kNothing;
};

class RecordStore {
 public:
  // `db` and `clock` must outlive the store.
  RecordStore(Db* db, const Clock* clock);

  // Appends the op and updates the view, durably, before returning the
  // record's new state. Errors: NOT_FOUND / ALREADY_EXISTS per `require`,
  // INVALID_ARGUMENT for a malformed body, the store's error otherwise; on
  // any error nothing was written.
  absl::StatusOr<v1::RecordState> Write(const KeySet& keys, Mutation mutation);

  // The state of a record; nullopt if it was never written.
  absl::StatusOr<std::optional<v1::RecordState>> Get(const KeySet& keys,
                                                     Kind kind,
                                                     std::string_view id) const;

  // Calls fn for every record of the kind (live or deleted) in id order
  // until fn returns false.
  absl::Status ForEach(
      const KeySet& keys, Kind kind,
      const std::function<bool(std::string_view id, const v1::RecordState&)>& fn)
      const;

  // Drops the views and folds every op of the log into them again. Ops the
  // keys cannot open (another member's private ops) are skipped and counted.
  struct RebuildStats {
    uint64_t ops = 0;
    uint64_t records = 0;
    uint64_t skipped = 0;
  };
  absl::StatusOr<RebuildStats> RebuildViews(const KeySet& keys);

  // Asks for RebuildViews at the next unlock; remembered across restarts.
  absl::Status RequestRebuild();
  // Runs a requested rebuild, if any. Call after every unlock.
  absl::Status OnUnlock(const KeySet& keys);

  // Every view entry, opened and deterministically serialized, by key.
  absl::StatusOr<std::map<std::string, std::string>> DumpViews(
      const KeySet& keys) const;

  // Ops this device has written.
  absl::StatusOr<uint64_t> OwnOpCount(const KeySet& keys) const;
  // Entries in the records view.
  absl::StatusOr<int64_t> RecordCount() const;

  static std::string ViewKey(Kind kind, std::string_view id);
  static std::string OplogKey(std::string_view device, uint64_t seq);

 private:
  struct Writer;
  void CommitGroup(const std::vector<Writer*>& group);
  absl::StatusOr<v1::RecordState> LoadState(const KeySet& keys,
                                            const std::string& key) const;
  absl::StatusOr<uint64_t> LastSeq(std::string_view device) const;

  Db* const db_;
  HybridClock hlc_;

  absl::Mutex mu_;
  std::deque<Writer*> queue_ ABSL_GUARDED_BY(mu_);

  // Held by the group leader while it commits, and by RebuildViews.
  absl::Mutex commit_mu_ ABSL_ACQUIRED_AFTER(mu_);
  std::string own_device_ ABSL_GUARDED_BY(commit_mu_);
  uint64_t next_seq_ ABSL_GUARDED_BY(commit_mu_) = 0;  // 0: not loaded yet
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_STORE_RECORD_STORE_H_
