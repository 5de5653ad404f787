// attune watch: the daemon's events as they happen (EventService.Watch),
// one line each, or one JSON object a line with --json.
#include <google/protobuf/util/json_util.h>

#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
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
    case v1::Event::kReload:
      return absl::StrCat("Some events were not kept (", e.reload().reason(), ")");
    default:
      return "";
  }
}

absl::Status RunWatch(const GlobalOptions& global, uint64_t after) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  const People people = People::Fetch(*client);
  grpc::ClientContext context;
  v1::WatchRequest request;
  request.set_after_id(after);
  std::unique_ptr<grpc::ClientReader<v1::Event>> reader = client->events().Watch(&context, request);
  v1::Event event;
  google::protobuf::util::JsonPrintOptions json;
  json.preserve_proto_field_names = false;
  while (reader->Read(&event)) {
    SanitizeStrings(&event);
    if (global.json) {
      std::string line;
      if (auto s = google::protobuf::util::MessageToJsonString(event, &line, json); !s.ok()) {
        return absl::InternalError("an event could not be written as JSON");
      }
      std::cout << line << std::endl;
      continue;
    }
    if (event.has_live()) {
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
  CLI::App* watch = app.add_subcommand(
      "watch",
      "Show what changes as it happens: entries, check-ins, your partner's device, the vault");
  watch
      ->add_option("--after", *after,
                   "First replay what happened after this event id (the # of a line)")
      ->option_text("ID");
  table.Set(watch, [&global, after] { return RunWatch(global, *after); });
}

}  // namespace attune::cli
