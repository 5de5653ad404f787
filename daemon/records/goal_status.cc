#include "daemon/records/goal_status.h"

#include <algorithm>
#include <map>

#include "daemon/records/validation.h"

namespace attune {
namespace {

int PeriodDays(const v1::Goal& goal) { return goal.period() == v1::GOAL_PERIOD_WEEK ? 7 : 1; }

// The 0-based period holding `day` (which is on or after start).
int64_t PeriodIndex(absl::CivilDay start, const v1::Goal& goal, absl::CivilDay day) {
  if (goal.period() != v1::GOAL_PERIOD_MONTH) return (day - start) / PeriodDays(goal);
  int64_t i = absl::CivilMonth(day) - absl::CivilMonth(start);
  while (i > 0 && PeriodStart(start, goal, i) > day) --i;
  return i;
}

}  // namespace

absl::CivilDay PeriodStart(absl::CivilDay start, const v1::Goal& goal, int64_t index) {
  if (goal.period() != v1::GOAL_PERIOD_MONTH)
    return start + static_cast<int64_t>(PeriodDays(goal)) * index;
  absl::CivilMonth month = absl::CivilMonth(start) + index;
  int last = (absl::CivilDay(month + 1) - 1).day();
  return absl::CivilDay(month.year(), month.month(), std::min(start.day(), last));
}

absl::CivilDay GoalEndDay(absl::CivilDay start, const v1::Goal& goal) {
  return PeriodStart(start, goal, goal.periods()) - 1;
}

absl::StatusOr<v1::GoalStatus> ComputeGoalStatus(const v1::Goal& goal,
                                                 const std::vector<v1::GoalProgress>& progress,
                                                 absl::CivilDay today,
                                                 const std::vector<std::string>& always_shown) {
  auto start = ParseDay("goal.start_day", goal.start_day());
  if (!start.ok()) return start.status();
  const absl::CivilDay end = GoalEndDay(*start, goal);

  v1::GoalStatus status;
  *status.mutable_goal() = goal;
  status.set_today(FormatDay(today));

  std::vector<int> counts(static_cast<size_t>(std::max(goal.periods(), 0)), 0);
  int total = 0;
  for (const auto& p : progress) {
    auto day = ParseDay("progress.day", p.day());
    if (!day.ok() || *day < *start || *day > end) continue;
    counts[static_cast<size_t>(PeriodIndex(*start, goal, *day))]++;
    ++total;
  }

  bool all_met = true, past_all_met = true;
  int streak = 0, running = 0;
  for (int i = 0; i < goal.periods(); ++i) {
    absl::CivilDay p_start = PeriodStart(*start, goal, i);
    absl::CivilDay p_end = PeriodStart(*start, goal, i + 1) - 1;
    auto* period = status.add_periods();
    period->set_index(i + 1);
    period->set_start_day(FormatDay(p_start));
    period->set_end_day(FormatDay(p_end));
    period->set_count(counts[static_cast<size_t>(i)]);
    period->set_target(goal.target_per_period());
    const bool met = period->count() >= period->target();
    period->set_met(met);
    if (p_end < today) {
      period->set_when(v1::GoalStatus::Period::WHEN_PAST);
    } else if (p_start > today) {
      period->set_when(v1::GoalStatus::Period::WHEN_FUTURE);
    } else {
      period->set_when(v1::GoalStatus::Period::WHEN_CURRENT);
    }
    all_met = all_met && met;
    if (period->when() == v1::GoalStatus::Period::WHEN_PAST) {
      past_all_met = past_all_met && met;
      running = met ? running + 1 : 0;
      streak = running;
    } else if (period->when() == v1::GoalStatus::Period::WHEN_CURRENT && met) {
      streak = running + 1;
    }
  }

  if (goal.archived()) {
    status.set_state(v1::GoalStatus::STATE_ARCHIVED);
  } else if (today < *start) {
    status.set_state(v1::GoalStatus::STATE_NOT_STARTED);
  } else if (all_met) {
    status.set_state(v1::GoalStatus::STATE_DONE);
  } else if (today > end) {
    status.set_state(v1::GoalStatus::STATE_MISSED);
  } else {
    status.set_state(v1::GoalStatus::STATE_ACTIVE);
  }
  status.set_on_track(past_all_met && status.state() != v1::GoalStatus::STATE_MISSED);
  status.set_current_streak(streak);
  status.set_total_count(total);
  status.set_total_target(goal.target_per_period() * goal.periods());

  // Who did how much in the current period.
  const v1::GoalStatus::Period* current = nullptr;
  for (const auto& period : status.periods()) {
    if (period.when() == v1::GoalStatus::Period::WHEN_CURRENT) current = &period;
  }
  if (current != nullptr) {
    std::map<std::string, int> by_member;
    for (const auto& m : always_shown) {
      if (!m.empty()) by_member[m];
    }
    for (const auto& p : progress) {
      if (p.day() >= current->start_day() && p.day() <= current->end_day()) {
        by_member[p.author()]++;
      }
    }
    for (const auto& [member, count] : by_member) {
      auto* c = status.add_contributions();
      c->set_member(member);
      c->set_count(count);
    }
  }

  std::vector<const v1::GoalProgress*> recent;
  for (const auto& p : progress) recent.push_back(&p);
  std::sort(recent.begin(), recent.end(), [](const auto* a, const auto* b) {
    if (a->day() != b->day()) return a->day() > b->day();
    if (a->create_time().seconds() != b->create_time().seconds()) {
      return a->create_time().seconds() > b->create_time().seconds();
    }
    return a->create_time().nanos() > b->create_time().nanos();
  });
  for (size_t i = 0; i < recent.size() && i < 20; ++i) {
    *status.add_recent() = *recent[i];
  }
  return status;
}

}  // namespace attune
