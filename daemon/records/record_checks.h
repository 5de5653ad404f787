// The checks of each record kind a person or a plugin writes, in one place:
// the API's services and the plugin host's output check both call these, so
// a check-in is held to the same rules, with the same messages, whichever
// way it comes in. Each check also normalizes what it accepts (emotion
// labels lower case, intensity 0 made 3, an unset visibility PRIVATE).
//
// `prefix` names the message in errors ("check_in",
// "outputs[0].check_in"): "check_in.high: is required". `fields`, when not
// null, limits the check to those field numbers (an update's mask).
// INVALID_ARGUMENT naming the first field that is wrong. Thread-safe: pure
// functions.
#ifndef ATTUNE_DAEMON_RECORDS_RECORD_CHECKS_H_
#define ATTUNE_DAEMON_RECORDS_RECORD_CHECKS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "attune/v1/records.pb.h"

namespace attune {

// high and low required, note optional (each at most 2,000 characters of
// plain text), connection_rating 1 to 5, emotions from the
// vocabulary, day a real day when given, visibility.
absl::Status CheckCheckIn(const std::string& prefix, v1::CheckIn* check_in,
                          const std::vector<uint32_t>* fields = nullptr);

// title optional (one line, at most 200 characters), body required (at most
// 64 KiB of plain text), emotions, visibility.
absl::Status CheckJournalEntry(const std::string& prefix, v1::JournalEntry* entry,
                               const std::vector<uint32_t>* fields = nullptr);

// text required (at most 2,000 characters), recipient optional (one line, at
// most 64 characters), visibility.
absl::Status CheckAppreciation(const std::string& prefix, v1::Appreciation* appreciation,
                               const std::vector<uint32_t>* fields = nullptr);

// title required (one line, at most 200 characters), exercise empty or a
// plugin id, target_per_period 1 to 100, period DAY, WEEK or MONTH, periods
// 1 to 520, start_day a real day (required in an update's mask), visibility.
// The prefix is always "goal".
absl::Status CheckGoal(v1::Goal* goal, const std::vector<uint32_t>* fields = nullptr);

// kind given; CUSTOM: text required (one line, at most 200 characters),
// others: no text; GOAL: goal a goal's name, others: none; time_of_day
// HH:MM; time_zone an IANA zone; weekdays 1..7, once each, ascending;
// visibility PRIVATE (unset is made PRIVATE, SHARED refused: a reminder is
// its person's alone). The goal's existence is the caller's to check.
absl::Status CheckReminder(v1::Reminder* reminder);

}  // namespace attune

#endif  // ATTUNE_DAEMON_RECORDS_RECORD_CHECKS_H_
