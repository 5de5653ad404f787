#include "daemon/plugins/exercise_options.h"

#include <set>
#include <string_view>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemon/records/validation.h"

namespace attune {
namespace {

constexpr size_t kMaxKey = 32;
constexpr size_t kMaxDescription = 200;
constexpr size_t kMaxUnit = 32;
constexpr int kMinChoices = 2;
constexpr int kMaxChoices = 20;
constexpr size_t kMaxValue = 64;

bool IsOptionWord(std::string_view w) {
  if (w.empty() || w.size() > kMaxKey) return false;
  for (char c : w) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

absl::Status Bad(const std::string& field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

// The value as the option takes it, or an error saying why not.
absl::StatusOr<std::string> Accept(const v1::ExerciseOption& o, const std::string& value) {
  if (o.has_integer()) {
    int n = 0;
    if (!absl::SimpleAtoi(value, &n)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", value.substr(0, 64), "\" is not a whole number; it takes ", DescribeAllowed(o)));
    }
    if (n < o.integer().min() || n > o.integer().max()) {
      return absl::InvalidArgumentError(
          absl::StrCat(n, " is out of range; it takes ", DescribeAllowed(o)));
    }
    return absl::StrCat(n);
  }
  if (o.has_text()) {
    if (auto s = CheckText("text", value, kMaxValue, false, TextLines::kOne); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("it takes ", DescribeAllowed(o)));
    }
    return value;
  }
  for (const auto& v : o.choice().values()) {
    if (v == value) return value;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("\"", value.substr(0, 64), "\" is not allowed; it takes ", DescribeAllowed(o)));
}

}  // namespace

std::string DescribeAllowed(const v1::ExerciseOption& o) {
  if (o.has_integer()) {
    const auto& i = o.integer();
    return absl::StrCat("a whole number", i.unit().empty() ? "" : " of ", i.unit(), " from ",
                        i.min(), " to ", i.max(), ", default ", o.default_value());
  }
  if (o.has_text()) {
    return absl::StrCat("any text of one line, at most ", kMaxValue, " characters",
                        o.default_value().empty() ? "" : "; default ", o.default_value());
  }
  return absl::StrCat("one of ", absl::StrJoin(o.choice().values(), ", "), "; default ",
                      o.default_value());
}

absl::Status CheckDeclaredOptions(const std::string& field, const v1::Exercise& e) {
  if (e.options_size() > kMaxExerciseOptions) {
    return Bad(field + ".options", absl::StrCat("at most ", kMaxExerciseOptions));
  }
  std::set<std::string> keys;
  for (int i = 0; i < e.options_size(); ++i) {
    const v1::ExerciseOption& o = e.options(i);
    const std::string at = absl::StrCat(field, ".options[", i, "]");
    if (!IsOptionWord(o.key())) {
      return Bad(at + ".key", "must be 1 to 32 of a-z, 0-9 and '_' (e.g. \"turn_seconds\")");
    }
    if (!keys.insert(o.key()).second) {
      return Bad(at + ".key", absl::StrCat("\"", o.key(), "\" is listed twice"));
    }
    if (o.description().empty() || o.description().size() > kMaxDescription ||
        !IsPlainText(o.description(), TextLines::kOne)) {
      return Bad(at + ".description",
                 "is required: one line of at most 200 characters, without control characters");
    }
    switch (o.kind_case()) {
      case v1::ExerciseOption::kInteger: {
        const auto& n = o.integer();
        if (n.min() > n.max()) {
          return Bad(at + ".integer", absl::StrCat("min ", n.min(), " is above max ", n.max()));
        }
        if (n.unit().size() > kMaxUnit || !IsPlainText(n.unit(), TextLines::kOne)) {
          return Bad(at + ".integer.unit", "at most 32 characters, without control characters");
        }
        break;
      }
      case v1::ExerciseOption::kChoice: {
        const auto& c = o.choice();
        if (c.values_size() < kMinChoices || c.values_size() > kMaxChoices) {
          return Bad(at + ".choice.values", "2 to 20 values");
        }
        std::set<std::string> seen;
        for (const auto& v : c.values()) {
          if (!IsOptionWord(v)) {
            return Bad(at + ".choice.values", "each is 1 to 32 of a-z, 0-9 and '_' (e.g. \"yes\")");
          }
          if (!seen.insert(v).second) {
            return Bad(at + ".choice.values", absl::StrCat("\"", v, "\" is listed twice"));
          }
        }
        break;
      }
      case v1::ExerciseOption::kText:
        break;
      case v1::ExerciseOption::KIND_NOT_SET:
        return Bad(at, "needs a kind: integer { min max }, choice { values } or text {}");
    }
    if (auto ok = Accept(o, o.default_value()); !ok.ok()) {
      return Bad(at + ".default_value", ok.status().message());
    } else if (*ok != o.default_value()) {
      return Bad(at + ".default_value", absl::StrCat("write it as \"", *ok, "\""));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, std::string>> ResolveOptions(
    const v1::Exercise& e, const google::protobuf::Map<std::string, std::string>& chosen) {
  std::map<std::string, const v1::ExerciseOption*> listed;
  for (const auto& o : e.options()) listed[o.key()] = &o;
  // Map order is unspecified: report the first bad key in sorted order, so
  // the same request always gets the same answer.
  std::map<std::string, std::string> sorted(chosen.begin(), chosen.end());
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : sorted) {
    auto it = listed.find(key);
    if (it == listed.end()) {
      std::vector<std::string> known;
      for (const auto& o : e.options()) known.push_back(o.key());
      return absl::InvalidArgumentError(
          absl::StrCat("options: \"", key.substr(0, 64), "\" is not an option of ", e.id(),
                       known.empty() ? "; it has none"
                                     : absl::StrCat("; its options: ", absl::StrJoin(known, ", ")),
                       " (attune exercise list shows them)"));
    }
    auto accepted = Accept(*it->second, value);
    if (!accepted.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("options[", key, "]: ", accepted.status().message()));
    }
    out[key] = *std::move(accepted);
  }
  for (const auto& o : e.options()) out.try_emplace(o.key(), o.default_value());
  return out;
}

}  // namespace attune
