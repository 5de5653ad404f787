// The merge of ops into record state (docs/ARCHITECTURE.md, "Merge").
//
// State is a fold over ops: each field keeps the value of the op with the
// greatest clock (hybrid logical clock, then device id) that set it; a
// tombstone deletes the record for good; add-only kinds (goal progress,
// appreciations, exercise sessions) are
// written once. Applying the same set of ops in any order, any number of
// times, gives the same state. Pure functions: thread-safe.
#ifndef ATTUNE_DAEMON_STORE_MERGE_H_
#define ATTUNE_DAEMON_STORE_MERGE_H_

#include "absl/status/status.h"
#include "attune/v1/records.pb.h"

namespace attune {

// Kinds: the field numbers of v1::Record's oneof.
enum class Kind : uint32_t {
  kJournalEntry = v1::Record::kJournalEntry,
  kCheckIn = v1::Record::kCheckIn,
  kGoal = v1::Record::kGoal,
  kGoalProgress = v1::Record::kGoalProgress,
  kAppreciation = v1::Record::kAppreciation,
  kExerciseSession = v1::Record::kExerciseSession,
  kPluginRecord = v1::Record::kPluginRecord,
  kReminder = v1::Record::kReminder,
  kCheckInKey = v1::Record::kCheckInKey,
  kMemberSettings = v1::Record::kMemberSettings,
};

// True for kinds whose records are written once and never changed.
bool IsAddOnly(uint32_t kind);

// a < b in the clock order.
bool ClockLess(const v1::Clock& a, const v1::Clock& b);

// Folds one op body, stamped with `clock`, into `state`. INVALID_ARGUMENT if
// the body is malformed (its record is not of its kind, or it names a field
// the record does not have); then `state` is unchanged.
absl::Status ApplyOp(const v1::OpBody& body, const v1::Clock& clock, v1::RecordState* state);

// Whether the state holds a live (created, not deleted) record.
bool IsLive(const v1::RecordState& state);

}  // namespace attune

#endif  // ATTUNE_DAEMON_STORE_MERGE_H_
