// attune: the command-line client of the attuned daemon.
//
// Parses the command line (CLI11), runs the action of the command given and
// turns its outcome into an exit code: 0 ok, 1 failed, 2 bad usage, 3 daemon
// not running or vault locked / not initialised.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "CLI/CLI.hpp"
#include "args.h"
#include "commands.h"
#include "format.h"

namespace attune::cli {
namespace {

constexpr char kFooter[] =
    R"(Exit status: 0 ok, 1 failed, 2 bad usage, 3 daemon not running or vault
locked / not initialised.
Environment: ATTUNE_SOCKET (default socket), TZ (day boundaries), EDITOR,
NO_COLOR.)";

int Main(int argc, char** argv) {
  GlobalOptions global;
  global.socket =
      DefaultSocketPath(std::getenv("ATTUNE_SOCKET"), std::getenv("XDG_RUNTIME_DIR"), getuid());

  CLI::App app{
      "Journals, daily check-ins and shared goals for two, kept encrypted by "
      "the attuned daemon."};
  app.name("attune");
  app.require_subcommand(1);
  // Global flags are accepted after the command too: `attune status --json`.
  app.fallthrough();
  app.footer(kFooter);
  app.add_option("--socket", global.socket,
                 "The daemon's Unix socket (default: " + global.socket + ")")
      ->option_text("PATH");
  app.set_version_flag("--version", "attune " ATTUNE_VERSION);
  app.add_flag("--json", global.json,
               "Print the result as one JSON document (protobuf JSON mapping)");

  CommandTable table;
  AddVaultCommands(app, global, table);
  AddCheckInCommands(app, global, table);
  AddJournalCommands(app, global, table);
  AddGoalCommands(app, global, table);
  AddSpaceCommands(app, global, table);
  AddExerciseCommands(app, global, table);
  AddPluginCommands(app, global, table);
  AddCompletionCommands(app, table);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help prints and exits 0; every other parse error is bad usage.
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  // The action of the deepest command given: `journal add` rather than
  // `journal`.
  const CLI::App* command = &app;
  while (!command->get_subcommands().empty()) {
    command = command->get_subcommands().front();
  }
  const Action* action = table.Find(command);
  if (action == nullptr) {
    std::cerr << command->help();
    return kExitUsage;
  }
  absl::Status status = (*action)();
  if (!status.ok()) {
    std::cerr << "attune: " << TerminalSafe(std::string(status.message())) << '\n';
  }
  return ExitCode(status);
}

}  // namespace
}  // namespace attune::cli

int main(int argc, char** argv) { return attune::cli::Main(argc, argv); }
