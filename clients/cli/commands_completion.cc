// attune completion bash: a bash completion script generated from the
// command tree itself, so it never falls out of step with the commands.
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "commands.h"

namespace attune::cli {
namespace {

// Value choices of options, completed after the option.
const std::map<std::string, std::string>& OptionChoices() {
  static const auto* choices = new std::map<std::string, std::string>{
      {"--kdf", "moderate interactive test-only-minimum"},
      {"--per", "day week"},
      {"--rating", "1 2 3 4 5"},
      {"--day", "today yesterday"},
      {"--from", "today yesterday"},
      {"--to", "today yesterday"},
      {"--start", "today"},
  };
  return *choices;
}

// Options whose value is a path.
bool TakesPath(const std::string& name) {
  return name == "--socket" || name == "--passphrase-file" || name == "--body-file";
}

struct Node {
  std::string path;  // " journal add"; "" for the top
  std::vector<std::string> words;
};

// Collects the subcommand paths below `app` and, for each, the words
// completed there (subcommands and options). Options taking a value are
// added to `value_options`.
void Collect(const CLI::App& app, const std::string& path,
             const std::vector<std::string>& inherited, std::vector<Node>& nodes,
             std::map<std::string, bool>& value_options) {
  Node node{path, {}};
  std::vector<std::string> own;
  for (const CLI::Option* option : app.get_options([](const CLI::Option*) { return true; })) {
    if (option->get_positional()) continue;
    for (const std::string& name : option->get_lnames()) {
      own.push_back("--" + name);
      if (option->get_expected_max() != 0) value_options["--" + name] = true;
    }
    for (const std::string& name : option->get_snames()) {
      own.push_back("-" + name);
      if (option->get_expected_max() != 0) value_options["-" + name] = true;
    }
  }
  std::vector<const CLI::App*> children = app.get_subcommands([](const CLI::App*) { return true; });
  for (const CLI::App* child : children) node.words.push_back(child->get_name());
  node.words.insert(node.words.end(), own.begin(), own.end());
  // Global options (fallthrough) work everywhere.
  std::vector<std::string> passed = inherited;
  if (path.empty()) passed = own;
  for (const std::string& word : inherited) {
    if (std::find(node.words.begin(), node.words.end(), word) == node.words.end()) {
      node.words.push_back(word);
    }
  }
  nodes.push_back(node);
  for (const CLI::App* child : children) {
    Collect(*child, absl::StrCat(path, " ", child->get_name()), passed, nodes, value_options);
  }
}

std::string BashScript(const CLI::App& app) {
  std::vector<Node> nodes;
  std::map<std::string, bool> value_options;
  Collect(app, "", {}, nodes, value_options);

  std::vector<std::string> paths;
  for (const Node& node : nodes) {
    if (!node.path.empty()) paths.push_back("\"" + node.path + "\"");
  }
  std::vector<std::string> path_options, free_options;
  for (const auto& [name, takes_value] : value_options) {
    if (!takes_value) continue;
    if (TakesPath(name)) {
      path_options.push_back(name);
    } else if (!OptionChoices().contains(name)) {
      free_options.push_back(name);
    }
  }

  std::string out =
      "# bash completion for attune. Load it with:\n"
      "#   source <(attune completion bash)\n"
      "# or save it as ~/.local/share/bash-completion/completions/attune\n"
      "_attune() {\n"
      "  local cur prev path word i words\n"
      "  cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
      "  prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
      "  path=\"\"\n"
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      "    word=\"${COMP_WORDS[i]}\"\n"
      "    case \"${path} ${word}\" in\n";
  absl::StrAppend(&out, "      ", absl::StrJoin(paths, "|"), ") path=\"${path} ${word}\" ;;\n",
                  "    esac\n", "  done\n", "  case \"${prev}\" in\n");
  if (!path_options.empty()) {
    absl::StrAppend(&out, "    ", absl::StrJoin(path_options, "|"),
                    ")\n      compopt -o filenames 2>/dev/null\n"
                    "      COMPREPLY=($(compgen -f -- \"${cur}\"))\n"
                    "      return ;;\n");
  }
  for (const auto& [name, choices] : OptionChoices()) {
    absl::StrAppend(&out, "    ", name, ") COMPREPLY=($(compgen -W \"", choices,
                    "\" -- \"${cur}\")); return ;;\n");
  }
  if (!free_options.empty()) {
    absl::StrAppend(&out, "    ", absl::StrJoin(free_options, "|"), ") COMPREPLY=(); return ;;\n");
  }
  absl::StrAppend(&out, "  esac\n  case \"${path}\" in\n");
  for (const Node& node : nodes) {
    absl::StrAppend(&out, "    \"", node.path, "\") words=\"", absl::StrJoin(node.words, " "),
                    "\" ;;\n");
  }
  absl::StrAppend(&out,
                  "  esac\n"
                  "  COMPREPLY=($(compgen -W \"${words}\" -- \"${cur}\"))\n"
                  "}\n"
                  "complete -F _attune attune\n");
  return out;
}

}  // namespace

void AddCompletionCommands(CLI::App& app, CommandTable& table) {
  CLI::App* completion = app.add_subcommand("completion", "Print a shell completion script");
  completion->require_subcommand(1);
  CLI::App* bash = completion->add_subcommand(
      "bash", "Bash completion; load with: source <(attune completion bash)");
  const CLI::App* root = &app;
  table.Set(bash, [root] {
    std::cout << BashScript(*root);
    return absl::OkStatus();
  });
  // Set last: subcommands copy the group from their parent when created.
  completion->group("Shell");
}

}  // namespace attune::cli
