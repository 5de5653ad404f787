#include "daemon/records/insights.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "daemon/records/emotions.h"

namespace attune {
namespace {

// Families whose feelings the care note listens for: hurt (sadness) and fear.
constexpr const char* kHeavyFamilies[] = {"sadness", "fear"};

std::optional<absl::CivilDay> ParseDay(const std::string& day) {
  absl::CivilDay d;
  if (!absl::ParseCivilTime(day, &d)) return std::nullopt;
  return d;
}

std::string DayText(absl::CivilDay d) { return absl::FormatCivilTime(d); }

absl::CivilDay WeekStart(absl::CivilDay d) {
  return d -
         ((static_cast<int>(absl::GetWeekday(d)) - static_cast<int>(absl::Weekday::monday) + 7) %
          7);
}

absl::CivilDay DayOf(const google::protobuf::Timestamp& t, absl::TimeZone zone) {
  return absl::ToCivilDay(absl::FromUnixSeconds(t.seconds()), zone);
}

// The streak of a set of days, with `today` the member's today.
v1::Streak StreakOf(const std::set<absl::CivilDay>& days, absl::CivilDay today) {
  v1::Streak s;
  if (days.empty()) return s;
  s.set_last_day(DayText(*days.rbegin()));
  int longest = 0, run = 0;
  absl::CivilDay previous;
  bool first = true;
  for (absl::CivilDay d : days) {
    run = (!first && d == previous + 1) ? run + 1 : 1;
    longest = std::max(longest, run);
    previous = d;
    first = false;
  }
  s.set_longest(longest);
  // Up to today, or up to yesterday while today has none yet.
  absl::CivilDay d = days.count(today) ? today : today - 1;
  int current = 0;
  while (days.count(d)) {
    ++current;
    d -= 1;
  }
  s.set_current(current);
  return s;
}

const std::map<std::string, std::string>& FamilyOfLabel() {
  static const auto* map = [] {
    auto* m = new std::map<std::string, std::string>();
    for (const auto& f : EmotionVocabulary().families()) {
      for (const auto& l : f.labels()) (*m)[l] = f.name();
    }
    return m;
  }();
  return *map;
}

void AddCounts(const std::map<std::string, int>& counts,
               google::protobuf::RepeatedPtrField<v1::FeelingCount>* out) {
  std::vector<std::pair<std::string, int>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [name, n] : sorted) {
    v1::FeelingCount* c = out->Add();
    c->set_name(name);
    c->set_count(n);
  }
}

// This person's check-ins by day (one per day: the record key is the day).
struct Mine {
  std::map<absl::CivilDay, const v1::CheckIn*> by_day;
};

std::optional<double> AverageRating(const Mine& mine, absl::CivilDay from, absl::CivilDay to) {
  int sum = 0, n = 0;
  for (auto it = mine.by_day.lower_bound(from); it != mine.by_day.end() && it->first <= to; ++it) {
    if (it->second->connection_rating() > 0) {
      sum += it->second->connection_rating();
      ++n;
    }
  }
  if (n == 0) return std::nullopt;
  return static_cast<double>(sum) / n;
}

bool NamesHeavyFeelings(const v1::CheckIn& c) {
  for (const auto& e : c.emotions()) {
    auto it = FamilyOfLabel().find(e.label());
    if (it == FamilyOfLabel().end()) continue;
    for (const char* heavy : kHeavyFamilies) {
      if (it->second == heavy) return true;
    }
  }
  return false;
}

// The care note's test, on the days up to `today`: ratings at 1-2 through
// two weeks (rated check-ins in each of the two weeks, none above 2), or
// hurt or fear named on most days of the last week (at least 4 of 7).
bool NeedsCare(const Mine& mine, absl::CivilDay today) {
  int low_recent = 0, low_before = 0;
  bool any_higher = false;
  for (auto it = mine.by_day.lower_bound(today - 13); it != mine.by_day.end() && it->first <= today;
       ++it) {
    const int r = it->second->connection_rating();
    if (r == 0) continue;
    if (r > 2) any_higher = true;
    (it->first > today - 7 ? low_recent : low_before) += 1;
  }
  if (!any_higher && low_recent > 0 && low_before > 0) return true;
  int heavy_days = 0;
  for (auto it = mine.by_day.lower_bound(today - 6); it != mine.by_day.end() && it->first <= today;
       ++it) {
    if (NamesHeavyFeelings(*it->second)) ++heavy_days;
  }
  return heavy_days >= 4;
}

v1::WeekSummary Summary(const InsightsInput& in, const Mine& mine, absl::CivilDay week,
                        absl::CivilDay today) {
  v1::WeekSummary w;
  w.set_week_start(DayText(week));
  const absl::CivilDay end = week + 6;
  std::map<std::string, int> feelings, families;
  for (auto it = mine.by_day.lower_bound(week); it != mine.by_day.end() && it->first <= end; ++it) {
    const v1::CheckIn& c = *it->second;
    w.set_check_ins(w.check_ins() + 1);
    if (!c.high().empty()) w.set_highs(w.highs() + 1);
    for (const auto& e : c.emotions()) {
      ++feelings[e.label()];
      auto f = FamilyOfLabel().find(e.label());
      if (f != FamilyOfLabel().end()) ++families[f->second];
    }
  }
  AddCounts(feelings, w.mutable_feelings());
  AddCounts(families, w.mutable_families());
  auto average = AverageRating(mine, week, end);
  if (average) w.set_average_rating(*average);
  auto before = AverageRating(mine, week - 7, week - 1);
  if (average && before) w.set_rating_change(*average - *before);
  for (const v1::Appreciation& a : in.appreciations) {
    const absl::CivilDay d = DayOf(a.create_time(), in.zone);
    if (d < week || d > end) continue;
    if (a.author() == in.me) {
      w.set_appreciations_given(w.appreciations_given() + 1);
    } else {
      w.set_appreciations_received(w.appreciations_received() + 1);
    }
  }
  for (const v1::ExerciseSession& s : in.sessions) {
    auto d = ParseDay(s.day());
    if (!d || *d < week || *d > end) continue;
    const bool took_part =
        s.author() == in.me || std::find(s.participants().begin(), s.participants().end(), in.me) !=
                                   s.participants().end();
    if (took_part) w.set_exercises_done(w.exercises_done() + 1);
  }
  if (today >= week && today <= end && NeedsCare(mine, today)) w.set_care_note(kCareNote);
  return w;
}

}  // namespace

const char kCareNote[] =
    "These days have felt distant or heavy for you. That happens in every relationship, and "
    "you do not have to carry it alone: talking with a couples therapist, together or on your "
    "own, can help.";

v1::Insights ComputeInsights(const InsightsInput& in) {
  v1::Insights out;
  const absl::CivilDay today = absl::ToCivilDay(in.now, in.zone);

  Mine mine;
  std::map<std::string, std::set<absl::CivilDay>> others;                     // member -> days
  std::map<std::string, std::pair<absl::CivilDay, std::string>> others_zone;  // newest day, zone
  std::set<absl::CivilDay> my_days;
  for (const v1::CheckIn& c : in.check_ins) {
    auto d = ParseDay(c.day());
    if (!d) continue;
    if (c.author() == in.me) {
      mine.by_day[*d] = &c;
      my_days.insert(*d);
    } else {
      others[c.author()].insert(*d);
      auto& newest = others_zone[c.author()];
      if (newest.second.empty() || *d >= newest.first) newest = {*d, c.time_zone()};
    }
  }

  *out.mutable_my_streak() = StreakOf(my_days, today);
  std::set<absl::CivilDay> together = my_days;
  for (const auto& [member, days] : others) {
    // Their today, in the zone of their newest check-in (days are theirs).
    absl::TimeZone zone = in.zone;
    absl::TimeZone theirs;
    if (absl::LoadTimeZone(others_zone[member].second, &theirs)) zone = theirs;
    v1::MemberStreak* m = out.add_others();
    m->set_member(member);
    *m->mutable_streak() = StreakOf(days, absl::ToCivilDay(in.now, zone));
    std::set<absl::CivilDay> both;
    std::set_intersection(together.begin(), together.end(), days.begin(), days.end(),
                          std::inserter(both, both.begin()));
    together = std::move(both);
  }
  if (!others.empty()) *out.mutable_together() = StreakOf(together, today);

  const absl::CivilDay this_week = WeekStart(today);
  *out.mutable_this_week() = Summary(in, mine, this_week, today);
  *out.mutable_last_week() = Summary(in, mine, this_week - 7, today);

  // Trends: the other members' ratings by week, then one row per week.
  std::map<absl::CivilDay, std::pair<int, int>> others_ratings;  // week -> sum, n
  for (const v1::CheckIn& c : in.check_ins) {
    if (c.author() == in.me || c.connection_rating() == 0) continue;
    auto d = ParseDay(c.day());
    if (!d) continue;
    auto& [sum, n] = others_ratings[WeekStart(*d)];
    sum += c.connection_rating();
    ++n;
  }
  const int weeks = std::clamp(in.weeks, 1, 104);
  for (int i = weeks - 1; i >= 0; --i) {
    const absl::CivilDay week = this_week - 7 * i;
    v1::TrendWeek* t = out.add_trend();
    t->set_week_start(DayText(week));
    if (auto mine_avg = AverageRating(mine, week, week + 6)) t->set_my_rating(*mine_avg);
    if (auto it = others_ratings.find(week); it != others_ratings.end()) {
      t->set_others_rating(static_cast<double>(it->second.first) / it->second.second);
    }
    std::map<std::string, int> families;
    for (auto it = mine.by_day.lower_bound(week); it != mine.by_day.end() && it->first <= week + 6;
         ++it) {
      for (const auto& e : it->second->emotions()) {
        auto f = FamilyOfLabel().find(e.label());
        if (f != FamilyOfLabel().end()) ++families[f->second];
      }
    }
    AddCounts(families, t->mutable_my_families());
  }
  return out;
}

}  // namespace attune
