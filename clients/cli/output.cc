#include "output.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "format.h"
#include "google/protobuf/util/json_util.h"

namespace attune::cli {
namespace {

google::protobuf::util::JsonPrintOptions JsonOptions() {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = false;
  return options;
}

absl::Status JsonError(const google::protobuf::util::Status& status) {
  return absl::InternalError(absl::StrCat("cannot print JSON: ", std::string(status.message())));
}

}  // namespace

bool ColorEnabled() {
  static const bool enabled = [] {
    const char* no_color = std::getenv("NO_COLOR");
    if (no_color != nullptr && *no_color != '\0') return false;
    return isatty(STDOUT_FILENO) == 1;
  }();
  return enabled;
}

std::string Bold(std::string_view text) {
  if (!ColorEnabled() || text.empty()) return std::string(text);
  return absl::StrCat("\x1b[1m", std::string(text), "\x1b[0m");
}

std::string BoldKey(std::string_view text, size_t width) {
  size_t used = Utf8Width(text);
  return Bold(text) + std::string(used < width ? width - used : 1, ' ');
}

int TerminalColumns() {
  struct winsize size;
  if (isatty(STDOUT_FILENO) == 1 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 &&
      size.ws_col > 0) {
    return size.ws_col;
  }
  if (const char* columns = std::getenv("COLUMNS"); columns != nullptr) {
    int n = std::atoi(columns);
    if (n > 20) return n;
  }
  return 80;
}

absl::Status PrintJson(const google::protobuf::Message& message) {
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(message, &json, JsonOptions());
  if (!status.ok()) return JsonError(status);
  std::cout << json;
  if (json.empty() || json.back() != '\n') std::cout << '\n';
  std::cout.flush();
  return absl::OkStatus();
}

absl::Status PrintJsonList(std::string_view key,
                           const std::vector<const google::protobuf::Message*>& messages) {
  // Each message keeps its field order; its lines are indented under the
  // list (JSON strings hold no raw line breaks, so this is safe).
  std::string out = absl::StrCat("{\n \"", std::string(key), "\": [");
  bool first = true;
  for (const google::protobuf::Message* message : messages) {
    std::string json;
    auto status = google::protobuf::util::MessageToJsonString(*message, &json, JsonOptions());
    if (!status.ok()) return JsonError(status);
    while (!json.empty() && json.back() == '\n') json.pop_back();
    absl::StrAppend(&out, first ? "\n  " : ",\n  ", absl::StrReplaceAll(json, {{"\n", "\n  "}}));
    first = false;
  }
  absl::StrAppend(&out, messages.empty() ? "]\n}\n" : "\n ]\n}\n");
  std::cout << out;
  std::cout.flush();
  return absl::OkStatus();
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

void Table::Print(std::string_view empty_message) const {
  if (rows_.empty()) {
    std::cout << empty_message << '\n';
    return;
  }
  const size_t n = headers_.size();
  std::vector<size_t> widths(n, 0);
  for (size_t i = 0; i < n; ++i) {
    widths[i] = Utf8Width(headers_[i]);
    for (const auto& row : rows_) {
      widths[i] = std::max(widths[i], Utf8Width(row[i]));
    }
  }
  size_t used = 0;
  for (size_t i = 0; i + 1 < n; ++i) used += widths[i] + 2;
  const size_t total = static_cast<size_t>(TerminalColumns());
  const size_t last = total > used + 10 ? total - used - 1 : 10;

  auto print_row = [&](const std::vector<std::string>& cells, bool header) {
    std::string line;
    for (size_t i = 0; i < n; ++i) {
      std::string cell = i + 1 < n    ? PadRight(cells[i], widths[i] + 2)
                         : wrap_last_ ? Wrap(cells[i], used + last, used)
                                      : Truncate(cells[i], last);
      line += cell;
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::cout << (header ? Bold(line) : line) << '\n';
  };
  print_row(headers_, true);
  for (const auto& row : rows_) print_row(row, false);
}

}  // namespace attune::cli
