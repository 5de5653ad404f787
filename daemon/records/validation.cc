#include "daemon/records/validation.h"

#include <cctype>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "daemon/records/emotions.h"

namespace attune {
namespace {

absl::Status Bad(const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

// Number of code points, or -1 for invalid UTF-8.
int64_t Utf8Length(const std::string& s) {
  int64_t n = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xe  ? 3
                 : (c >> 3) == 0x1e ? 4
                                    : 0;
    if (len == 0 || i + len > s.size()) return -1;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return -1;
    }
    i += len;
    ++n;
  }
  return n;
}

// The first control character of valid UTF-8 `s` (as IsPlainText() defines
// them): its code point and its position in characters from 1; {-1, 0} when
// there is none. Returns {-2, 0} for invalid UTF-8.
std::pair<int32_t, int64_t> FirstControl(std::string_view s, TextLines lines) {
  int64_t position = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xe  ? 3
                 : (c >> 3) == 0x1e ? 4
                                    : 0;
    if (len == 0 || i + len > s.size()) return {-2, 0};
    int32_t cp = len == 1 ? c : c & (0x7f >> len);
    for (size_t k = 1; k < len; ++k) {
      unsigned char next = static_cast<unsigned char>(s[i + k]);
      if ((next >> 6) != 0x2) return {-2, 0};
      cp = (cp << 6) | (next & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
      return {-2, 0};
    }
    ++position;
    bool allowed_break = lines == TextLines::kMany && (cp == '\n' || cp == '\t');
    if ((cp < 0x20 && !allowed_break) || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
      return {cp, position};
    }
    i += len;
  }
  return {-1, 0};
}

}  // namespace

bool IsPlainText(std::string_view value, TextLines lines) {
  return FirstControl(value, lines).first == -1;
}

absl::Status CheckText(const std::string& field, const std::string& value, size_t max_chars,
                       bool required, TextLines lines) {
  if (value.find('\0') != std::string::npos) {
    return Bad(field, "must not contain NUL characters");
  }
  auto [control, at] = FirstControl(value, lines);
  if (control == -2) return Bad(field, "is not valid UTF-8");
  if (control >= 0) {
    return Bad(field,
               absl::StrFormat("must not contain control characters (U+%04X at character "
                               "%d)%s",
                               control, at,
                               lines == TextLines::kOne && (control == '\n' || control == '\t')
                                   ? "; it is one line"
                                   : ""));
  }
  int64_t chars = Utf8Length(value);
  if (chars < 0) return Bad(field, "is not valid UTF-8");
  if (static_cast<size_t>(chars) > max_chars) {
    return Bad(field, absl::StrCat("is ", chars, " characters long; the limit is ", max_chars));
  }
  if (required) {
    bool blank = true;
    for (char c : value) {
      if (!std::isspace(static_cast<unsigned char>(c))) blank = false;
    }
    if (blank) return Bad(field, "is required");
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::CivilDay> ParseDay(const std::string& field, const std::string& value) {
  bool shape = value.size() == 10 && value[4] == '-' && value[7] == '-';
  for (size_t i = 0; shape && i < value.size(); ++i) {
    if (i != 4 && i != 7 && !std::isdigit(static_cast<unsigned char>(value[i]))) {
      shape = false;
    }
  }
  if (!shape) {
    return Bad(field,
               absl::StrCat("\"", value.substr(0, 40), "\" is not a date of the form YYYY-MM-DD"));
  }
  int y = std::stoi(value.substr(0, 4)), m = std::stoi(value.substr(5, 2)),
      d = std::stoi(value.substr(8, 2));
  absl::CivilDay day(y, m, d);
  if (day.year() != y || day.month() != m || day.day() != d) {
    return Bad(field, absl::StrCat(value, " is not a day of the calendar"));
  }
  if (y < 2000 || y > 2200) {
    return Bad(field, absl::StrCat(value, " is outside 2000-01-01..2200-12-31"));
  }
  return day;
}

std::string FormatDay(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

absl::StatusOr<absl::TimeZone> ParseZone(const std::string& field, const std::string& value) {
  absl::TimeZone zone;
  if (value.empty() || value.size() > 64 || value.find("..") != std::string::npos ||
      !absl::LoadTimeZone(value, &zone)) {
    return Bad(field, absl::StrCat("\"", value.substr(0, 64),
                                   "\" is not a known time zone (e.g. Europe/Lisbon, UTC)"));
  }
  return zone;
}

absl::Status CheckEmotions(const std::string& field,
                           google::protobuf::RepeatedPtrField<v1::EmotionLabel>* emotions) {
  if (emotions->size() > kMaxEmotions) {
    return Bad(field, absl::StrCat("at most ", kMaxEmotions, " feelings"));
  }
  std::set<std::string> seen;
  for (int i = 0; i < emotions->size(); ++i) {
    v1::EmotionLabel* e = emotions->Mutable(i);
    std::string item = absl::StrCat(field, "[", i, "]");
    std::string label = absl::AsciiStrToLower(absl::StripAsciiWhitespace(e->label()));
    if (!IsKnownEmotion(label)) {
      return Bad(item, absl::StrCat("\"", e->label().substr(0, 40),
                                    "\" is not in the feelings vocabulary "
                                    "(run attune feelings to see them)"));
    }
    if (!seen.insert(label).second) {
      return Bad(item, absl::StrCat("\"", label, "\" is named twice"));
    }
    if (e->intensity() < 0 || e->intensity() > 5) {
      return Bad(item, "intensity must be 1 (a trace) to 5 (overwhelming)");
    }
    e->set_label(label);
    if (e->intensity() == 0) e->set_intensity(3);
  }
  return absl::OkStatus();
}

absl::Status CheckVisibility(const std::string& field, v1::Visibility* value,
                             v1::Visibility fallback) {
  if (*value == v1::VISIBILITY_UNSPECIFIED) *value = fallback;
  if (*value != v1::VISIBILITY_PRIVATE && *value != v1::VISIBILITY_SHARED) {
    return Bad(field, "must be VISIBILITY_PRIVATE or VISIBILITY_SHARED");
  }
  return absl::OkStatus();
}

absl::Status CheckRange(const std::string& field, int64_t value, int64_t lo, int64_t hi) {
  if (value < lo || value > hi) {
    return Bad(field, absl::StrCat("must be ", lo, " to ", hi, ", not ", value));
  }
  return absl::OkStatus();
}

bool IsValidPluginId(std::string_view id) {
  if (id.empty() || id.size() > kMaxPluginIdChars || id.front() == '-' || id.back() == '-') {
    return false;
  }
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

absl::Status CheckPluginId(const std::string& field, std::string_view value) {
  if (IsValidPluginId(value)) return absl::OkStatus();
  if (value.size() > kMaxPluginIdChars) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", kMaxPluginIdChars, " characters"));
  }
  return absl::InvalidArgumentError(
      field + ": an exercise id uses a-z, 0-9 and '-' only, and neither starts nor ends with '-'");
}

absl::Status CheckBatchSize(int requests) {
  if (requests == 0) return absl::InvalidArgumentError("requests: the batch is empty");
  if (requests > v1::LIMIT_BATCH_REQUESTS) {
    return absl::InvalidArgumentError(absl::StrCat("requests: a batch takes at most ",
                                                   static_cast<int>(v1::LIMIT_BATCH_REQUESTS),
                                                   " (this one has ", requests, ")"));
  }
  return absl::OkStatus();
}

absl::Status InBatch(int index, const absl::Status& status) {
  if (status.ok()) return status;
  const std::string message(status.message());
  // A field's name comes first, before ": " and without spaces.
  const size_t colon = message.find(": ");
  const bool names_field =
      colon != std::string::npos && message.substr(0, colon).find(' ') == std::string::npos;
  absl::Status out(status.code(),
                   absl::StrCat("requests[", index, "]", names_field ? "." : ": ", message));
  status.ForEachPayload(
      [&](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

}  // namespace attune
