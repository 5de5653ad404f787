#include "exercise_answers.h"

#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace attune::cli {

absl::StatusOr<v1::Answer> ParseChoiceAnswer(const v1::ChoiceInputStep& step,
                                             const std::string& line) {
  v1::Answer answer;
  auto* keys = answer.mutable_choices();
  std::set<std::string> picked;
  std::vector<std::string> parts =
      absl::StrSplit(line, absl::ByAnyChar(", "), absl::SkipWhitespace());
  for (const std::string& raw : parts) {
    std::string part(absl::StripAsciiWhitespace(raw));
    std::string key;
    int n = 0;
    if (absl::SimpleAtoi(part, &n)) {
      if (n < 1 || n > step.choices_size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("choose numbers from 1 to ", step.choices_size()));
      }
      key = step.choices(n - 1).key();
    } else {
      for (const auto& c : step.choices()) {
        if (c.key() == absl::AsciiStrToLower(part)) key = c.key();
      }
      if (key.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"", part, "\" is not one of the choices; type its number"));
      }
    }
    if (picked.insert(key).second) keys->add_keys(key);
  }
  int count = keys->keys_size();
  if (count < step.min_choices() || count > step.max_choices()) {
    return absl::InvalidArgumentError(ChoiceHint(step));
  }
  return answer;
}

absl::StatusOr<v1::Answer> ParseRatingAnswer(const std::string& line) {
  int n = 0;
  std::string text(absl::StripAsciiWhitespace(line));
  if (!absl::SimpleAtoi(text, &n) || n < 1 || n > 5) {
    return absl::InvalidArgumentError("type a number from 1 to 5");
  }
  v1::Answer answer;
  answer.set_rating(n);
  return answer;
}

std::string ClockText(int seconds) {
  if (seconds < 0) seconds = 0;
  return absl::StrFormat("%d:%02d", seconds / 60, seconds % 60);
}

std::string PersonName(v1::Person person, const std::string& first, const std::string& second) {
  switch (person) {
    case v1::PERSON_FIRST:
      return first;
    case v1::PERSON_SECOND:
      return second;
    case v1::PERSON_BOTH:
      return "both of you";
    default:
      return "";
  }
}

std::string ChoiceHint(const v1::ChoiceInputStep& step) {
  int lo = step.min_choices(), hi = step.max_choices();
  if (lo == 1 && hi == 1) return "choose one (type its number)";
  if (lo == hi) return absl::StrCat("choose ", lo, " (numbers separated by commas)");
  if (lo == 0) return absl::StrCat("choose up to ", hi, " (numbers separated by commas)");
  return absl::StrCat("choose ", lo, " to ", hi, " (numbers separated by commas)");
}

}  // namespace attune::cli
