// The "Study together" exercise.
#ifndef ATTUNE_PLUGINS_STUDY_STUDY_TOGETHER_H_
#define ATTUNE_PLUGINS_STUDY_STUDY_TOGETHER_H_

#include "plugins/sdk/sdk.h"

namespace attune::study {

// With no plan (or a finished one, or the option new_plan=yes), the session
// makes a plan; otherwise it is the discussion of the week's unit.
plugin::Exercise StudyTogether();

}  // namespace attune::study

#endif  // ATTUNE_PLUGINS_STUDY_STUDY_TOGETHER_H_
