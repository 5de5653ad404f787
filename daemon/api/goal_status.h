// How a measurable goal stands: progress per period, on track, streak, and
// whether it is done or missed. A pure function of the goal, its progress and
// the day it is asked on.
#ifndef ATTUNE_DAEMON_API_GOAL_STATUS_H_
#define ATTUNE_DAEMON_API_GOAL_STATUS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "attune/v1/api.pb.h"

namespace attune {

// Period i (0-based) covers [start + i*len, start + (i+1)*len - 1], len being
// 1 (DAY) or 7 (WEEK) days. Progress outside every period is not counted.
// INVALID_ARGUMENT only for a goal that fails validation (bad start_day).
absl::StatusOr<v1::GoalStatus> ComputeGoalStatus(const v1::Goal& goal,
                                                 const std::vector<v1::GoalProgress>& progress,
                                                 absl::CivilDay today);

// The last day of the goal's last period.
absl::CivilDay GoalEndDay(absl::CivilDay start, const v1::Goal& goal);

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_GOAL_STATUS_H_
