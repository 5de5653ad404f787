// Checks at the edge between a plugin and a person: a step a plugin sends
// must be well formed (else the plugin misbehaved), and a person's answer
// must fit the step (else INVALID_ARGUMENT naming the field).
#ifndef ATTUNE_DAEMON_PLUGINS_STEP_CHECK_H_
#define ATTUNE_DAEMON_PLUGINS_STEP_CHECK_H_

#include <set>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "attune/v1/exercise.pb.h"

namespace attune {

// A step or record key: 1 to 64 of a-z, 0-9, '-' and '_'.
bool IsValidKey(std::string_view key);

// Checks a step from a plugin and fills in defaults (max_chars 2000,
// max_choices 1, max_labels 3). `used_keys` are the keys of the session's
// earlier steps. INVALID_ARGUMENT naming the field ("step.timed_turn.seconds:
// 0 is not within 1 to 3600").
absl::Status CheckStep(v1::Step* step, const std::set<std::string>& used_keys);

// Checks a person's answer to `step` (checked by CheckStep). Normalizes
// emotion labels (lower case, intensity 0 -> 3). INVALID_ARGUMENT naming the
// field ("answer.rating: must be 1 to 5").
absl::Status CheckAnswer(const v1::Step& step, v1::Answer* answer);

// The answer in words, for the stored session: the text; the picked choices'
// labels; "grateful (4), tired (2)"; "4 of 5"; "done".
std::string AnswerText(const v1::Step& step, const v1::Answer& answer);

// Whether a step asks a question (an input), rather than guiding.
bool IsInput(const v1::Step& step);

}  // namespace attune

#endif  // ATTUNE_DAEMON_PLUGINS_STEP_CHECK_H_
