#include "args.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace attune::cli {
namespace {

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool AllHex(std::string_view s) { return std::all_of(s.begin(), s.end(), IsHex); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

std::string Trim(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && IsSpace(text[begin])) ++begin;
  while (end > begin && IsSpace(text[end - 1])) --end;
  return std::string(text.substr(begin, end - begin));
}

absl::StatusOr<v1::EmotionLabel> ParseEmotion(std::string_view text) {
  std::string label = Trim(text);
  int intensity = 0;
  if (size_t colon = label.find(':'); colon != std::string::npos) {
    std::string number = Trim(std::string_view(label).substr(colon + 1));
    label = Trim(std::string_view(label).substr(0, colon));
    if (number.size() != 1 || number[0] < '1' || number[0] > '5') {
      return absl::InvalidArgumentError(absl::StrCat("feeling '", std::string(Trim(text)),
                                                     "': the intensity after ':' must be 1 to 5"));
    }
    intensity = number[0] - '0';
  }
  if (label.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("feeling '", std::string(Trim(text)), "' has no label"));
  }
  v1::EmotionLabel out;
  out.set_label(Lower(label));
  out.set_intensity(intensity);
  return out;
}

absl::StatusOr<std::vector<v1::EmotionLabel>> ParseEmotionList(std::string_view text) {
  std::vector<v1::EmotionLabel> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(start, comma - start);
    start = comma + 1;
    if (Trim(item).empty()) continue;
    absl::StatusOr<v1::EmotionLabel> emotion = ParseEmotion(item);
    if (!emotion.ok()) return emotion.status();
    for (const v1::EmotionLabel& seen : out) {
      if (seen.label() == emotion->label()) {
        return absl::InvalidArgumentError(
            absl::StrCat("feeling '", emotion->label(), "' is given twice"));
      }
    }
    out.push_back(*std::move(emotion));
  }
  return out;
}

absl::StatusOr<std::vector<v1::EmotionLabel>> ParseEmotionFlags(
    const std::vector<std::string>& values) {
  std::string joined;
  for (const std::string& value : values) absl::StrAppend(&joined, value, ",");
  return ParseEmotionList(joined);
}

std::vector<std::string> UnknownLabels(const std::vector<v1::EmotionLabel>& emotions,
                                       const std::set<std::string>& vocabulary) {
  std::vector<std::string> unknown;
  for (const v1::EmotionLabel& e : emotions) {
    if (!vocabulary.contains(e.label())) unknown.push_back(e.label());
  }
  return unknown;
}

absl::StatusOr<absl::CivilDay> ParseDay(std::string_view text, absl::CivilDay today) {
  std::string t = Lower(Trim(text));
  if (t == "today") return today;
  if (t == "yesterday") return today - 1;
  absl::CivilDay day;
  // Strict parsing, and a round trip to reject "2026-02-30" (normalised).
  if (t.size() == 10 && absl::ParseCivilTime(t, &day) && FormatDay(day) == t) {
    return day;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("'", std::string(text), "' is not a day: use YYYY-MM-DD, today or yesterday"));
}

std::string FormatDay(absl::CivilDay day) { return absl::FormatCivilTime(day); }

bool LooksLikeDay(std::string_view text) {
  std::string t = Lower(Trim(text));
  if (t == "today" || t == "yesterday") return true;
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!std::isdigit(static_cast<unsigned char>(t[i]))) return false;
  }
  return true;
}

absl::StatusOr<IdArg> ParseIdArg(std::string_view text, std::string_view collection) {
  std::string t = Trim(text);
  std::string prefix = absl::StrCat(std::string(collection), "/");
  if (t.find('/') != std::string::npos) {
    std::string_view id = std::string_view(t);
    if (id.substr(0, prefix.size()) == prefix) {
      id.remove_prefix(prefix.size());
      if (!id.empty() && id.find('/') == std::string_view::npos) {
        return IdArg{true, t};
      }
    }
    return absl::InvalidArgumentError(
        absl::StrCat("'", t, "' is not a name of the form ", prefix, "<id>"));
  }
  if (!AllHex(t) || t.size() < kMinIdPrefix) {
    return absl::InvalidArgumentError(absl::StrCat("'", t,
                                                   "' is not an id: give the id or at least ",
                                                   kMinIdPrefix, " of its first hex digits"));
  }
  t = Lower(t);
  if (t.size() == 32) return IdArg{true, absl::StrCat(prefix, t)};
  return IdArg{false, t};
}

absl::StatusOr<std::string> MatchIdPrefix(std::string_view prefix,
                                          const std::vector<std::string>& names,
                                          std::string_view noun) {
  std::string want = Lower(prefix);
  std::vector<std::string> matches;
  for (const std::string& name : names) {
    std::string id = Lower(IdOf(name));
    const bool own_part =
        id.size() == 2 * kAuthorHexDigits && id.compare(kAuthorHexDigits, want.size(), want) == 0;
    if (id.compare(0, want.size(), want) == 0 || own_part) matches.push_back(name);
  }
  if (matches.size() == 1) return matches.front();
  if (matches.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no ", std::string(noun), " has an id starting with '", want, "'"));
  }
  std::sort(matches.begin(), matches.end());
  return absl::InvalidArgumentError(
      absl::StrCat("'", want, "' matches ", matches.size(), " ", std::string(noun),
                   " ids; give more digits: ", absl::StrJoin(matches, ", ")));
}

std::string_view IdOf(std::string_view name) {
  size_t slash = name.rfind('/');
  return slash == std::string_view::npos ? name : name.substr(slash + 1);
}

std::string ShortId(std::string_view name) {
  std::string_view id = IdOf(name);
  if (id.size() == 2 * kAuthorHexDigits) id.remove_prefix(kAuthorHexDigits);
  return std::string(id.substr(0, 8));
}

absl::TimeZone LoadZoneOrLocal(const std::string& zone) {
  absl::TimeZone tz;
  if (absl::LoadTimeZone(zone, &tz)) return tz;
  return absl::LocalTimeZone();
}

absl::CivilDay TodayIn(const std::string& zone) {
  return absl::ToCivilDay(absl::Now(), LoadZoneOrLocal(zone));
}

std::string FirstLine(std::string_view text) {
  std::string_view line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return std::string(line);
}

std::string UnixLineBreaks(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out += text[i];
  }
  return out;
}

EditorText ParseEditorText(std::string_view text) {
  EditorText out;
  const std::string unix_text = UnixLineBreaks(text);
  std::string_view rest = unix_text;
  // Skip blank lines before a possible title line.
  while (!rest.empty()) {
    size_t eol = rest.find('\n');
    std::string_view line = rest.substr(0, eol);
    if (!Trim(line).empty()) break;
    rest = eol == std::string_view::npos ? "" : rest.substr(eol + 1);
  }
  std::string_view first = rest.substr(0, rest.find('\n'));
  if (first == "#" || first == "#\r" || first.substr(0, 2) == "# ") {
    size_t eol = rest.find('\n');
    out.title =
        Trim(rest.substr(1, eol == std::string_view::npos ? std::string_view::npos : eol - 1));
    rest = eol == std::string_view::npos ? "" : rest.substr(eol + 1);
  }
  // Drop blank lines around the body, keep its inner layout and indentation.
  while (!rest.empty()) {
    size_t eol = rest.find('\n');
    if (eol == std::string_view::npos || !Trim(rest.substr(0, eol)).empty()) {
      break;
    }
    rest = rest.substr(eol + 1);
  }
  size_t end = rest.size();
  while (end > 0 && IsSpace(rest[end - 1])) --end;
  out.body = std::string(rest.substr(0, end));
  return out;
}

std::string ComposeEditorText(std::string_view title, std::string_view body) {
  return absl::StrCat("# ", std::string(title), "\n\n", std::string(body), "\n");
}

}  // namespace attune::cli
