// Turning what a person types into answers to exercise steps, and the small
// texts a session shows (names for roles, a countdown clock). Pure: no
// terminal and no daemon, so it is unit tested.
#ifndef ATTUNE_CLIENTS_CLI_EXERCISE_ANSWERS_H_
#define ATTUNE_CLIENTS_CLI_EXERCISE_ANSWERS_H_

#include <string>

#include "absl/status/statusor.h"
#include "attune/v1/exercise.pb.h"

namespace attune::cli {

// "2", "1,3", "1 3" (numbers as listed) or choice keys ("enough"). An empty
// line picks nothing, which the step may allow. INVALID_ARGUMENT saying what
// to type.
absl::StatusOr<v1::Answer> ParseChoiceAnswer(const v1::ChoiceInputStep& step,
                                             const std::string& line);

// "1" to "5".
absl::StatusOr<v1::Answer> ParseRatingAnswer(const std::string& line);

// "2:00", "0:07", "10:00".
std::string ClockText(int seconds);

// The name steps use for `person`: the first or the second name, "both of
// you", or "" when unspecified.
std::string PersonName(v1::Person person, const std::string& first, const std::string& second);

// "Choose one", "Choose 1 to 3", "Choose up to 2" for a choice step.
std::string ChoiceHint(const v1::ChoiceInputStep& step);

}  // namespace attune::cli

#endif  // ATTUNE_CLIENTS_CLI_EXERCISE_ANSWERS_H_
