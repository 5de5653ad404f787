#include "format.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "args.h"

namespace attune::cli {
namespace {

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

std::string Repeat(std::string_view unit, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out.append(unit);
  return out;
}

const char* WeekdayName(absl::Weekday day) {
  switch (day) {
    case absl::Weekday::monday:
      return "Mon";
    case absl::Weekday::tuesday:
      return "Tue";
    case absl::Weekday::wednesday:
      return "Wed";
    case absl::Weekday::thursday:
      return "Thu";
    case absl::Weekday::friday:
      return "Fri";
    case absl::Weekday::saturday:
      return "Sat";
    case absl::Weekday::sunday:
      return "Sun";
  }
  return "";
}

constexpr std::string_view kReplacement = "\xef\xbf\xbd";  // U+FFFD

// The length of the valid UTF-8 sequence at the start of `s` and its code
// point, or {0, 0} when it is not valid (overlong, surrogate, cut short).
std::pair<size_t, uint32_t> DecodeOne(std::string_view s) {
  unsigned char c = static_cast<unsigned char>(s[0]);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (len == 0 || len > s.size()) return {0, 0};
  uint32_t cp = len == 1 ? c : c & (0x7fu >> len);
  for (size_t k = 1; k < len; ++k) {
    unsigned char next = static_cast<unsigned char>(s[k]);
    if ((next >> 6) != 0x2) return {0, 0};
    cp = (cp << 6) | (next & 0x3fu);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
    return {0, 0};
  }
  return {len, cp};
}

}  // namespace

std::string TerminalSafe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    auto [len, cp] = DecodeOne(text.substr(i));
    if (len == 0) {
      out.append(kReplacement);
      ++i;
      continue;
    }
    bool control =
        (cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f);
    if (control) {
      out.append(kReplacement);
    } else {
      out.append(text.substr(i, len));
    }
    i += len;
  }
  return out;
}

void SanitizeStrings(google::protobuf::Message* message) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* reflection = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
          reflection->SetRepeatedString(
              message, field, i, TerminalSafe(reflection->GetRepeatedString(*message, field, i)));
        }
      } else {
        reflection->SetString(message, field, TerminalSafe(reflection->GetString(*message, field)));
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      // Map entries are messages too: their string keys and values are
      // cleaned like any other field.
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
          SanitizeStrings(reflection->MutableRepeatedMessage(message, field, i));
        }
      } else {
        SanitizeStrings(reflection->MutableMessage(message, field));
      }
    }
  }
}

size_t Utf8Width(std::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !IsContinuationByte(c); }));
}

std::string Truncate(std::string_view text, size_t columns) {
  std::string flat(text);
  std::replace(flat.begin(), flat.end(), '\n', ' ');
  std::replace(flat.begin(), flat.end(), '\r', ' ');
  std::replace(flat.begin(), flat.end(), '\t', ' ');
  if (Utf8Width(flat) <= columns) return flat;
  if (columns == 0) return "";
  // Keep columns - 1 code points, then the ellipsis.
  size_t kept = 0;
  size_t pos = 0;
  while (pos < flat.size()) {
    if (!IsContinuationByte(flat[pos])) {
      if (kept == columns - 1) break;
      ++kept;
    }
    ++pos;
  }
  std::string out = flat.substr(0, pos);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out + "…";
}

std::string PadRight(std::string_view text, size_t columns) {
  std::string out(text);
  size_t width = Utf8Width(text);
  if (width < columns) out.append(columns - width, ' ');
  return out;
}

std::string Wrap(std::string_view text, size_t width, size_t indent) {
  const std::string pad(indent, ' ');
  const size_t room = width > indent + 10 ? width : indent + 10;
  std::string out;
  size_t column = indent;  // of the current output line, indent included
  bool line_start = true;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    // One input line: its words, greedily filled.
    size_t w = 0;
    while (w < line.size()) {
      while (w < line.size() && line[w] == ' ') ++w;
      if (w >= line.size()) break;
      size_t end = line.find(' ', w);
      if (end == std::string_view::npos) end = line.size();
      std::string_view word = line.substr(w, end - w);
      w = end;
      size_t word_width = Utf8Width(word);
      if (!line_start && column + 1 + word_width > room) {
        out += "\n" + pad;
        column = indent;
        line_start = true;
      }
      if (!line_start) {
        out += ' ';
        ++column;
      }
      out.append(word);
      column += word_width;
      line_start = false;
    }
    pos = eol + 1;
    if (eol < text.size()) {
      out += "\n" + pad;
      column = indent;
      line_start = true;
    }
  }
  return out;
}

std::string RatingDots(int rating, int out_of) {
  int filled = std::clamp(rating, 0, out_of);
  return Repeat("●", filled) + Repeat("○", out_of - filled);
}

std::string ProgressBar(int count, int target, int width) {
  if (width <= 0) return "";
  int filled = 0;
  if (target <= 0) {
    filled = count > 0 ? width : 0;
  } else {
    filled = static_cast<int>(static_cast<long long>(std::max(count, 0)) * width / target);
    filled = std::min(filled, width);
  }
  return Repeat("█", filled) + Repeat("░", width - filled);
}

std::string DayHeading(absl::CivilDay day) {
  return absl::StrCat(WeekdayName(absl::GetWeekday(day)), " ", FormatDay(day));
}

std::string DayHeading(std::string_view day) {
  absl::CivilDay parsed;
  std::string text(day);
  if (text.size() == 10 && absl::ParseCivilTime(text, &parsed)) {
    return DayHeading(parsed);
  }
  return text;
}

std::string FormatTimestamp(const google::protobuf::Timestamp& ts, absl::TimeZone zone,
                            const char* format) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "";
  absl::Time t = absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
  return absl::FormatTime(format, t, zone);
}

std::string FormatEmotions(const google::protobuf::RepeatedPtrField<v1::EmotionLabel>& emotions) {
  return absl::StrJoin(emotions, ", ", [](std::string* out, const v1::EmotionLabel& e) {
    absl::StrAppend(out, e.label());
    if (e.intensity() > 0) {
      absl::StrAppend(out, " (", e.intensity(), ")");
    }
  });
}

std::string VisibilityName(v1::Visibility visibility, std::string_view unspecified) {
  switch (visibility) {
    case v1::VISIBILITY_PRIVATE:
      return "private";
    case v1::VISIBILITY_SHARED:
      return "shared";
    default:
      return std::string(unspecified);
  }
}

std::string PeriodName(v1::GoalPeriod period) {
  switch (period) {
    case v1::GOAL_PERIOD_DAY:
      return "day";
    case v1::GOAL_PERIOD_WEEK:
      return "week";
    case v1::GOAL_PERIOD_MONTH:
      return "month";
    default:
      return "period";
  }
}

std::string GoalSchedule(int target_per_period, v1::GoalPeriod period, int periods) {
  std::string unit = PeriodName(period);
  return absl::StrCat(target_per_period, " per ", unit, " for ", Count(periods, unit, unit + "s"));
}

std::string Count(int n, std::string_view singular, std::string_view plural) {
  return absl::StrCat(n, " ", std::string(n == 1 ? singular : plural));
}

std::string SealedCheckInNote(const v1::CheckIn& c, const std::string& who) {
  switch (c.reveal()) {
    case v1::REVEAL_WAITING_FOR_YOURS:
      return absl::StrCat(who, " checked in; write yours for this day to see it (attune checkin",
                          c.day().empty() ? "" : absl::StrCat(" --day ", c.day()), ")");
    case v1::REVEAL_YOURS_IS_PRIVATE:
      return absl::StrCat(who,
                          " checked in; yours for this day is private: share it to see theirs "
                          "(attune checkin --replace --shared",
                          c.day().empty() ? "" : absl::StrCat(" --day ", c.day()), ")");
    case v1::REVEAL_WAITING_FOR_AUTHOR:
      return absl::StrCat(who, " checked in; it opens when one of ", who,
                          "'s devices has seen yours (the next time it is online)");
    default:
      return "";
  }
}

}  // namespace attune::cli
