// The options an exercise lists (Exercise.options in
// proto/attune/v1/exercise.proto): checking what a manifest declares, and
// resolving what a person chose when starting a session into the values the
// plugin gets. The one place these rules live; the manifest check and the
// exercise service both call it.
#ifndef ATTUNE_DAEMON_PLUGINS_EXERCISE_OPTIONS_H_
#define ATTUNE_DAEMON_PLUGINS_EXERCISE_OPTIONS_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "attune/v1/exercise.pb.h"
#include "attune/v1/limits.pb.h"
#include "google/protobuf/map.h"

namespace attune {

inline constexpr int kMaxExerciseOptions = v1::LIMIT_EXERCISE_OPTIONS;

// Checks the options an exercise declares: at most 20, keys 1 to 32 of a-z,
// 0-9 and '_' and unique, a description, exactly one kind, integer ranges
// with min <= max, choices of 2 to 20 distinct key-like words, and a default
// the option allows (a text option's: one line of at most 64 characters). INVALID_ARGUMENT naming
// the field under `field`
// ("exercises[0].options[1].default_value: …").
absl::Status CheckDeclaredOptions(const std::string& field, const v1::Exercise& exercise);

// What the plugin gets for a session: every option `exercise` lists, with
// the value in `chosen` or else its default (an integer written back in its
// plain form: "060" gives "60"). INVALID_ARGUMENT for a key the exercise does
// not list or a value its option does not allow, naming the key and what is
// allowed. `exercise` must have passed CheckDeclaredOptions.
absl::StatusOr<std::map<std::string, std::string>> ResolveOptions(
    const v1::Exercise& exercise, const google::protobuf::Map<std::string, std::string>& chosen);

// What an option allows, for people: "a whole number of seconds from 10 to
// 900, default 120", "one of no, yes; default no", "any text of one line".
std::string DescribeAllowed(const v1::ExerciseOption& option);

}  // namespace attune

#endif  // ATTUNE_DAEMON_PLUGINS_EXERCISE_OPTIONS_H_
