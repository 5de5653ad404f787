// Working through the common hard parts of closeness.
#ifndef ATTUNE_PLUGINS_CHALLENGES_EXERCISES_H_
#define ATTUNE_PLUGINS_CHALLENGES_EXERCISES_H_

#include "plugins/sdk/sdk.h"

namespace attune::challenges {

// "What connection means to each of us": each answers the same questions
// about the closeness they want; the answers are compared side by side.
plugin::Exercise ConnectionMeanings();
// Repair after a breach of trust: acknowledgment, sincere apology,
// accountability, and repeated trustworthy actions to commit to.
plugin::Exercise Repair();

}  // namespace attune::challenges

#endif  // ATTUNE_PLUGINS_CHALLENGES_EXERCISES_H_
