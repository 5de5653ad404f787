// Checks of client input. Each failure is INVALID_ARGUMENT and its message
// starts with the field's name, e.g. "check_in.high: is required".
#ifndef ATTUNE_DAEMON_RECORDS_VALIDATION_H_
#define ATTUNE_DAEMON_RECORDS_VALIDATION_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "attune/v1/limits.pb.h"
#include "attune/v1/records.pb.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace attune {

// The limits of proto/attune/v1/limits.proto, typed for the checks.
inline constexpr size_t kMaxTitleChars = v1::LIMIT_TITLE_CHARS;
inline constexpr size_t kMaxShortTextChars = v1::LIMIT_SHORT_TEXT_CHARS;
inline constexpr size_t kMaxBodyBytes = v1::LIMIT_BODY_BYTES;
inline constexpr int kMaxEmotions = v1::LIMIT_EMOTIONS;
inline constexpr size_t kMaxPluginIdChars = v1::LIMIT_PLUGIN_ID_CHARS;

// Whether a text may hold line breaks: kMany for bodies, notes and other
// texts a person writes in lines; kOne for names, titles and labels.
enum class TextLines { kOne, kMany };

// Whether `value` is valid UTF-8 holding no control character: none of C0
// (U+0000-U+001F) except, for TextLines::kMany, line feed and tab; no DEL
// (U+007F); none of C1 (U+0080-U+009F). What a terminal could take for a
// command (an escape sequence, a carriage return) cannot pass.
bool IsPlainText(std::string_view value, TextLines lines);

// Text of at most `max_chars` Unicode characters that IsPlainText(value,
// lines); `required` refuses empty or all-whitespace text. Messages:
// "must not contain NUL characters", "is not valid UTF-8", "must not contain
// control characters (U+001B at character 3)", "is N characters long…",
// "is required".
absl::Status CheckText(const std::string& field, const std::string& value, size_t max_chars,
                       bool required, TextLines lines);

// "YYYY-MM-DD" naming a real day between 2000-01-01 and 2200-12-31.
absl::StatusOr<absl::CivilDay> ParseDay(const std::string& field, const std::string& value);
std::string FormatDay(absl::CivilDay day);

// An IANA zone name known to this machine ("Europe/Lisbon", "UTC").
absl::StatusOr<absl::TimeZone> ParseZone(const std::string& field, const std::string& value);

// Labels from the vocabulary, no repeats, at most kMaxEmotions; intensity
// 0..5. Normalizes in place: labels lower case, intensity 0 becomes 3.
absl::Status CheckEmotions(const std::string& field,
                           google::protobuf::RepeatedPtrField<v1::EmotionLabel>* emotions);

// PRIVATE or SHARED; UNSPECIFIED becomes `fallback`.
absl::Status CheckVisibility(const std::string& field, v1::Visibility* value,
                             v1::Visibility fallback);

// A plugin or exercise id: 1 to 64 of a-z, 0-9 and '-', neither starting
// nor ending with '-'. Manifests declare them, goals and sessions name them.
bool IsValidPluginId(std::string_view id);
// INVALID_ARGUMENT naming `field` unless IsValidPluginId(value): "at most 64
// characters", or "an exercise id uses a-z, 0-9 and '-' only, and neither
// starts nor ends with '-'" (empty included).
absl::Status CheckPluginId(const std::string& field, std::string_view value);

// lo <= value <= hi.
absl::Status CheckRange(const std::string& field, int64_t value, int64_t lo, int64_t hi);

// A batch call's size: 1 to LIMIT_BATCH_REQUESTS requests, else
// INVALID_ARGUMENT naming "requests".
absl::Status CheckBatchSize(int requests);

// `status` of the batch's request `index`, its message naming it: a message
// that names a field gets the prefix "requests[i]." ("requests[2].check_in.
// low: is required"), any other "requests[i]: ". OK stays OK.
absl::Status InBatch(int index, const absl::Status& status);

}  // namespace attune

#endif  // ATTUNE_DAEMON_RECORDS_VALIDATION_H_
