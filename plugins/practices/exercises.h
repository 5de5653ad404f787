// The everyday practices of emotional connection, one exercise each.
#ifndef ATTUNE_PLUGINS_PRACTICES_EXERCISES_H_
#define ATTUNE_PLUGINS_PRACTICES_EXERCISES_H_

#include "plugins/sdk/sdk.h"

namespace attune::practices {

// One high and one low of the day, feelings and closeness; describe, don't
// solve. Stores the starter's check-in.
plugin::Exercise DailyCheckIn();
// Timed turns of speaking and paraphrasing facts and feelings, rated for
// accuracy, with a role switch.
plugin::Exercise ReflectiveListening();
// Pause, pick the feeling with its intensity, say "I'm noticing I feel …".
plugin::Exercise EmotionNaming();
// One specific appreciation, said and stored.
plugin::Exercise Appreciation();
// Ten uninterrupted minutes to share a worry or a hope, framed before and
// closed after.
plugin::Exercise Vulnerability();
// Noticing posture, tone and energy, mirroring, then leading toward calm.
plugin::Exercise NonverbalAttunement();

}  // namespace attune::practices

#endif  // ATTUNE_PLUGINS_PRACTICES_EXERCISES_H_
