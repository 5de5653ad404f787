// The built-in feelings vocabulary: families of related feelings, in the
// manner of a feelings wheel. Check-ins and journal entries may only name
// feelings from it, so both partners speak the same words.
#ifndef ATTUNE_DAEMON_RECORDS_EMOTIONS_H_
#define ATTUNE_DAEMON_RECORDS_EMOTIONS_H_

#include <string_view>

#include "attune/v1/api.pb.h"

namespace attune {

// Every family with its labels, in display order.
const v1::ListEmotionsResponse& EmotionVocabulary();

// Whether `label` (lower case) is in the vocabulary.
bool IsKnownEmotion(std::string_view label);

}  // namespace attune

#endif  // ATTUNE_DAEMON_RECORDS_EMOTIONS_H_
