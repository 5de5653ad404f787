#include "countdown.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <string>

#include "exercise_answers.h"

namespace attune::cli {
namespace {

volatile sig_atomic_t g_interrupted = 0;
void OnInterrupt(int) { g_interrupted = 1; }

}  // namespace

absl::StatusOr<int> RunCountdown(int seconds, std::ostream& out) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(seconds);
  // Ctrl-C ends the countdown (and the session) instead of the program.
  struct sigaction on_int = {}, previous = {};
  on_int.sa_handler = OnInterrupt;
  sigemptyset(&on_int.sa_mask);
  g_interrupted = 0;
  sigaction(SIGINT, &on_int, &previous);
  auto restore = [&] { sigaction(SIGINT, &previous, nullptr); };

  int shown = -1;
  while (true) {
    auto left_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
    if (left_ms <= 0) break;
    int left = static_cast<int>((left_ms + 999) / 1000);
    if (left != shown) {
      out << "\r  ⏱  " << ClockText(left) << " left — press Enter to end the turn early \x1b[K"
          << std::flush;
      shown = left;
    }
    struct pollfd p = {STDIN_FILENO, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(200, left_ms)));
    if (g_interrupted) {
      restore();
      out << "\n";
      return absl::CancelledError("stopped with Ctrl-C");
    }
    if (r > 0) {
      char buffer[256];
      ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
      if (n <= 0) {
        restore();
        out << "\n";
        return absl::CancelledError("input ended");
      }
      if (std::string(buffer, static_cast<size_t>(n)).find('\n') != std::string::npos) {
        restore();
        int took = static_cast<int>(
            std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start).count());
        out << "\r  Turn ended after " << ClockText(took) << ".\x1b[K\n";
        return took;
      }
    }
  }
  restore();
  out << "\r  ⏱  Time is up.\a\x1b[K\n";
  return seconds;
}

}  // namespace attune::cli
