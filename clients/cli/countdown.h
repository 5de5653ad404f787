// The live countdown of a timed turn in the terminal: the time left, redrawn
// every second on one line, until it runs out or Enter ends the turn early.
#ifndef ATTUNE_CLIENTS_CLI_COUNTDOWN_H_
#define ATTUNE_CLIENTS_CLI_COUNTDOWN_H_

#include <ostream>

#include "absl/status/statusor.h"

namespace attune::cli {

// Counts `seconds` down on `out` while watching stdin for Enter. Returns the
// seconds the turn took. CANCELLED when stdin ends or Ctrl-C is pressed.
absl::StatusOr<int> RunCountdown(int seconds, std::ostream& out);

}  // namespace attune::cli

#endif  // ATTUNE_CLIENTS_CLI_COUNTDOWN_H_
