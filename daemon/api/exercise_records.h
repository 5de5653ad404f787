// The records of exercises: reading what a session needs from the store (its
// exercise's history, its plugin's own records) and storing what a finished
// session produced (the plugin's records, progress on goals that name the
// exercise, and the ExerciseSession itself).
#ifndef ATTUNE_DAEMON_API_EXERCISE_RECORDS_H_
#define ATTUNE_DAEMON_API_EXERCISE_RECORDS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "attune/plugin/v1/plugin.pb.h"
#include "daemon/api/live_sessions.h"
#include "daemon/records/resource.h"
#include "daemon/store/record_store.h"

namespace attune {

// What one session's record keeps, so that it seals into an op the store
// takes: the record at most kMaxRecordBytes (store/record_store.h), of which
// the person's text answers at most kMaxSessionAnswerBytes (a further text
// answer is refused with INVALID_ARGUMENT and the session stays at its
// step), and the plugin's questions from the first on while the record fits
// (beyond, an answer keeps its step's key without the question). A session
// credits at most kMaxGoalCredits goals, the person's own first.
inline constexpr size_t kMaxSessionAnswerBytes = 96 * 1024;
inline constexpr size_t kMaxGoalCredits = 20;

// Finished sessions of `exercise` (of every exercise when empty), with
// names, newest first.
absl::StatusOr<std::vector<v1::ExerciseSession>> FinishedSessions(const ServiceContext& ctx,
                                                                  const KeySet& keys,
                                                                  const std::string& exercise);

// The plugin's own records the person may see, with names: per key the
// newest of either member's (each writes their own under a key).
absl::StatusOr<std::vector<v1::PluginRecord>> PluginRecordsOf(const ServiceContext& ctx,
                                                              const KeySet& keys,
                                                              const std::string& plugin_id);

// The id of this member's plugin record under `key`: the member's id prefix
// (records/authorship.h), then a keyed hash of plugin and key (with the space
// key for SHARED records, the personal key for PRIVATE), so every device of
// the member lands on the same record and the id reveals nothing more.
std::string PluginRecordId(const KeySet& keys, const std::string& plugin_id, const std::string& key,
                           v1::Visibility visibility);

// Stores a finished session, all in one atomic write or nothing: the records
// the plugin returned (checked by CheckFinish and the permission check
// before), one progress on every active goal naming the exercise (with the
// plugin's goal_progress note, if any), and the ExerciseSession listing them.
// A goal whose days do not include today is skipped. Errors are the store's,
// or INVALID_ARGUMENT when a record breaks a rule only the store can check (a
// check-in day in the future, two check-ins for one day); nothing is stored
// then.
//
// Visibility: `session.visibility` is what the person chose at the start
// (unset: they did not choose). PRIVATE makes every record the session
// leaves private, whatever the plugin asked for; otherwise each record is as
// the plugin asked (unset reads PRIVATE, except where output_check says
// otherwise). The ExerciseSession record, which holds the person's answers,
// is SHARED only when the person chose SHARED, or did not choose and did a
// PAIR exercise, and no record the session left is private.
absl::StatusOr<v1::ExerciseSession> StoreFinishedSession(const ServiceContext& ctx,
                                                         const KeySet& keys,
                                                         const LiveSessionData& session,
                                                         const plugin::v1::FinishResponse& finish);

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_EXERCISE_RECORDS_H_
