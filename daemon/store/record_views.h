// The records view: the current state of every record (a v1::RecordState,
// the record and its field clocks, or its tombstone) under kind ‖ id, each
// sealed with the data key and bound to its key. The view is derived: the op
// log is the truth, and RecordStore folds ops into the view in the same
// atomic batch that appends them; RebuildViews refolds it from the log.
//
// RecordViews reads the view and stages writes into a caller's Batch; it
// never writes on its own, so a view entry is only ever changed together
// with the op that changed it. Thread-safe (it holds no state of its own);
// callers pass the unlocked vault's KeySet and keep it alive for the call.
#ifndef ATTUNE_DAEMON_STORE_RECORD_VIEWS_H_
#define ATTUNE_DAEMON_STORE_RECORD_VIEWS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "attune/v1/records.pb.h"
#include "daemon/store/db.h"
#include "daemon/store/merge.h"
#include "daemon/vault/keys.h"

namespace attune {

class RecordViews {
 public:
  // `db` must outlive the views.
  explicit RecordViews(Db* db) : db_(db) {}

  // The view key of a record: kind (one byte) ‖ raw id.
  static std::string Key(Kind kind, std::string_view id);

  // The state stored under `key`; an empty RecordState when there is none.
  // DATA_LOSS when the entry does not open with these keys (changed on the
  // disk, or moved from another key) or does not parse.
  absl::StatusOr<v1::RecordState> Load(const KeySet& keys, const std::string& key) const;

  // The state of a record; nullopt when it was never written.
  absl::StatusOr<std::optional<v1::RecordState>> Get(const KeySet& keys, Kind kind,
                                                     std::string_view id) const;

  // Calls fn for every record of the kind (live or deleted) in id order
  // until fn returns false. Stops at the first entry that does not open.
  absl::Status ForEach(
      const KeySet& keys, Kind kind,
      const std::function<bool(std::string_view id, const v1::RecordState&)>& fn) const;

  // Every entry, opened (the state serialized deterministically), by key.
  absl::StatusOr<std::map<std::string, std::string>> Dump(const KeySet& keys) const;

  // How many entries the view holds (nothing is opened).
  absl::StatusOr<int64_t> Count() const;
  // True when the view holds no entry.
  absl::StatusOr<bool> Empty() const;

  // Adds `state`, sealed for `key`, to `batch`.
  static void Put(const KeySet& keys, const std::string& key, const v1::RecordState& state,
                  Batch* batch);

  // Drops every entry (RebuildViews refills them). Not atomic with anything.
  absl::Status Clear();

 private:
  Db* const db_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_STORE_RECORD_VIEWS_H_
