// What a plugin may write. A manifest asks for record kinds; the person
// grants them (`attune plugin grant`); a plugin's Finish may only return
// records of kinds both asked for and granted.
//
// Plugins shipped with attuned (found in the built-in folder) count as
// granted what their manifest asks for until the person revokes something;
// any other plugin starts with nothing granted. Pure functions.
#ifndef ATTUNE_DAEMON_PLUGINS_PERMISSIONS_H_
#define ATTUNE_DAEMON_PLUGINS_PERMISSIONS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "attune/plugin/v1/plugin.pb.h"
#include "attune/v1/exercise.pb.h"
#include "attune/v1/records.pb.h"

namespace attune {

// The kinds a manifest may ask for, which are the field names of
// OutputRecord: check_in, journal_entry, appreciation, goal_progress,
// plugin_record.
const std::vector<std::string>& KnownRecordKinds();
bool IsKnownRecordKind(std::string_view kind);
// "check_in, journal_entry, …" for messages.
std::string KnownRecordKindsText();

// The kind of an output record ("check_in"); empty when none is set.
std::string KindOf(const plugin::v1::OutputRecord& record);

// The kinds the plugin may write now, in the manifest's order: with no
// grant stored, everything asked for when `builtin`, else nothing; with a
// grant, the kinds both asked for and granted.
std::vector<std::string> EffectiveGrant(const plugin::v1::PluginManifest& manifest, bool builtin,
                                        const std::optional<v1::PluginGrant>& grant);

// The kinds `exercise` may write: its `writes`, or, without one, every kind
// the manifest asks for.
std::vector<std::string> WritesOf(const plugin::v1::PluginManifest& manifest,
                                  const v1::Exercise& exercise);

// OK when every kind `exercise` writes is granted; otherwise
// PERMISSION_DENIED naming the missing kinds and the command that grants them.
absl::Status CheckCanStart(const plugin::v1::PluginManifest& manifest, const v1::Exercise& exercise,
                           const std::vector<std::string>& granted);

// OK when every record is of a kind `exercise` writes and that is granted;
// otherwise PERMISSION_DENIED naming the first record that is not.
absl::Status CheckOutputs(const plugin::v1::PluginManifest& manifest, const v1::Exercise& exercise,
                          const std::vector<std::string>& granted,
                          const plugin::v1::FinishResponse& finish);

// The grant after allowing `kinds` (empty: everything asked for) on top of
// `current`. INVALID_ARGUMENT naming "kinds" for a kind that is unknown or
// that the manifest does not ask for.
absl::StatusOr<v1::PluginGrant> Grant(const plugin::v1::PluginManifest& manifest,
                                      const std::vector<std::string>& current,
                                      const std::vector<std::string>& kinds);

// The grant after taking `kinds` (empty: all) away from `current`.
// INVALID_ARGUMENT naming "kinds" for an unknown kind.
absl::StatusOr<v1::PluginGrant> Revoke(const plugin::v1::PluginManifest& manifest,
                                       const std::vector<std::string>& current,
                                       const std::vector<std::string>& kinds);

}  // namespace attune

#endif  // ATTUNE_DAEMON_PLUGINS_PERMISSIONS_H_
