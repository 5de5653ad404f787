#include "suggest.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace attune::cli {
namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::vector<std::string> Nearest(std::string_view typed, const std::vector<std::string>& known) {
  std::vector<std::pair<size_t, std::string>> scored;
  for (const std::string& word : known) {
    size_t d = EditDistance(typed, word);
    bool prefix = !typed.empty() && (word.rfind(typed, 0) == 0 || typed.rfind(word, 0) == 0);
    if (d <= 2 || prefix) scored.emplace_back(prefix ? 0 : d, word);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (const auto& [d, word] : scored) {
    if (out.size() == 3) break;
    out.push_back(word);
  }
  return out;
}

std::string UnknownCommandMessage(std::string_view typed, const std::vector<std::string>& known) {
  std::string message = absl::StrCat("unknown command '", std::string(typed), "'");
  std::vector<std::string> near = Nearest(typed, known);
  if (!near.empty())
    return absl::StrCat(message, "; did you mean ", absl::StrJoin(near, ", "), "?");
  return absl::StrCat(message, "; the commands are: ", absl::StrJoin(known, ", "));
}

}  // namespace attune::cli
