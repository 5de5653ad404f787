// How a measurable goal stands: progress per period, on track, streak, and
// whether it is done or missed. A pure function of the goal, its progress and
// the day it is asked on.
#ifndef ATTUNE_DAEMON_RECORDS_GOAL_STATUS_H_
#define ATTUNE_DAEMON_RECORDS_GOAL_STATUS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "attune/v1/api.pb.h"

namespace attune {

// Period i (0-based) covers [PeriodStart(i), PeriodStart(i + 1) - 1]: a day
// (DAY), seven days (WEEK) or a calendar month (MONTH) from the start day.
// Progress outside every period is not counted. Contributions count the
// current period's progress by author; each member in `always_shown` (hex
// ids) is listed even with none; display names are left empty.
// INVALID_ARGUMENT only for a goal that fails validation (bad start_day).
absl::StatusOr<v1::GoalStatus> ComputeGoalStatus(const v1::Goal& goal,
                                                 const std::vector<v1::GoalProgress>& progress,
                                                 absl::CivilDay today,
                                                 const std::vector<std::string>& always_shown = {});

// The first day of period `index` (0-based; index == periods gives the day
// after the goal's end). For MONTH, the start day's day of the month in the
// index-th month after it, or that month's last day when it is shorter.
absl::CivilDay PeriodStart(absl::CivilDay start, const v1::Goal& goal, int64_t index);

// The last day of the goal's last period.
absl::CivilDay GoalEndDay(absl::CivilDay start, const v1::Goal& goal);

}  // namespace attune

#endif  // ATTUNE_DAEMON_RECORDS_GOAL_STATUS_H_
