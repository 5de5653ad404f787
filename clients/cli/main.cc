// attune: the command-line client of the attuned daemon.
//
// Parses the command line (CLI11), runs the action of the command given and
// turns its outcome into an exit code: 0 ok, 1 failed, 2 bad usage, 3 daemon
// not running or vault locked / not initialised.
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_join.h"
#include "args.h"
#include "commands.h"
#include "common/environment.h"
#include "format.h"
#include "suggest.h"

namespace attune::cli {
namespace {

constexpr char kFooter[] =
    R"(Exit status: 0 ok, 1 failed, 2 bad usage, 3 daemon not running or vault
locked / not initialised.
Environment: ATTUNE_SOCKET (default socket), TZ (day boundaries), EDITOR,
NO_COLOR.)";

// "unknown option '--feeling' for attune checkin; did you mean --emotion?"
// (the nearest of the options `level` and its parents take).
std::string UnknownOptionMessage(const CLI::App& level, const std::string& word) {
  std::vector<std::string> known;
  std::string path;
  for (const CLI::App* a = &level; a != nullptr; a = a->get_parent()) {
    for (const CLI::Option* option : a->get_options()) {
      for (const std::string& name : option->get_lnames()) known.push_back("--" + name);
    }
    path = a->get_parent() == nullptr ? a->get_name() + path : " " + a->get_name() + path;
  }
  std::string message = "unknown option '" + word + "' for " + path;
  const std::vector<std::string> near = Nearest(word, known);
  if (!near.empty()) message += "; did you mean " + absl::StrJoin(near, " or ") + "?";
  return message + " (see " + path + " --help)";
}

// "unknown command 'x'; did you mean …" when a word where a command is due
// (`attune search`, `attune journal serch`) names none; empty otherwise.
std::string UnknownCommand(const CLI::App& app, int argc, char** argv) {
  const CLI::App* level = &app;
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word == "--") return "";
    if (!word.empty() && word[0] == '-') {
      // An option's value follows it unless given as --option=value.
      if (word.find('=') == std::string::npos) {
        const CLI::Option* option = nullptr;
        for (const CLI::App* a = level; a != nullptr && option == nullptr; a = a->get_parent()) {
          option = a->get_option_no_throw(word);
        }
        const bool looks_like_option =
            word.size() > 1 && !std::isdigit(static_cast<unsigned char>(word[1]));
        if (option == nullptr && looks_like_option) return UnknownOptionMessage(*level, word);
        if (option == nullptr) continue;
        if (option->get_items_expected_max() > 0) ++i;  // not a flag
      }
      continue;
    }
    std::vector<std::string> names;
    const CLI::App* next = nullptr;
    for (const CLI::App* sub : level->get_subcommands({})) {
      names.push_back(sub->get_name());
      if (sub->check_name(word)) next = sub;
    }
    if (names.empty()) return "";  // a command's own arguments from here
    if (next == nullptr) {
      for (const CLI::Option* option : level->get_options()) {
        if (option->get_positional()) return "";  // a word this command takes itself
      }
      return UnknownCommandMessage(word, names);
    }
    level = next;
  }
  return "";
}

int Main(int argc, char** argv) {
  GlobalOptions global;
  global.socket = DefaultSocketPath();

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
  AddAppreciationCommands(app, global, table);
  AddSearchCommands(app, global, table);
  AddInsightsCommands(app, global, table);
  AddRemindCommands(app, global, table);
  AddBackupCommands(app, global, table);
  AddExportCommands(app, global, table);
  AddSpaceCommands(app, global, table);
  AddExerciseCommands(app, global, table);
  AddPluginCommands(app, global, table);
  AddWatchCommands(app, global, table);
  AddCompletionCommands(app, table);

  if (auto unknown = UnknownCommand(app, argc, argv); !unknown.empty()) {
    std::cerr << "attune: " << unknown << "\n";
    return kExitUsage;
  }
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
