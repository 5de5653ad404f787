// Interactive input: questions asked on stderr and answered on stdin, and
// passphrases read from a file or typed on the terminal without echo.
#ifndef ATTUNE_CLIENTS_CLI_PROMPT_H_
#define ATTUNE_CLIENTS_CLI_PROMPT_H_

#include <functional>
#include <iostream>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace attune::cli {

// True when stdin is a terminal, i.e. a person can answer questions.
bool StdinIsTerminal();

// Asks `question` on stderr and reads one line from stdin (without its line
// break). CANCELLED when the input ends (Ctrl-D).
absl::StatusOr<std::string> AskLine(std::string_view question);

// Asks `question` until `parse` accepts the answer. When `parse` fails with
// INVALID_ARGUMENT its message is shown and the question asked again; any
// other failure ends the loop.
template <typename T>
absl::StatusOr<T> AskUntilValid(std::string_view question,
                                const std::function<absl::StatusOr<T>(const std::string&)>& parse) {
  while (true) {
    absl::StatusOr<std::string> answer = AskLine(question);
    if (!answer.ok()) return answer.status();
    absl::StatusOr<T> value = parse(*answer);
    if (value.ok() || value.status().code() != absl::StatusCode::kInvalidArgument) {
      return value;
    }
    std::cerr << "  " << value.status().message() << '\n';
  }
}

// Asks a yes/no question (default no). CANCELLED when the input ends.
absl::StatusOr<bool> Confirm(std::string_view question);

// How a passphrase is obtained.
struct PassphraseRequest {
  // When non-empty, the passphrase is the first line of this file (its line
  // break removed) and nothing is asked.
  std::string file;
  // The question, e.g. "Passphrase: ".
  std::string prompt = "Passphrase: ";
  // Ask a second time and require both to agree (for a new passphrase).
  bool confirm = false;
  // When typed, re-ask anything shorter than this many characters.
  size_t min_length = 0;
};

// Reads a passphrase as `request` says. When no file is given it is typed
// on the terminal with echo off: on stdin when stdin is a terminal, else on
// /dev/tty. INVALID_ARGUMENT (bad usage) when there is no terminal;
// NOT_FOUND when the file cannot be read; PERMISSION_DENIED when the file
// belongs to another user, group or others may read it, or it is a symbolic
// link another user owns; CANCELLED when input ends.
absl::StatusOr<std::string> ReadPassphrase(const PassphraseRequest& request);

}  // namespace attune::cli

#endif  // ATTUNE_CLIENTS_CLI_PROMPT_H_
