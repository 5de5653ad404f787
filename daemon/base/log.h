// Minimal logging to stderr: "2026-11-25T21:30:00Z attuned I message".
//
// Never pass secrets or record content: log ids, counts, codes and paths.
// Thread-safe (one write(2) per line).
#ifndef ATTUNE_DAEMON_BASE_LOG_H_
#define ATTUNE_DAEMON_BASE_LOG_H_

#include <string_view>

namespace attune {

enum class LogLevel { kInfo, kWarning, kError };

void Log(LogLevel level, std::string_view message);
// The program name each line carries ("attuned" unless set). Call once, at
// the start of main, before any thread logs; `name` must outlive the process
// (a string literal).
void SetLogProgram(const char* name);
inline void LogInfo(std::string_view m) { Log(LogLevel::kInfo, m); }
inline void LogWarning(std::string_view m) { Log(LogLevel::kWarning, m); }
inline void LogError(std::string_view m) { Log(LogLevel::kError, m); }

}  // namespace attune

#endif  // ATTUNE_DAEMON_BASE_LOG_H_
