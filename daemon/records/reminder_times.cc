#include "daemon/records/reminder_times.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "daemon/records/validation.h"

namespace attune {
namespace {

int WeekdayIndex(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday:
      return 0;
    case absl::Weekday::tuesday:
      return 1;
    case absl::Weekday::wednesday:
      return 2;
    case absl::Weekday::thursday:
      return 3;
    case absl::Weekday::friday:
      return 4;
    case absl::Weekday::saturday:
      return 5;
    case absl::Weekday::sunday:
      return 6;
  }
  return 0;
}

bool DueThatDay(const ReminderSchedule& s, absl::CivilDay day) {
  return (s.weekdays >> WeekdayIndex(day)) & 1;
}

}  // namespace

absl::StatusOr<ReminderSchedule> ScheduleOf(const v1::Reminder& r) {
  ReminderSchedule s;
  const std::string& t = r.time_of_day();
  int hour = -1, minute = -1;
  auto digit = [&](size_t i) { return t[i] >= '0' && t[i] <= '9'; };
  if (t.size() != 5 || t[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4) ||
      !absl::SimpleAtoi(t.substr(0, 2), &hour) || !absl::SimpleAtoi(t.substr(3, 2), &minute) ||
      hour > 23 || minute > 59) {
    return absl::InvalidArgumentError(
        absl::StrCat("reminder.time_of_day: \"", t, "\" is not a time HH:MM (00:00 to 23:59)"));
  }
  s.hour = hour;
  s.minute = minute;
  auto zone = ParseZone("reminder.time_zone", r.time_zone());
  if (!zone.ok()) return zone.status();
  s.zone = *zone;
  if (r.weekdays_size() > 0) {
    s.weekdays = 0;
    int last = 0;
    for (int d : r.weekdays()) {
      if (d < 1 || d > 7 || d <= last) {
        return absl::InvalidArgumentError(
            "reminder.weekdays: each must be 1 (Monday) to 7 (Sunday), once, ascending");
      }
      last = d;
      s.weekdays |= static_cast<uint8_t>(1u << (d - 1));
    }
  }
  return s;
}

absl::Time DueOn(const ReminderSchedule& s, absl::CivilDay day) {
  const absl::CivilSecond local(day.year(), day.month(), day.day(), s.hour, s.minute, 0);
  const absl::TimeZone::TimeInfo at = s.zone.At(local);
  // Skipped (clocks jumped over it): the instant of the jump. Repeated: the
  // first time the clock shows it. Unique: pre == post.
  return at.kind == absl::TimeZone::TimeInfo::SKIPPED ? at.trans : at.pre;
}

std::optional<absl::Time> NextDueAfter(const ReminderSchedule& s, absl::Time after) {
  const absl::CivilDay today = absl::ToCivilDay(after, s.zone);
  for (absl::CivilDay d = today - 1; d <= today + 8; ++d) {
    if (!DueThatDay(s, d)) continue;
    const absl::Time due = DueOn(s, d);
    if (due > after) return due;
  }
  return std::nullopt;
}

std::optional<absl::Time> LastDueAtOrBefore(const ReminderSchedule& s, absl::Time at) {
  const absl::CivilDay today = absl::ToCivilDay(at, s.zone);
  for (absl::CivilDay d = today + 1; d >= today - 8; --d) {
    if (!DueThatDay(s, d)) continue;
    const absl::Time due = DueOn(s, d);
    if (due <= at) return due;
  }
  return std::nullopt;
}

absl::CivilDay DueDay(const ReminderSchedule& s, absl::Time due) {
  // A due time moved by a skipped hour stays within its day (zones skip an
  // hour inside a day, never across midnight backwards).
  return absl::ToCivilDay(due, s.zone);
}

}  // namespace attune
