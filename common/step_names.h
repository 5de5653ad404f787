// "{first}" and "{second}" in what a plugin's steps say: the person who
// started the session and their partner. The daemon fills them in for every
// plugin, whatever its language (and the C++ SDK does too, before sending).
// Pure functions; thread-safe.
#ifndef ATTUNE_COMMON_STEP_NAMES_H_
#define ATTUNE_COMMON_STEP_NAMES_H_

#include <string>

#include "attune/v1/exercise.pb.h"

namespace attune {

// `text` with "{first}" and "{second}" replaced, capitalized where a name
// starts a sentence ("your partner" -> "Your partner").
std::string WithNames(const std::string& text, const std::string& first, const std::string& second);

// The step with names filled in everywhere a person reads: title, text, a
// text input's placeholder, choice labels, a rating's two labels. Keys are
// left alone.
v1::Step StepWithNames(v1::Step step, const std::string& first, const std::string& second);

}  // namespace attune

#endif  // ATTUNE_COMMON_STEP_NAMES_H_
