// Runs a shell command line to completion and captures what it printed: for
// tests that drive a program as a person or a script would (a tool, an
// example client). Header-only; tests only.
#ifndef ATTUNE_TESTS_SUPPORT_SHELL_COMMAND_H_
#define ATTUNE_TESTS_SUPPORT_SHELL_COMMAND_H_

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace attune::testing {

struct CommandOutput {
  // The exit status, or -1 when a signal ended it or it could not run.
  int exit_status = -1;
  // Its stdout (and stderr, when the command line sends it there: 2>&1).
  std::string text;
};

inline CommandOutput RunShellCommand(const std::string& command_line) {
  CommandOutput out;
  FILE* pipe = ::popen(command_line.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.text.append(buffer, n);
  int status = ::pclose(pipe);
  out.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_SUPPORT_SHELL_COMMAND_H_
