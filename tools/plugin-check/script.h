// The answers plugin-check gives to steps: what a cooperative person would
// answer, so a whole session can run without one.
#ifndef ATTUNE_TOOLS_PLUGIN_CHECK_SCRIPT_H_
#define ATTUNE_TOOLS_PLUGIN_CHECK_SCRIPT_H_

#include "attune/v1/api.pb.h"
#include "attune/v1/exercise.pb.h"

namespace attune {

// done (with the turn's length) for prompts, turns and switches; a sentence
// for text (within max_chars); the first choices needed; the first labels of
// the vocabulary with intensity 3; a rating of 4.
v1::Answer ScriptedAnswer(const v1::Step& step, const v1::ListEmotionsResponse& vocabulary);

}  // namespace attune

#endif  // ATTUNE_TOOLS_PLUGIN_CHECK_SCRIPT_H_
