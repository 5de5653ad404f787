// Writing results to stdout: JSON documents (protobuf's JSON mapping) for
// --json, and for people plain text with bold headings when stdout is a
// terminal and NO_COLOR is unset.
#ifndef ATTUNE_CLIENTS_CLI_OUTPUT_H_
#define ATTUNE_CLIENTS_CLI_OUTPUT_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace attune::cli {

// True when stdout is a terminal and NO_COLOR is unset (or empty).
bool ColorEnabled();

// `text` in bold when ColorEnabled(), else unchanged.
std::string Bold(std::string_view text);

// Bold(text) followed by spaces up to `width` columns: a key in a
// "key  value" listing.
std::string BoldKey(std::string_view text, size_t width);

// The width of the terminal on stdout; $COLUMNS or 80 when not a terminal.
int TerminalColumns();

// Prints `message` on stdout as one JSON document: lowerCamelCase names,
// fields with default values included, followed by a newline.
absl::Status PrintJson(const google::protobuf::Message& message);

// Prints {"<key>": [<message>, ...]} as one JSON document (same options as
// PrintJson), for results of several calls that no API message holds.
absl::Status PrintJsonList(std::string_view key,
                           const std::vector<const google::protobuf::Message*>& messages);

// A table with a bold header line. Every column but the last is padded to
// its widest cell; the last is cut to fit the terminal, or wrapped onto
// lines of its own below (WrapLastColumn).
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void AddRow(std::vector<std::string> cells);
  // The last column is wrapped, never cut: for what must be read whole.
  void WrapLastColumn() { wrap_last_ = true; }
  // Prints the table on stdout; nothing but `empty_message` when it has no
  // rows.
  void Print(std::string_view empty_message) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
  bool wrap_last_ = false;
};

}  // namespace attune::cli

#endif  // ATTUNE_CLIENTS_CLI_OUTPUT_H_
