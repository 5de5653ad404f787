#include "daemon/records/goal_status.h"

#include <gtest/gtest.h>

#include <utility>

namespace attune {
namespace {

v1::Goal Weekly(int target, int weeks, const std::string& start) {
  v1::Goal g;
  g.set_title("Reflective listening");
  g.set_target_per_period(target);
  g.set_period(v1::GOAL_PERIOD_WEEK);
  g.set_periods(weeks);
  g.set_start_day(start);
  return g;
}

std::vector<v1::GoalProgress> On(std::initializer_list<const char*> days) {
  std::vector<v1::GoalProgress> out;
  for (const char* d : days) {
    v1::GoalProgress p;
    p.set_day(d);
    out.push_back(p);
  }
  return out;
}

using Period = v1::GoalStatus::Period;

TEST(GoalStatusTest, TwiceAWeekForFourWeeksMidway) {
  // Weeks start 11-02, 11-09, 11-16, 11-23. Today is in week 3.
  auto s =
      ComputeGoalStatus(Weekly(2, 4, "2026-11-02"),
                        On({"2026-11-03", "2026-11-05", "2026-11-10", "2026-11-12", "2026-11-17"}),
                        absl::CivilDay(2026, 11, 18));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->periods_size(), 4);
  EXPECT_EQ(s->periods(0).count(), 2);
  EXPECT_TRUE(s->periods(0).met());
  EXPECT_EQ(s->periods(0).when(), Period::WHEN_PAST);
  EXPECT_EQ(s->periods(1).end_day(), "2026-11-15");
  EXPECT_EQ(s->periods(2).count(), 1);
  EXPECT_EQ(s->periods(2).when(), Period::WHEN_CURRENT);
  EXPECT_EQ(s->periods(3).when(), Period::WHEN_FUTURE);
  EXPECT_EQ(s->state(), v1::GoalStatus::STATE_ACTIVE);
  EXPECT_TRUE(s->on_track());
  EXPECT_EQ(s->current_streak(), 2);
  EXPECT_EQ(s->total_count(), 5);
  EXPECT_EQ(s->total_target(), 8);
}

TEST(GoalStatusTest, AShortWeekBreaksTheStreakAndTheTrack) {
  auto s =
      ComputeGoalStatus(Weekly(2, 4, "2026-11-02"),
                        On({"2026-11-03", "2026-11-05", "2026-11-10", "2026-11-17", "2026-11-18"}),
                        absl::CivilDay(2026, 11, 19));
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->periods(1).met());
  EXPECT_FALSE(s->on_track());
  EXPECT_EQ(s->current_streak(), 1);  // only the current week, met
  EXPECT_EQ(s->state(), v1::GoalStatus::STATE_ACTIVE);
}

TEST(GoalStatusTest, DoneWhenEveryPeriodIsMet) {
  auto s = ComputeGoalStatus(Weekly(1, 2, "2026-11-02"), On({"2026-11-02", "2026-11-09"}),
                             absl::CivilDay(2026, 11, 10));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->state(), v1::GoalStatus::STATE_DONE);
  EXPECT_EQ(s->current_streak(), 2);
}

TEST(GoalStatusTest, MissedAfterTheEndWithAShortPeriod) {
  auto s = ComputeGoalStatus(Weekly(1, 2, "2026-11-02"), On({"2026-11-02"}),
                             absl::CivilDay(2026, 12, 1));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->state(), v1::GoalStatus::STATE_MISSED);
  EXPECT_FALSE(s->on_track());
  EXPECT_EQ(s->current_streak(), 0);
}

TEST(GoalStatusTest, NotStartedAndArchived) {
  auto later = ComputeGoalStatus(Weekly(1, 2, "2026-12-01"), {}, absl::CivilDay(2026, 11, 25));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->state(), v1::GoalStatus::STATE_NOT_STARTED);
  v1::Goal archived = Weekly(1, 2, "2026-11-01");
  archived.set_archived(true);
  auto a = ComputeGoalStatus(archived, {}, absl::CivilDay(2026, 11, 25));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->state(), v1::GoalStatus::STATE_ARCHIVED);
}

TEST(GoalStatusTest, DailyGoalCountsEachDayAndIgnoresDaysOutside) {
  v1::Goal g = Weekly(1, 3, "2026-11-10");
  g.set_period(v1::GOAL_PERIOD_DAY);
  auto s = ComputeGoalStatus(g, On({"2026-11-09", "2026-11-10", "2026-11-11", "2026-11-13"}),
                             absl::CivilDay(2026, 11, 12));
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->periods_size(), 3);
  EXPECT_EQ(s->periods(2).start_day(), "2026-11-12");
  EXPECT_EQ(s->total_count(), 2);
  EXPECT_EQ(s->current_streak(), 2);
  EXPECT_EQ(s->periods(2).when(), Period::WHEN_CURRENT);
}

TEST(GoalStatusTest, MonthlyPeriodsFollowTheCalendarFromTheStartDay) {
  v1::Goal g = Weekly(2, 4, "2026-01-15");
  g.set_period(v1::GOAL_PERIOD_MONTH);
  auto s = ComputeGoalStatus(
      g, On({"2026-01-14", "2026-01-15", "2026-02-14", "2026-02-15", "2026-03-20", "2026-05-14"}),
      absl::CivilDay(2026, 3, 20));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->periods_size(), 4);
  EXPECT_EQ(s->periods(0).start_day(), "2026-01-15");
  EXPECT_EQ(s->periods(0).end_day(), "2026-02-14");
  EXPECT_EQ(s->periods(1).start_day(), "2026-02-15");
  EXPECT_EQ(s->periods(1).end_day(), "2026-03-14");
  EXPECT_EQ(s->periods(3).end_day(), "2026-05-14");
  EXPECT_EQ(s->periods(0).count(), 2);  // 01-15 and 02-14; 01-14 is before the goal
  EXPECT_EQ(s->periods(1).count(), 1);
  EXPECT_EQ(s->periods(2).count(), 1);
  EXPECT_EQ(s->periods(3).count(), 1);
  EXPECT_EQ(s->periods(2).when(), Period::WHEN_CURRENT);
  EXPECT_EQ(s->total_count(), 5);
  EXPECT_EQ(GoalEndDay(absl::CivilDay(2026, 1, 15), g), absl::CivilDay(2026, 5, 14));
}

TEST(GoalStatusTest, AMonthlyGoalStartedOnThe31stUsesEachMonthsLastDay) {
  v1::Goal g = Weekly(1, 4, "2026-01-31");
  g.set_period(v1::GOAL_PERIOD_MONTH);
  auto s = ComputeGoalStatus(g, On({"2026-02-27", "2026-02-28", "2026-03-30", "2026-03-31"}),
                             absl::CivilDay(2026, 4, 1));
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->periods_size(), 4);
  EXPECT_EQ(s->periods(0).end_day(), "2026-02-27");
  EXPECT_EQ(s->periods(1).start_day(), "2026-02-28");
  EXPECT_EQ(s->periods(1).end_day(), "2026-03-30");
  EXPECT_EQ(s->periods(2).start_day(), "2026-03-31");
  EXPECT_EQ(s->periods(2).end_day(), "2026-04-29");
  EXPECT_EQ(s->periods(3).start_day(), "2026-04-30");
  EXPECT_EQ(s->periods(3).end_day(), "2026-05-30");
  EXPECT_EQ(s->periods(0).count(), 1);
  EXPECT_EQ(s->periods(1).count(), 2);
  EXPECT_EQ(s->periods(2).count(), 1);
  EXPECT_EQ(s->periods(2).when(), Period::WHEN_CURRENT);
}

TEST(GoalStatusTest, ContributionsCountEachPersonsPartOfTheCurrentPeriod) {
  std::vector<v1::GoalProgress> progress;
  for (auto [day, who] : std::vector<std::pair<const char*, const char*>>{
           {"2026-11-03", "aa"},  // last week: not counted
           {"2026-11-09", "aa"},
           {"2026-11-10", "aa"},
           {"2026-11-11", "aa"},
           {"2026-11-10", "bb"},
           {"2026-11-11", "bb"}}) {
    v1::GoalProgress p;
    p.set_day(day);
    p.set_author(who);
    progress.push_back(p);
  }
  auto s = ComputeGoalStatus(Weekly(7, 4, "2026-11-02"), progress, absl::CivilDay(2026, 11, 11),
                             {"cc", "aa"});
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->contributions_size(), 3);
  EXPECT_EQ(s->contributions(0).member(), "aa");
  EXPECT_EQ(s->contributions(0).count(), 3);
  EXPECT_EQ(s->contributions(1).member(), "bb");
  EXPECT_EQ(s->contributions(1).count(), 2);
  EXPECT_EQ(s->contributions(2).member(), "cc");
  EXPECT_EQ(s->contributions(2).count(), 0);

  // No period under way: nobody's part is shown.
  auto after =
      ComputeGoalStatus(Weekly(7, 1, "2026-11-02"), progress, absl::CivilDay(2026, 11, 30), {"aa"});
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->contributions_size(), 0);
}

}  // namespace
}  // namespace attune
