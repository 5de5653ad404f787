// How the commands plug into main: each commands_*.cc adds its CLI11
// subcommands and registers one action per runnable command. main parses the
// command line, runs the action of the deepest subcommand given, and turns the
// returned status into an exit code (see ExitCode()).
#ifndef ATTUNE_CLIENTS_CLI_COMMANDS_H_
#define ATTUNE_CLIENTS_CLI_COMMANDS_H_

#include <functional>
#include <map>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "attune/v1/api.pb.h"

namespace attune::cli {

// Flags that apply to every command.
struct GlobalOptions {
  // The daemon's Unix socket.
  std::string socket;
  // Print one JSON document (protobuf JSON mapping) instead of text.
  bool json = false;
};

// What a command does once the command line is parsed. Returns OK or the
// error to report; it prints its own results.
using Action = std::function<absl::Status()>;

// The action of each runnable (sub)command.
class CommandTable {
 public:
  void Set(const CLI::App* command, Action action) { actions_[command] = std::move(action); }
  // The action of `command`, or nullptr when it has none.
  const Action* Find(const CLI::App* command) const {
    auto it = actions_.find(command);
    return it == actions_.end() ? nullptr : &it->second;
  }

 private:
  std::map<const CLI::App*, Action> actions_;
};

// Each adds its commands to `app`. `global` is filled in by the parse and
// read only when an action runs.
void AddVaultCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table);
void AddCheckInCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table);
void AddJournalCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table);
void AddGoalCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table);
// `attune appreciation list`.
void AddAppreciationCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table);
// `attune pair invite|join|verify`, `attune members`, `attune sync
// status|digest`, `attune id`.
void AddSpaceCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table);
// `attune exercise list|start|sessions` and `attune plugin list|grant|revoke`.
void AddExerciseCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table);
void AddPluginCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table);
void AddWatchCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table);
void AddSearchCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table);
void AddInsightsCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table);
// `attune remind add|list|remove`.
void AddRemindCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table);
// The words of a due reminder, for attune watch (asks the daemon for them).
class DaemonClient;
std::string ReminderMessage(DaemonClient& client, const v1::ReminderDue& due);
// `attune backup DIR` and `attune restore DIR`.
void AddBackupCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table);
// `attune export` and `attune import`.
void AddExportCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table);
// `attune completion bash`; reads the finished command tree of `app`.
void AddCompletionCommands(CLI::App& app, CommandTable& table);

// Exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnavailable = 3;

// 0 for OK; 2 for INVALID_ARGUMENT (bad usage); 3 for UNAVAILABLE (daemon not
// running) and FAILED_PRECONDITION (vault locked or not initialised); 1 for
// everything else, UNAUTHENTICATED (wrong passphrase) included.
inline int ExitCode(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kExitOk;
    case absl::StatusCode::kInvalidArgument:
      return kExitUsage;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kFailedPrecondition:
      return kExitUnavailable;
    default:
      return kExitFailed;
  }
}

}  // namespace attune::cli

#endif  // ATTUNE_CLIENTS_CLI_COMMANDS_H_
