// The manifest of a plugin folder (`manifest.textproto`, a PluginManifest in
// protobuf text format; see proto/attune/plugin/v1/plugin.proto): reading it
// and checking that it describes a plugin the daemon can run.
#ifndef ATTUNE_DAEMON_PLUGINS_MANIFEST_H_
#define ATTUNE_DAEMON_PLUGINS_MANIFEST_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "attune/plugin/v1/plugin.pb.h"

namespace attune {

namespace pv1 = ::attune::plugin::v1;

inline constexpr char kManifestFileName[] = "manifest.textproto";

// The plugin protocol versions this daemon speaks.
inline constexpr int kPluginProtocolVersion = 1;

// Parses manifest text. INVALID_ARGUMENT with the parser's line and column,
// or naming the field that is wrong ("exercises[1].minutes: …").
absl::StatusOr<pv1::PluginManifest> ParseManifest(const std::string& text);

// Checks a parsed manifest: ids, a version, protocol 1, an executable path
// inside the folder, known permissions, 1 to 50 exercises with unique ids,
// titles, summaries, minutes 1 to 240, a mode and well-formed options (see
// exercise_options.h). Errors name the field.
absl::Status CheckManifest(const pv1::PluginManifest& manifest);

// Reads `folder`/manifest.textproto, parses and checks it, and checks that
// the executable exists there and may be run. NOT_FOUND when the folder has
// no manifest; INVALID_ARGUMENT for everything else that is wrong.
absl::StatusOr<pv1::PluginManifest> ReadManifest(const std::string& folder);

// Checks a plugin's Describe answer against its manifest: the same id, the
// same version and the same exercises (by id, with the same titles and
// modes). FAILED_PRECONDITION naming the first difference.
absl::Status CheckDescribeMatches(const pv1::PluginManifest& manifest,
                                  const pv1::DescribeResponse& described);

}  // namespace attune

#endif  // ATTUNE_DAEMON_PLUGINS_MANIFEST_H_
