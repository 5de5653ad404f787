#include "daemon/base/log.h"

#include <unistd.h>

#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace attune {
namespace {
const char* program = "attuned";
}  // namespace

void SetLogProgram(const char* name) { program = name; }

void Log(LogLevel level, std::string_view message) {
  static constexpr char kLevels[] = {'I', 'W', 'E'};
  std::string line = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  line += ' ';
  line += program;
  line += ' ';
  line += kLevels[static_cast<int>(level)];
  line += ' ';
  line.append(message);
  line += '\n';
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace attune
