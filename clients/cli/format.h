// Pure text formatting for human-readable output: widths of UTF-8 text,
// rating dots, progress bars, dates, feelings and goal schedules. No colour
// and no terminal access (output.h decides about those).
#ifndef ATTUNE_CLIENTS_CLI_FORMAT_H_
#define ATTUNE_CLIENTS_CLI_FORMAT_H_

#include <string>
#include <string_view>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "attune/v1/records.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "google/protobuf/timestamp.pb.h"

namespace attune::cli {

// `text` with nothing a terminal could obey: every control character (C0
// but line feed and tab, DEL, C1 U+0080-U+009F) and every byte that is not
// part of valid UTF-8 becomes U+FFFD "ï¿½". Records written before the
// daemon refused such characters (or by an older peer) may hold them.
std::string TerminalSafe(std::string_view text);

// Applies TerminalSafe() to every string field of `message`, nested
// messages, repeated fields and map values included (bytes fields are left
// alone). DaemonClient runs it on every message the daemon sends, so nothing
// the CLI prints or writes as JSON carries a control character from data.
void SanitizeStrings(google::protobuf::Message* message);

// Number of code points in UTF-8 text (an approximation of its width).
size_t Utf8Width(std::string_view text);

// `text` cut to at most `columns` code points, ending in "…" when cut.
// Line breaks become spaces first.
std::string Truncate(std::string_view text, size_t columns);

// `text` padded with spaces to `columns` code points (never cut).
std::string PadRight(std::string_view text, size_t columns);

// `text` word-wrapped to lines of `width` code points, for printing after a
// prefix `indent` columns wide: lines after the first start with `indent`
// spaces. Line breaks in `text` are kept; a word longer than a line is not
// cut.
std::string Wrap(std::string_view text, size_t width, size_t indent);

// "●●●●○" for 4 out of 5. Out-of-range ratings are clamped.
std::string RatingDots(int rating, int out_of = 5);

// A bar of `width` cells, "█" for the part of `target` reached by `count`
// and "░" for the rest. A count over target fills the bar.
std::string ProgressBar(int count, int target, int width);

// "Tue 2026-11-24".
std::string DayHeading(absl::CivilDay day);

// `day` ("YYYY-MM-DD") as DayHeading(), or unchanged when not a valid day.
std::string DayHeading(std::string_view day);

// A timestamp in `zone`, e.g. "2026-11-24 19:03". Empty for an unset one.
std::string FormatTimestamp(const google::protobuf::Timestamp& ts, absl::TimeZone zone,
                            const char* format = "%Y-%m-%d %H:%M");

// "grateful (4), tired (2)"; an intensity of 0 is left out.
std::string FormatEmotions(const google::protobuf::RepeatedPtrField<v1::EmotionLabel>& emotions);

// "private" or "shared" ("private" when unspecified, as the daemon treats it
// for journal entries; pass `unspecified` to say otherwise).
std::string VisibilityName(v1::Visibility visibility, std::string_view unspecified = "private");

// "day" / "week".
std::string PeriodName(v1::GoalPeriod period);

// "2 per week for 4 weeks".
std::string GoalSchedule(int target_per_period, v1::GoalPeriod period, int periods);

// For a partner's check-in still sealed (reveal together), what to tell the
// person, naming the author `who`: "Sam checked in; write yours for this day
// to see it (attune checkin)". Empty for a check-in whose words are open.
std::string SealedCheckInNote(const v1::CheckIn& c, const std::string& who);

// "1 week", "3 weeks".
std::string Count(int n, std::string_view singular, std::string_view plural);

}  // namespace attune::cli

#endif  // ATTUNE_CLIENTS_CLI_FORMAT_H_
