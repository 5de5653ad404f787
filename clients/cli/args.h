// Pure helpers that turn command-line text into API values: feelings, days,
// record ids, the default socket and time zone, the editor's text layout.
// Nothing here talks to the daemon or the terminal.
#ifndef ATTUNE_CLIENTS_CLI_ARGS_H_
#define ATTUNE_CLIENTS_CLI_ARGS_H_

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "attune/v1/records.pb.h"

namespace attune::cli {

// ---------------------------------------------------------------------------
// Feelings
// ---------------------------------------------------------------------------

// Parses "label" or "label:N" (N in 1..5). The label is trimmed and lowered;
// a bare label gets intensity 0 ("not said"). INVALID_ARGUMENT on an empty
// label or a bad intensity.
absl::StatusOr<v1::EmotionLabel> ParseEmotion(std::string_view text);

// Parses a comma-separated list of "label[:N]"; blank items are skipped, so
// "" gives an empty list. Fails on the first bad item or a repeated label.
absl::StatusOr<std::vector<v1::EmotionLabel>> ParseEmotionList(std::string_view text);

// Parses the values of repeated --emotion flags; each may itself be a
// comma-separated list. Fails on a bad item or a label given twice.
absl::StatusOr<std::vector<v1::EmotionLabel>> ParseEmotionFlags(
    const std::vector<std::string>& values);

// The labels of `emotions` that `vocabulary` does not contain, in order.
std::vector<std::string> UnknownLabels(const std::vector<v1::EmotionLabel>& emotions,
                                       const std::set<std::string>& vocabulary);

// ---------------------------------------------------------------------------
// Days
// ---------------------------------------------------------------------------

// Parses "YYYY-MM-DD", "today" or "yesterday" (relative to `today`).
// INVALID_ARGUMENT otherwise, naming what was expected.
absl::StatusOr<absl::CivilDay> ParseDay(std::string_view text, absl::CivilDay today);

// "YYYY-MM-DD".
std::string FormatDay(absl::CivilDay day);

// True for text shaped like a day argument: "YYYY-MM-DD", "today",
// "yesterday" (used to tell a day from a record id).
bool LooksLikeDay(std::string_view text);

// ---------------------------------------------------------------------------
// Record ids
// ---------------------------------------------------------------------------

// The shortest id prefix accepted on the command line.
inline constexpr size_t kMinIdPrefix = 4;
// A record id is 32 hex digits, and the first 16 are its author's (every
// record of one person shares them; api.proto): a person tells records
// apart by the digits after them.
inline constexpr size_t kAuthorHexDigits = 16;

// A record named on the command line, relative to a collection such as
// "journalEntries".
struct IdArg {
  // True when `value` is a full resource name ("journalEntries/<id>"), false
  // when it is a lower-case hex prefix that still has to be resolved.
  bool complete = false;
  std::string value;
};

// Accepts "<collection>/<id>", a 32-hex id, or a hex prefix of at least
// kMinIdPrefix characters. INVALID_ARGUMENT otherwise.
absl::StatusOr<IdArg> ParseIdArg(std::string_view text, std::string_view collection);

// Picks the one resource name in `names` whose id starts with `prefix`, or
// whose id's own part (after the author's digits) does.
// NOT_FOUND when none does; INVALID_ARGUMENT listing the candidates when
// several do. `noun` ("journal entry") is used in the messages.
absl::StatusOr<std::string> MatchIdPrefix(std::string_view prefix,
                                          const std::vector<std::string>& names,
                                          std::string_view noun);

// The id part of a resource name ("goals/abc" -> "abc").
std::string_view IdOf(std::string_view name);

// 8 characters of the id that tell it apart, for tables: the first 8 after
// the author's digits (the first 8 of an id of another form).
std::string ShortId(std::string_view name);

// ---------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------

// `zone` loaded from the zoneinfo database; the process's local zone when it
// cannot be loaded.
absl::TimeZone LoadZoneOrLocal(const std::string& zone);

// Today's date in `zone` (see LoadZoneOrLocal()).
absl::CivilDay TodayIn(const std::string& zone);

// ---------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------

// Everything before the first line break, a trailing '\r' removed.
std::string FirstLine(std::string_view text);

// Removes leading and trailing whitespace (spaces, tabs, line breaks).
std::string Trim(std::string_view text);

// `text` with each "\r\n" made "\n" (a file saved with Windows line
// breaks): the daemon refuses carriage returns, which a terminal obeys.
std::string UnixLineBreaks(std::string_view text);

// A journal entry as laid out in the editor: an optional first line
// "# Title" ("#", a space, the title), then the body. Blank lines around
// the body are dropped; a body line starting "##" or "#word" stays body.
// Windows line breaks become "\n" (UnixLineBreaks()).
struct EditorText {
  std::string title;
  std::string body;
};
EditorText ParseEditorText(std::string_view text);
std::string ComposeEditorText(std::string_view title, std::string_view body);

}  // namespace attune::cli

#endif  // ATTUNE_CLIENTS_CLI_ARGS_H_
