// attune watch: the daemon's events as they happen (EventService.Watch),
// one line each, or one JSON object a line with --json.
#include <google/protobuf/util/json_util.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "args.h"
#include "commands.h"
#include "common/grpc_status.h"
#include "daemon_client.h"
#include "format.h"
#include "members.h"
#include "status_macros.h"

namespace attune::cli {
namespace {

std::string ClockTime(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%H:%M:%S", absl::FromUnixSeconds(t.seconds()), absl::LocalTimeZone());
}

// "a check-in" for "check_in".
std::string Noun(const std::string& kind) {
  if (kind == "journal_entry") return "a journal entry";
  if (kind == "check_in") return "a check-in";
  if (kind == "goal") return "a goal";
  if (kind == "goal_progress") return "progress on a goal";
  if (kind == "appreciation") return "an appreciation";
  if (kind == "exercise_session") return "an exercise session";
  if (kind == "plugin_record") return "an exercise's record";
  if (kind == "reminder") return "a reminder";
  return absl::StrCat("a record (", kind, ")");
}

std::string Describe(const v1::Event& e, const People& people) {
  switch (e.kind_case()) {
    case v1::Event::kRecordChanged: {
      const v1::RecordChanged& r = e.record_changed();
      const bool mine = !people.me().empty() && r.author() == people.me();
      const std::string who = mine ? "You" : people.NameOf(r.author(), "Your partner");
      const char* verb = r.change() == v1::RecordChanged::CHANGE_CREATED   ? "wrote"
                         : r.change() == v1::RecordChanged::CHANGE_DELETED ? "deleted"
                                                                           : "changed";
      std::string line =
          absl::StrCat(who, " ", verb, " ", Noun(r.kind()), " ", ShortId(r.name()),
                       r.visibility() == v1::VISIBILITY_PRIVATE ? " (private)" : " (shared)");
      if (r.from_peer())
        absl::StrAppend(&line, ", arrived from ", mine ? "your other device" : "their device");
      return line;
    }
    case v1::Event::kPeerChanged: {
      const v1::PeerChanged& p = e.peer_changed();
      const std::string name =
          p.display_name().empty() ? "A paired device" : p.display_name() + "'s device";
      return absl::StrCat(name, p.online() ? " is online" : " went offline");
    }
    case v1::Event::kSyncProgress: {
      const v1::SyncProgress& p = e.sync_progress();
      const std::string from =
          p.display_name().empty() ? "a paired device" : p.display_name() + "'s device";
      if (p.ops_received() >= p.ops_expected()) {
        return absl::StrCat("Caught up with ", from, " (", p.ops_expected(), " changes)");
      }
      return absl::StrCat("Catching up with ", from, ": ", p.ops_received(), " of ",
                          p.ops_expected(), " changes");
    }
    case v1::Event::kVaultChanged:
      return e.vault_changed().state() == v1::VaultStatus::STATE_UNLOCKED ? "The vault was unlocked"
                                                                          : "The vault was locked";
    case v1::Event::kPluginChanged: {
      const v1::PluginChanged& p = e.plugin_changed();
      std::string line = absl::StrCat("Plugin ", p.plugin_id(),
                                      p.state() == v1::PluginChanged::STATE_STARTED   ? " started"
                                      : p.state() == v1::PluginChanged::STATE_STOPPED ? " stopped"
                                                                                      : " failed");
      if (!p.reason().empty()) absl::StrAppend(&line, ": ", p.reason());
      return line;
    }
    case v1::Event::kMembershipChanged: {
      const v1::MembershipChanged& m = e.membership_changed();
      if (m.device().this_device()) return "This device was removed from the space";
      if (m.person_gone() && m.by_own_person()) {
        return absl::StrCat(m.device().display_name(), " left the space");
      }
      return absl::StrCat(m.device().display_name(), "'s device ",
                          m.device().device_id().substr(0, 15), "… was removed from the space");
    }
    case v1::Event::kReload:
      return absl::StrCat("Some events were not kept (", e.reload().reason(), ")");
    default:
      return "";
  }
}

extern "C" char** environ;

// Whether `program` is an executable file on PATH.
bool OnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
    const std::string candidate = absl::StrCat(std::string(dir), "/", program);
    if (::access(candidate.c_str(), X_OK) == 0) return true;
  }
  return false;
}

// Shows `text` as a desktop notification through notify-send (no shell:
// the words are one argument, whatever they hold).
void Notify(const std::string& text) {
  std::string app = "--app-name=Attune";
  std::string end = "--";  // the words are never read as options ("-10 push-ups")
  std::string title = "Attune";
  std::string body = text;
  char* argv[] = {
      const_cast<char*>("notify-send"), app.data(), end.data(), title.data(), body.data(), nullptr};
  pid_t pid = 0;
  if (::posix_spawnp(&pid, "notify-send", nullptr, nullptr, argv, environ) == 0) {
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
}

absl::Status RunWatch(const GlobalOptions& global, uint64_t after, bool notify) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  const People people = People::Fetch(*client);
  grpc::ClientContext context;
  v1::WatchRequest request;
  request.set_after_id(after);
  std::unique_ptr<grpc::ClientReader<v1::Event>> reader = client->events().Watch(&context, request);
  v1::Event event;
  google::protobuf::util::JsonPrintOptions json;
  json.preserve_proto_field_names = false;
  const bool desktop = notify && OnPath("notify-send");
  bool live = false;  // past the replay of --after
  if (notify && !desktop) {
    std::cerr << "notify-send is not installed (Debian: apt install libnotify-bin): reminders "
                 "are shown here only.\n";
  }
  while (reader->Read(&event)) {
    SanitizeStrings(&event);
    if (event.has_reminder_due()) {
      const std::string message = ReminderMessage(*client, event.reminder_due());
      // Replayed reminders (--after) are listed, not shown again.
      if (desktop && live) Notify(message);
      if (!global.json) {
        std::cout << ClockTime(event.time()) << "  Reminder: " << message << "  #" << event.id()
                  << std::endl;
        continue;
      }
    }
    if (global.json) {
      std::string line;
      if (auto s = google::protobuf::util::MessageToJsonString(event, &line, json); !s.ok()) {
        return absl::InternalError("an event could not be written as JSON");
      }
      std::cout << line << std::endl;
      continue;
    }
    if (event.has_live()) {
      live = true;
      std::cerr << "Watching for changes (Ctrl-C to stop)." << std::endl;
      continue;
    }
    std::cout << ClockTime(event.time()) << "  " << Describe(event, people) << "  #" << event.id()
              << std::endl;
  }
  absl::Status ended = FromGrpc(reader->Finish());
  if (absl::IsUnavailable(ended)) {
    return absl::UnavailableError(absl::StrCat("attuned stopped (", ended.message(),
                                               "); watch again with --after ",
                                               event.id() == 0 ? after : event.id()));
  }
  return ended;
}

}  // namespace

void AddWatchCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table) {
  auto after = std::make_shared<uint64_t>(0);
  auto notify = std::make_shared<bool>(false);
  CLI::App* watch = app.add_subcommand(
      "watch",
      "Show what changes as it happens: entries, check-ins, your partner's device, the vault");
  watch
      ->add_option("--after", *after,
                   "First replay what happened after this event id (the # of a line)")
      ->option_text("ID");
  watch->add_flag("--notify", *notify,
                  "Also show reminders as they fall due as desktop notifications (notify-send)");
  table.Set(watch, [&global, after, notify] { return RunWatch(global, *after, *notify); });
}

}  // namespace attune::cli
