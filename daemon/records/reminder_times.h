// When a reminder falls due: pure functions of the reminder and a time.
//
// A reminder's time of day is local to its time zone. On a day when a
// daylight-saving change skips that local time (02:30 on a spring-forward
// night), it falls due at the instant of the change; when a change repeats
// it (an autumn night), it falls due once, at its first occurrence. Days
// are counted in the reminder's zone, whatever the machine's zone is.
//
// Thread-safe: pure functions.
#ifndef ATTUNE_DAEMON_RECORDS_REMINDER_TIMES_H_
#define ATTUNE_DAEMON_RECORDS_REMINDER_TIMES_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "attune/v1/records.pb.h"

namespace attune {

struct ReminderSchedule {
  int hour = 0;
  int minute = 0;
  absl::TimeZone zone;
  // Bit d (0 = Monday … 6 = Sunday) set: due that weekday.
  uint8_t weekdays = 0x7f;
};

// The schedule of a checked reminder (CheckReminder); INVALID_ARGUMENT
// naming the field otherwise.
absl::StatusOr<ReminderSchedule> ScheduleOf(const v1::Reminder& reminder);

// The instant it falls due on local `day` (whatever its weekdays).
absl::Time DueOn(const ReminderSchedule& s, absl::CivilDay day);

// The first due time strictly after `after`; nullopt never (every schedule
// has a weekday), but kept optional for a schedule with none.
std::optional<absl::Time> NextDueAfter(const ReminderSchedule& s, absl::Time after);

// The latest due time at or before `at`; nullopt when there is none within
// the week before.
std::optional<absl::Time> LastDueAtOrBefore(const ReminderSchedule& s, absl::Time at);

// The local day a due time belongs to (the day of the check-in it asks for).
absl::CivilDay DueDay(const ReminderSchedule& s, absl::Time due);

}  // namespace attune

#endif  // ATTUNE_DAEMON_RECORDS_REMINDER_TIMES_H_
