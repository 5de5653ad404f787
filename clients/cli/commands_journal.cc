// attune journal add | list | show | edit | rm: private reflections,
// optionally shared with the partner.
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "args.h"
#include "commands.h"
#include "common/environment.h"
#include "daemon_client.h"
#include "editor.h"
#include "feelings.h"
#include "format.h"
#include "google/protobuf/empty.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "members.h"
#include "output.h"
#include "prompt.h"
#include "status_macros.h"

namespace attune::cli {
namespace {

constexpr char kCollection[] = "journalEntries";
constexpr char kNoun[] = "journal entry";
constexpr int kDefaultListLimit = 20;
constexpr char kEditorHelp[] =
    "In the editor, an optional first line \"# Title\" is the title and the "
    "rest is\nthe body; blank lines around the body are dropped. Saving an "
    "empty body cancels.";

// --- helpers ----------------------------------------------------------------

absl::StatusOr<std::string> ReadTextFile(const std::string& path) {
  if (path == "-") {
    return UnixLineBreaks(
        std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return UnixLineBreaks(text.str());
}

// The body without trailing white space (editors and heredocs add a final
// line break).
std::string CleanBody(std::string_view text) {
  size_t end = text.size();
  while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r' || text[end - 1] == ' ' ||
                     text[end - 1] == '\t')) {
    --end;
  }
  return std::string(text.substr(0, end));
}

// The heading shown for an entry: its title, else its first non-blank line.
std::string Headline(const v1::JournalEntry& entry) {
  if (!entry.title().empty()) return entry.title();
  return FirstLine(Trim(entry.body()));
}

// Every entry, newest first, until `limit` (0: no limit).
absl::StatusOr<v1::ListJournalEntriesResponse> ListEntries(DaemonClient& client, int limit) {
  v1::ListJournalEntriesResponse all;
  v1::ListJournalEntriesRequest request;
  request.set_page_size(limit > 0 && limit < 1000 ? limit : 1000);
  do {
    v1::ListJournalEntriesResponse page;
    ATTUNE_RETURN_IF_ERROR(client.Run([&](grpc::ClientContext* context) {
      return client.journal().ListJournalEntries(context, request, &page);
    }));
    for (auto& entry : *page.mutable_journal_entries()) {
      if (limit > 0 && all.journal_entries_size() >= limit) break;
      *all.add_journal_entries() = std::move(entry);
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty() && (limit == 0 || all.journal_entries_size() < limit));
  return all;
}

// The resource name of the entry `id` names (a prefix is looked up).
absl::StatusOr<std::string> ResolveEntry(DaemonClient& client, const IdArg& id) {
  if (id.complete) return id.value;
  ATTUNE_ASSIGN_OR_RETURN(v1::ListJournalEntriesResponse all, ListEntries(client, 0));
  std::vector<std::string> names;
  for (const auto& entry : all.journal_entries()) names.push_back(entry.name());
  return MatchIdPrefix(id.value, names, kNoun);
}

absl::StatusOr<v1::JournalEntry> GetEntry(DaemonClient& client, const std::string& name) {
  v1::GetJournalEntryRequest request;
  request.set_name(name);
  v1::JournalEntry entry;
  ATTUNE_RETURN_IF_ERROR(client.Run([&](grpc::ClientContext* context) {
    return client.journal().GetJournalEntry(context, request, &entry);
  }));
  return entry;
}

void PrintEntry(const v1::JournalEntry& entry, const People& people) {
  const absl::TimeZone zone = LoadZoneOrLocal(MachineZoneName());
  const char* kWhen = "%a %Y-%m-%d %H:%M";
  std::cout << Bold(entry.title().empty() ? "(untitled)" : entry.title()) << '\n';
  auto row = [](std::string_view key, const std::string& value) {
    std::cout << "  " << BoldKey(key, 10) << value << '\n';
  };
  row("id", std::string(IdOf(entry.name())));
  row("written", FormatTimestamp(entry.create_time(), zone, kWhen));
  std::string edited = FormatTimestamp(entry.update_time(), zone, kWhen);
  if (!edited.empty() && edited != FormatTimestamp(entry.create_time(), zone, kWhen)) {
    row("edited", edited);
  }
  std::string visibility = VisibilityName(entry.visibility());
  if (people.IsOther(entry.author())) {
    const std::string name = people.NameOf(entry.author(), "");
    visibility = absl::StrCat("shared by ", name.empty() ? "your partner" : name);
  }
  row("visible", visibility);
  if (!entry.emotions().empty()) {
    row("feelings", FormatEmotions(entry.emotions()));
  }
  std::cout << '\n' << entry.body() << '\n';
}

std::string MyMemberId(DaemonClient& client) {
  absl::StatusOr<v1::VaultStatus> status = client.GetVaultStatus();
  return status.ok() ? status->member_id() : "";
}

// --- add --------------------------------------------------------------------

struct AddOptions {
  std::string title;
  std::string body;
  std::string body_file;
  std::vector<std::string> emotions;
  bool shared = false;
};

absl::Status RunAdd(const GlobalOptions& global, const AddOptions& options, bool body_given) {
  v1::JournalEntry entry;
  entry.set_title(Trim(options.title));
  entry.set_visibility(options.shared ? v1::VISIBILITY_SHARED : v1::VISIBILITY_PRIVATE);
  ATTUNE_ASSIGN_OR_RETURN(std::vector<v1::EmotionLabel> emotions,
                          ParseEmotionFlags(options.emotions));
  for (auto& e : emotions) *entry.add_emotions() = std::move(e);

  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  if (body_given) {
    entry.set_body(CleanBody(options.body));
  } else if (!options.body_file.empty()) {
    ATTUNE_ASSIGN_OR_RETURN(std::string text, ReadTextFile(options.body_file));
    entry.set_body(CleanBody(text));
  } else if (StdinIsTerminal()) {
    // Refuse before the writing, not after it.
    ATTUNE_RETURN_IF_ERROR(client->RequireUnlocked().status());
    ATTUNE_ASSIGN_OR_RETURN(std::string text, EditInEditor(ComposeEditorText(entry.title(), "")));
    EditorText edited = ParseEditorText(text);
    if (edited.body.empty()) {
      return absl::AbortedError("the entry is empty; nothing was saved");
    }
    entry.set_title(edited.title);
    entry.set_body(edited.body);
  } else {
    entry.set_body(CleanBody(
        std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>())));
  }
  if (Trim(entry.body()).empty()) {
    return absl::InvalidArgumentError("the body is empty; nothing was saved");
  }

  v1::CreateJournalEntryRequest request;
  *request.mutable_journal_entry() = entry;
  v1::JournalEntry saved;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* context) {
    return client->journal().CreateJournalEntry(context, request, &saved);
  }));
  if (global.json) return PrintJson(saved);
  std::string visible = "private";
  if (saved.visibility() == v1::VISIBILITY_SHARED) {
    const std::string partner = People::Fetch(*client).PartnerName();
    visible = absl::StrCat("shared with ", partner.empty() ? "your partner" : partner);
  }
  std::cout << "Saved journal entry " << ShortId(saved.name()) << " (" << visible << ").\n";
  return absl::OkStatus();
}

// --- list -------------------------------------------------------------------

absl::Status RunList(const GlobalOptions& global, int limit, bool all) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(v1::ListJournalEntriesResponse entries,
                          ListEntries(*client, all ? 0 : limit));
  if (global.json) return PrintJson(entries);
  const People people = People::Fetch(*client);
  const absl::TimeZone zone = LoadZoneOrLocal(MachineZoneName());
  Table table({"ID", "DATE", "VISIBILITY", "TITLE"});
  for (const v1::JournalEntry& entry : entries.journal_entries()) {
    std::string visibility = VisibilityName(entry.visibility());
    if (people.IsOther(entry.author())) {
      visibility = absl::StrCat(people.NameOf(entry.author()), "'s");
    }
    table.AddRow({ShortId(entry.name()), FormatTimestamp(entry.create_time(), zone, "%Y-%m-%d"),
                  visibility, Headline(entry)});
  }
  table.Print("No journal entries yet. Write one with: attune journal add");
  if (!all && entries.journal_entries_size() == limit) {
    std::cout << "(the newest " << limit << "; --all shows every entry)\n";
  }
  return absl::OkStatus();
}

// --- show -------------------------------------------------------------------

absl::Status RunShow(const GlobalOptions& global, const std::string& arg) {
  ATTUNE_ASSIGN_OR_RETURN(IdArg id, ParseIdArg(arg, kCollection));
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(std::string name, ResolveEntry(*client, id));
  ATTUNE_ASSIGN_OR_RETURN(v1::JournalEntry entry, GetEntry(*client, name));
  if (global.json) return PrintJson(entry);
  PrintEntry(entry, People::Fetch(*client));
  return absl::OkStatus();
}

// --- edit -------------------------------------------------------------------

struct EditOptions {
  std::string id;
  std::string title;
  std::string body;
  std::string body_file;
  std::vector<std::string> emotions;
  bool clear_emotions = false;
  bool shared = false;
  bool make_private = false;
};

// Which of the given flags were on the command line.
struct EditFlags {
  bool title = false;
  bool body = false;
};

absl::Status RunEdit(const GlobalOptions& global, const EditOptions& options, EditFlags given) {
  if (options.shared && options.make_private) {
    return absl::InvalidArgumentError("give --shared or --private, not both");
  }
  if (options.clear_emotions && !options.emotions.empty()) {
    return absl::InvalidArgumentError("give --emotion or --clear-emotions, not both");
  }
  const bool any_field = given.title || given.body || !options.body_file.empty() ||
                         !options.emotions.empty() || options.clear_emotions || options.shared ||
                         options.make_private;
  if (!any_field && !StdinIsTerminal()) {
    return absl::InvalidArgumentError(
        "give the fields to change (--title, --body, ...) or run on a "
        "terminal to edit in $EDITOR");
  }
  ATTUNE_ASSIGN_OR_RETURN(IdArg id, ParseIdArg(options.id, kCollection));
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(std::string name, ResolveEntry(*client, id));
  ATTUNE_ASSIGN_OR_RETURN(v1::JournalEntry current, GetEntry(*client, name));

  v1::JournalEntry changed = current;
  if (any_field) {
    if (given.title) changed.set_title(Trim(options.title));
    if (given.body) changed.set_body(CleanBody(options.body));
    if (!options.body_file.empty()) {
      ATTUNE_ASSIGN_OR_RETURN(std::string text, ReadTextFile(options.body_file));
      changed.set_body(CleanBody(text));
    }
    if (options.clear_emotions || !options.emotions.empty()) {
      ATTUNE_ASSIGN_OR_RETURN(std::vector<v1::EmotionLabel> emotions,
                              ParseEmotionFlags(options.emotions));
      changed.clear_emotions();
      for (auto& e : emotions) *changed.add_emotions() = std::move(e);
    }
    if (options.shared) changed.set_visibility(v1::VISIBILITY_SHARED);
    if (options.make_private) changed.set_visibility(v1::VISIBILITY_PRIVATE);
  } else {
    ATTUNE_ASSIGN_OR_RETURN(std::string text,
                            EditInEditor(ComposeEditorText(current.title(), current.body())));
    EditorText edited = ParseEditorText(text);
    if (edited.body.empty()) {
      return absl::AbortedError("the body is empty; nothing was changed");
    }
    changed.set_title(edited.title);
    changed.set_body(edited.body);
  }

  v1::UpdateJournalEntryRequest request;
  auto* mask = request.mutable_update_mask();
  if (changed.title() != current.title()) mask->add_paths("title");
  if (changed.body() != current.body()) mask->add_paths("body");
  if (changed.visibility() != current.visibility()) {
    mask->add_paths("visibility");
  }
  bool same_emotions = changed.emotions_size() == current.emotions_size();
  for (int i = 0; same_emotions && i < changed.emotions_size(); ++i) {
    same_emotions = google::protobuf::util::MessageDifferencer::Equals(changed.emotions(i),
                                                                       current.emotions(i));
  }
  if (!same_emotions) mask->add_paths("emotions");

  if (mask->paths().empty()) {
    if (global.json) return PrintJson(current);
    std::cout << "Nothing changed.\n";
    return absl::OkStatus();
  }
  *request.mutable_journal_entry() = changed;
  v1::JournalEntry saved;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* context) {
    return client->journal().UpdateJournalEntry(context, request, &saved);
  }));
  if (global.json) return PrintJson(saved);
  std::cout << "Updated journal entry " << ShortId(saved.name()) << ".\n";
  return absl::OkStatus();
}

// --- rm ---------------------------------------------------------------------

absl::Status RunRemove(const GlobalOptions& global, const std::string& arg, bool yes) {
  ATTUNE_ASSIGN_OR_RETURN(IdArg id, ParseIdArg(arg, kCollection));
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(std::string name, ResolveEntry(*client, id));
  ATTUNE_ASSIGN_OR_RETURN(v1::JournalEntry entry, GetEntry(*client, name));
  // A partner's entry: the daemon refuses, saying whose it is; nothing to ask.
  const bool mine = entry.author().empty() || entry.author() == MyMemberId(*client);
  if (!yes && mine) {
    // Asked on stdin even when it is not a terminal: a script says --yes.
    absl::StatusOr<bool> confirmed = Confirm(
        absl::StrCat("Delete your entry \"", Truncate(Headline(entry), 50), "\" for good?"));
    if (!confirmed.ok() || !*confirmed) {
      return absl::AbortedError("nothing was deleted (answer y to delete, or pass --yes)");
    }
  }
  v1::DeleteJournalEntryRequest request;
  request.set_name(name);
  google::protobuf::Empty empty;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* context) {
    return client->journal().DeleteJournalEntry(context, request, &empty);
  }));
  if (global.json) return PrintJson(empty);
  std::cout << "Deleted journal entry " << ShortId(name) << ".\n";
  return absl::OkStatus();
}

void AddIdArgument(CLI::App* command, std::string& id) {
  command
      ->add_option("id", id,
                   "journalEntries/<id>, the 32-hex id, or its first 4+ hex "
                   "digits")
      ->required();
}

}  // namespace

void AddJournalCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table) {
  CLI::App* journal = app.add_subcommand("journal", "Write, read, edit and share reflections");
  journal->require_subcommand(1);

  // add
  auto add = std::make_shared<AddOptions>();
  CLI::App* add_cmd = journal->add_subcommand(
      "add", "Write an entry: --body, --body-file, stdin, or $EDITOR on a terminal");
  add_cmd->footer(kEditorHelp);
  add_cmd->add_option("--title", add->title, "A short heading (optional)")->option_text("TEXT");
  CLI::Option* body = add_cmd->add_option("--body", add->body, "The entry")->option_text("TEXT");
  add_cmd->add_option("--body-file", add->body_file, "Read the entry from FILE (- for stdin)")
      ->option_text("FILE")
      ->excludes(body);
  AddEmotionOption(add_cmd, add->emotions);
  add_cmd->add_flag("--shared", add->shared, "Share it with your partner (default: private)");
  table.Set(add_cmd, [&global, add, body] { return RunAdd(global, *add, body->count() > 0); });

  // list
  auto limit = std::make_shared<int>(kDefaultListLimit);
  auto all = std::make_shared<bool>(false);
  CLI::App* list_cmd = journal->add_subcommand("list", "List entries, newest first");
  list_cmd
      ->add_option("--limit", *limit,
                   absl::StrCat("Show at most N entries (default: ", kDefaultListLimit, ")"))
      ->check(CLI::Range(1, 100000))
      ->option_text("N");
  list_cmd->add_flag("--all", *all, "List every entry (no limit)");
  table.Set(list_cmd, [&global, limit, all] { return RunList(global, *limit, *all); });

  // show
  auto show_id = std::make_shared<std::string>();
  CLI::App* show_cmd = journal->add_subcommand("show", "Show one entry");
  AddIdArgument(show_cmd, *show_id);
  table.Set(show_cmd, [&global, show_id] { return RunShow(global, *show_id); });

  // edit
  auto edit = std::make_shared<EditOptions>();
  CLI::App* edit_cmd =
      journal->add_subcommand("edit",
                              "Change an entry; without field flags, opens its title and body in "
                              "$EDITOR");
  edit_cmd->footer(kEditorHelp);
  AddIdArgument(edit_cmd, edit->id);
  CLI::Option* title_opt =
      edit_cmd->add_option("--title", edit->title, "New title ('' clears it)")->option_text("TEXT");
  CLI::Option* body_opt =
      edit_cmd->add_option("--body", edit->body, "New body")->option_text("TEXT");
  edit_cmd->add_option("--body-file", edit->body_file, "Read the new body from FILE (- for stdin)")
      ->option_text("FILE")
      ->excludes(body_opt);
  AddEmotionOption(edit_cmd, edit->emotions);
  edit_cmd->add_flag("--clear-emotions", edit->clear_emotions, "Remove every feeling");
  edit_cmd->add_flag("--shared", edit->shared, "Share with your partner");
  edit_cmd->add_flag("--private", edit->make_private, "Make it private again");
  table.Set(edit_cmd, [&global, edit, title_opt, body_opt] {
    return RunEdit(global, *edit, {title_opt->count() > 0, body_opt->count() > 0});
  });

  // rm
  auto rm_id = std::make_shared<std::string>();
  auto yes = std::make_shared<bool>(false);
  CLI::App* rm_cmd = journal->add_subcommand("rm", "Delete an entry for good");
  AddIdArgument(rm_cmd, *rm_id);
  rm_cmd->add_flag("--yes,-y", *yes, "Do not ask for confirmation");
  table.Set(rm_cmd, [&global, rm_id, yes] { return RunRemove(global, *rm_id, *yes); });

  // Set last: subcommands copy the group from their parent when created.
  journal->group("Records");
}

}  // namespace attune::cli
