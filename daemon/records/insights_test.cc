// Insights arithmetic on fixed data: streaks across month boundaries, missed
// days and time zones; a week's summary (Monday to Sunday in the person's
// zone); the care note's test; trend weeks.
#include "daemon/records/insights.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace attune {
namespace {

constexpr char kMe[] = "aaaa";
constexpr char kSam[] = "bbbb";

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone z;
  EXPECT_TRUE(absl::LoadTimeZone(name, &z)) << name;
  return z;
}

absl::Time At(const std::string& rfc3339) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) << err;
  return t;
}

v1::CheckIn CheckIn(const std::string& who, const std::string& day, int rating = 0,
                    std::vector<std::string> feelings = {}, const std::string& zone = "UTC") {
  v1::CheckIn c;
  c.set_author(who);
  c.set_day(day);
  c.set_time_zone(zone);
  c.set_high("a high");
  c.set_low("a low");
  c.set_connection_rating(rating);
  for (const auto& f : feelings) c.add_emotions()->set_label(f);
  return c;
}

InsightsInput Input(const std::string& now, const std::string& zone = "UTC") {
  InsightsInput in;
  in.me = kMe;
  in.now = At(now);
  in.zone = Zone(zone);
  in.weeks = 4;
  return in;
}

TEST(InsightsTest, AStreakRunsAcrossAMonthAndWaitsForTodaysCheckIn) {
  InsightsInput in = Input("2026-02-02T20:00:00Z");
  for (const char* day : {"2026-01-20", "2026-01-21", "2026-01-30", "2026-01-31", "2026-02-01"}) {
    in.check_ins.push_back(CheckIn(kMe, day));
  }
  v1::Insights got = ComputeInsights(in);
  // Today (Feb 2) has none yet: the streak still stands, counted to Feb 1.
  EXPECT_EQ(got.my_streak().current(), 3);
  EXPECT_EQ(got.my_streak().longest(), 3);
  EXPECT_EQ(got.my_streak().last_day(), "2026-02-01");
  in.check_ins.push_back(CheckIn(kMe, "2026-02-02"));
  EXPECT_EQ(ComputeInsights(in).my_streak().current(), 4);
  // A missed day ends it.
  in = Input("2026-02-03T09:00:00Z");
  in.check_ins.push_back(CheckIn(kMe, "2026-02-01"));
  EXPECT_EQ(ComputeInsights(in).my_streak().current(), 0);
  EXPECT_EQ(ComputeInsights(in).my_streak().longest(), 1);
}

TEST(InsightsTest, EachPersonsTodayIsTheirOwn) {
  // 02:00 UTC on Dec 5: Dec 5 in Lisbon, still Dec 4 in Los Angeles.
  InsightsInput in = Input("2026-12-05T02:00:00Z", "Europe/Lisbon");
  for (const char* day : {"2026-12-01", "2026-12-02", "2026-12-03"}) {
    in.check_ins.push_back(CheckIn(kSam, day, 4, {}, "America/Los_Angeles"));
    in.check_ins.push_back(CheckIn(kMe, day, 4, {}, "Europe/Lisbon"));
  }
  v1::Insights got = ComputeInsights(in);
  ASSERT_EQ(got.others_size(), 1);
  EXPECT_EQ(got.others(0).member(), kSam);
  // Sam's Dec 4 is not over: three days in a row still.
  EXPECT_EQ(got.others(0).streak().current(), 3);
  // Mine: Dec 4 is past in Lisbon with no check-in.
  EXPECT_EQ(got.my_streak().current(), 0);
  EXPECT_EQ(got.together().longest(), 3);
  EXPECT_EQ(got.together().current(), 0);
}

TEST(InsightsTest, AWeekRunsMondayToSundayInThePersonsZone) {
  // Wednesday Dec 9, 2026; the week began Monday Dec 7.
  InsightsInput in = Input("2026-12-09T12:00:00Z", "Asia/Tokyo");
  in.check_ins.push_back(CheckIn(kMe, "2026-12-06", 2, {"sad"}));  // Sunday: last week
  in.check_ins.push_back(CheckIn(kMe, "2026-12-07", 4, {"grateful", "tired"}));
  in.check_ins.push_back(CheckIn(kMe, "2026-12-08", 5, {"grateful", "calm"}));
  in.check_ins.push_back(CheckIn(kSam, "2026-12-08", 1, {"angry"}));  // not mine
  v1::Appreciation given, received, late_sunday;
  given.set_author(kMe);
  given.mutable_create_time()->set_seconds(absl::ToUnixSeconds(At("2026-12-08T10:00:00Z")));
  received.set_author(kSam);
  received.mutable_create_time()->set_seconds(absl::ToUnixSeconds(At("2026-12-07T01:00:00Z")));
  // 23:30 UTC on Sunday Dec 6 is Monday morning in Tokyo: this week.
  late_sunday.set_author(kSam);
  late_sunday.mutable_create_time()->set_seconds(absl::ToUnixSeconds(At("2026-12-06T23:30:00Z")));
  in.appreciations = {given, received, late_sunday};
  v1::ExerciseSession session;
  session.set_day("2026-12-08");
  session.add_participants(kSam);
  session.add_participants(kMe);
  session.set_author(kSam);
  in.sessions = {session};

  v1::Insights got = ComputeInsights(in);
  const v1::WeekSummary& w = got.this_week();
  EXPECT_EQ(w.week_start(), "2026-12-07");
  EXPECT_EQ(w.check_ins(), 2);
  EXPECT_EQ(w.highs(), 2);
  ASSERT_GE(w.feelings_size(), 1);
  EXPECT_EQ(w.feelings(0).name(), "grateful");
  EXPECT_EQ(w.feelings(0).count(), 2);
  ASSERT_GE(w.families_size(), 1);
  EXPECT_EQ(w.families(0).name(), "love");
  EXPECT_DOUBLE_EQ(w.average_rating(), 4.5);
  EXPECT_DOUBLE_EQ(w.rating_change(), 2.5);  // against last week's 2
  EXPECT_EQ(w.appreciations_given(), 1);
  EXPECT_EQ(w.appreciations_received(), 2);
  EXPECT_EQ(w.exercises_done(), 1);
  EXPECT_TRUE(w.care_note().empty());

  const v1::WeekSummary& last = got.last_week();
  EXPECT_EQ(last.week_start(), "2026-11-30");
  EXPECT_EQ(last.check_ins(), 1);
  EXPECT_DOUBLE_EQ(last.average_rating(), 2);
  EXPECT_FALSE(last.has_rating_change());  // no week before it
}

TEST(InsightsTest, TheCareNoteListensOnlyToThisPersonAndOnlyWhenItLasts) {
  auto with = [](std::vector<v1::CheckIn> check_ins) {
    InsightsInput in = Input("2026-12-10T18:00:00Z");
    in.check_ins = std::move(check_ins);
    return ComputeInsights(in).this_week().care_note();
  };
  // Two weeks of 1-2.
  EXPECT_EQ(with({CheckIn(kMe, "2026-11-28", 2), CheckIn(kMe, "2026-12-02", 1),
                  CheckIn(kMe, "2026-12-08", 2)}),
            kCareNote);
  // One of them higher: no.
  EXPECT_EQ(with({CheckIn(kMe, "2026-11-28", 2), CheckIn(kMe, "2026-12-02", 3),
                  CheckIn(kMe, "2026-12-08", 2)}),
            "");
  // Only this week low: not yet two weeks.
  EXPECT_EQ(with({CheckIn(kMe, "2026-12-08", 1), CheckIn(kMe, "2026-12-09", 1)}), "");
  // The partner's low ratings are theirs, not a reason to tell this person.
  EXPECT_EQ(with({CheckIn(kSam, "2026-11-28", 1), CheckIn(kSam, "2026-12-08", 1),
                  CheckIn(kMe, "2026-12-08", 4)}),
            "");
  // Hurt or fear on most days of the last week (4 of 7).
  std::vector<v1::CheckIn> heavy;
  for (const char* day : {"2026-12-04", "2026-12-06", "2026-12-08", "2026-12-10"}) {
    heavy.push_back(CheckIn(kMe, day, 4, {day[9] == '4' ? "hurt" : "anxious"}));
  }
  EXPECT_EQ(with(heavy), kCareNote);
  heavy.pop_back();
  EXPECT_EQ(with(heavy), "");
}

TEST(InsightsTest, TrendsHaveOneWeekEachOldestFirst) {
  InsightsInput in = Input("2026-12-09T12:00:00Z");
  in.weeks = 3;
  in.check_ins.push_back(CheckIn(kMe, "2026-11-23", 3, {"tired"}));  // week of Nov 23
  in.check_ins.push_back(CheckIn(kMe, "2026-11-24", 4, {"tired", "calm"}));
  in.check_ins.push_back(CheckIn(kSam, "2026-12-08", 5));
  v1::Insights got = ComputeInsights(in);
  ASSERT_EQ(got.trend_size(), 3);
  EXPECT_EQ(got.trend(0).week_start(), "2026-11-23");
  EXPECT_DOUBLE_EQ(got.trend(0).my_rating(), 3.5);
  EXPECT_FALSE(got.trend(0).has_others_rating());
  ASSERT_EQ(got.trend(0).my_families_size(), 2);
  EXPECT_EQ(got.trend(0).my_families(0).name(), "depletion");
  EXPECT_EQ(got.trend(0).my_families(0).count(), 2);
  EXPECT_EQ(got.trend(1).week_start(), "2026-11-30");
  EXPECT_FALSE(got.trend(1).has_my_rating());
  EXPECT_EQ(got.trend(2).week_start(), "2026-12-07");
  EXPECT_DOUBLE_EQ(got.trend(2).others_rating(), 5);
}

}  // namespace
}  // namespace attune
