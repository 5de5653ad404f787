// Create, read, update and delete of any record kind, shared by the journal,
// check-in and goal services. Works on the record messages by reflection:
// each has `visibility`, `create_time`, `update_time` and `author` fields.
#ifndef ATTUNE_DAEMON_RECORDS_RECORD_OPS_H_
#define ATTUNE_DAEMON_RECORDS_RECORD_OPS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "daemon/records/resource.h"
#include "google/protobuf/message.h"

namespace attune {

// The writes that make one change to one record, to be committed together
// with RecordStore::WriteAll (with other records' writes, when a change must
// be stored whole or not at all). Planned against the store as it was: a
// concurrent write to the same record can make the commit fail with
// ALREADY_EXISTS or NOT_FOUND, and then the caller plans again.
struct PlannedWrite {
  std::string id;                   // the record's raw id
  std::vector<Mutation> mutations;  // the last leaves the record's new state
};

// The record message inside `record` (JournalEntry, CheckIn, …).
const google::protobuf::Message& InnerRecord(const v1::Record& record);
google::protobuf::Message* MutableInnerRecord(v1::Record* record, Kind kind);

// PERMISSION_DENIED "this entry is Alex's; only Alex can change it" unless
// this device's person wrote the record (the kind names it: entry, goal,
// progress, …).
absl::Status CheckAuthor(const ServiceContext& ctx, const KeySet& keys, Kind kind,
                         const v1::RecordState& state);

// Writes a new record: stamps create_time, update_time and author, and sets
// every field but `name`. With kAbsent, ALREADY_EXISTS if the id was used.
// The op's visibility is the record's own, or `visibility` for kinds that
// have none (goal progress takes its goal's).
// The mutation CreateRecord writes (stamping `record` the same way), for a
// caller that commits several with RecordStore::WriteAll.
Mutation CreateMutation(const ServiceContext& ctx, const KeySet& keys, Kind kind,
                        const std::string& id, google::protobuf::Message* record,
                        Mutation::Require require,
                        std::optional<v1::Visibility> visibility = std::nullopt);

absl::StatusOr<v1::RecordState> CreateRecord(
    const ServiceContext& ctx, const KeySet& keys, Kind kind, const std::string& id,
    google::protobuf::Message* record, Mutation::Require require,
    std::optional<v1::Visibility> visibility = std::nullopt);

// Whether a person may see the record here: live, and shared or their own.
// (A partner's record that was shared and later made private stays in this
// device's log but is hidden.)
bool IsVisible(const KeySet& keys, const v1::RecordState& state);

// The live, visible record, or NOT_FOUND naming `name`.
absl::StatusOr<v1::RecordState> GetLiveRecord(const ServiceContext& ctx, const KeySet& keys,
                                              Kind kind, const std::string& id,
                                              const std::string& name);

// Sets `fields` (field numbers) of the live record to their values in
// `changes`, and update_time. When visibility goes from PRIVATE to SHARED,
// the op carries the whole record, so whoever may now read it gets all of it.
// Un-sharing is two ops (see UpdateMutations), written together.
// The mutations UpdateRecord writes (two when un-sharing), for a caller that
// commits several with RecordStore::WriteAll. NOT_FOUND as UpdateRecord.
absl::StatusOr<std::vector<Mutation>> UpdateMutations(const ServiceContext& ctx, const KeySet& keys,
                                                      Kind kind, const std::string& id,
                                                      const std::string& name,
                                                      const google::protobuf::Message& changes,
                                                      const std::vector<uint32_t>& fields);

// UpdateMutations for a live record the caller has read already (`current`,
// as GetLiveRecord returned it), so a read-change-write reads it once and
// changes exactly what it read. Checks the author the same way.
absl::StatusOr<std::vector<Mutation>> UpdateMutationsOf(const ServiceContext& ctx,
                                                        const KeySet& keys, Kind kind,
                                                        const std::string& id,
                                                        const v1::RecordState& current,
                                                        const google::protobuf::Message& changes,
                                                        const std::vector<uint32_t>& fields);

absl::StatusOr<v1::RecordState> UpdateRecord(const ServiceContext& ctx, const KeySet& keys,
                                             Kind kind, const std::string& id,
                                             const std::string& name,
                                             const google::protobuf::Message& changes,
                                             const std::vector<uint32_t>& fields);

// Deletes the live record for good (a tombstone op).
absl::Status DeleteRecord(const ServiceContext& ctx, const KeySet& keys, Kind kind,
                          const std::string& id, const std::string& name);

// How many times CommitWithRetry plans again.
inline constexpr int kMaxCommitAttempts = 8;

// Whether a commit was refused because another write changed a record it
// planned on (its Require conditions failed): then plan again.
inline bool ShouldPlanAgain(const absl::Status& status) {
  return absl::IsAlreadyExists(status) || absl::IsNotFound(status);
}

// Plans and commits until a plan holds. `attempt` reads the store, plans its
// mutations and commits them (their Require conditions guard the commit). When
// another write changed one of those records between the reading and the
// commit, the store refuses with ALREADY_EXISTS or NOT_FOUND and `attempt`
// runs again, up to kMaxCommitAttempts times; then ABORTED with `gave_up`
// (what to tell the person). Any other result is returned as it is.
template <typename T, typename Attempt>
absl::StatusOr<T> CommitWithRetry(const Attempt& attempt, const char* gave_up) {
  for (int i = 0; i < kMaxCommitAttempts; ++i) {
    absl::StatusOr<T> result = attempt();
    if (ShouldPlanAgain(result.status())) continue;
    return result;
  }
  return absl::AbortedError(gave_up);
}

}  // namespace attune

#endif  // ATTUNE_DAEMON_RECORDS_RECORD_OPS_H_
