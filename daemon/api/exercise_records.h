// The records of exercises: reading what a session needs from the store (its
// exercise's history, its plugin's own records) and storing what a finished
// session produced (the plugin's records, progress on goals that name the
// exercise, and the ExerciseSession itself).
#ifndef ATTUNE_DAEMON_API_EXERCISE_RECORDS_H_
#define ATTUNE_DAEMON_API_EXERCISE_RECORDS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "attune/plugin/v1/plugin.pb.h"
#include "daemon/api/live_sessions.h"
#include "daemon/api/resource.h"

namespace attune {

inline constexpr char kExerciseSessions[] = "exerciseSessions";
inline constexpr char kAppreciations[] = "appreciations";
inline constexpr char kPluginRecords[] = "pluginRecords";

// Finished sessions of `exercise` (of every exercise when empty), with
// names, newest first.
absl::StatusOr<std::vector<v1::ExerciseSession>> FinishedSessions(const ServiceContext& ctx,
                                                                  const KeySet& keys,
                                                                  const std::string& exercise);

// The plugin's own records, with names.
absl::StatusOr<std::vector<v1::PluginRecord>> PluginRecordsOf(const ServiceContext& ctx,
                                                              const KeySet& keys,
                                                              const std::string& plugin_id);

// The id of a plugin's record under `key`: a keyed hash of plugin and key
// (with the space key for SHARED records, the personal key for PRIVATE), so
// every device lands on the same record and the id reveals nothing.
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
absl::StatusOr<v1::ExerciseSession> StoreFinishedSession(const ServiceContext& ctx,
                                                         const KeySet& keys,
                                                         const LiveSessionData& session,
                                                         const plugin::v1::FinishResponse& finish);

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_EXERCISE_RECORDS_H_
