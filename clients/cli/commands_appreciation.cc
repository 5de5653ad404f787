// attune appreciation list: the appreciations partners gave each other
// (written by exercises such as the appreciation ritual), newest first.
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "args.h"
#include "commands.h"
#include "common/environment.h"
#include "daemon_client.h"
#include "format.h"
#include "members.h"
#include "output.h"
#include "status_macros.h"

namespace attune::cli {
namespace {

constexpr int kDefaultListLimit = 20;

// Every appreciation, newest first, until `limit` (0: no limit).
absl::StatusOr<v1::ListAppreciationsResponse> ListAppreciations(DaemonClient& client, int limit) {
  v1::ListAppreciationsResponse all;
  v1::ListAppreciationsRequest request;
  request.set_page_size(limit > 0 && limit < 1000 ? limit : 1000);
  do {
    v1::ListAppreciationsResponse page;
    ATTUNE_RETURN_IF_ERROR(client.Run([&](grpc::ClientContext* context) {
      return client.appreciations().ListAppreciations(context, request, &page);
    }));
    for (auto& a : *page.mutable_appreciations()) {
      if (limit > 0 && all.appreciations_size() >= limit) break;
      *all.add_appreciations() = std::move(a);
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty() && (limit == 0 || all.appreciations_size() < limit));
  return all;
}

// "Wed 2026-12-03  Alex, for Sam  (private)  1a2b3c4d", then the text,
// indented.
void PrintAppreciation(const v1::Appreciation& a, const People& people, absl::TimeZone zone) {
  const std::string author =
      people.NameOf(a.author(), people.IsOther(a.author()) ? "partner" : "you");
  std::string heading = absl::StrCat(
      Bold(DayHeading(std::string_view(FormatTimestamp(a.create_time(), zone, "%Y-%m-%d")))), "  ",
      Bold(author));
  if (!a.recipient().empty()) absl::StrAppend(&heading, ", for ", a.recipient());
  if (a.visibility() != v1::VISIBILITY_SHARED) absl::StrAppend(&heading, "  (private)");
  absl::StrAppend(&heading, "  ", ShortId(a.name()));
  std::cout << heading << '\n';
  std::cout << "  " << Wrap(a.text(), static_cast<size_t>(TerminalColumns()) - 2, 2) << '\n';
}

absl::Status RunList(const GlobalOptions& global, int limit, bool all) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(v1::ListAppreciationsResponse found,
                          ListAppreciations(*client, all ? 0 : limit));
  if (global.json) return PrintJson(found);
  if (found.appreciations().empty()) {
    std::cout << "No appreciations yet. The appreciation ritual leaves some: attune exercise "
                 "start appreciation\n";
    return absl::OkStatus();
  }
  const People people = People::Fetch(*client);
  const absl::TimeZone zone = LoadZoneOrLocal(MachineZoneName());
  bool first = true;
  for (const v1::Appreciation& a : found.appreciations()) {
    if (!first) std::cout << '\n';
    first = false;
    PrintAppreciation(a, people, zone);
  }
  if (!all && found.appreciations_size() == limit) {
    std::cout << "\n(the newest " << limit << "; --all shows every one)\n";
  }
  return absl::OkStatus();
}

absl::Status RunShow(const GlobalOptions& global, const std::string& arg) {
  ATTUNE_ASSIGN_OR_RETURN(IdArg id, ParseIdArg(arg, "appreciations"));
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  std::string name = id.value;
  if (!id.complete) {
    ATTUNE_ASSIGN_OR_RETURN(v1::ListAppreciationsResponse all, ListAppreciations(*client, 0));
    std::vector<std::string> names;
    for (const auto& a : all.appreciations()) names.push_back(a.name());
    ATTUNE_ASSIGN_OR_RETURN(name, MatchIdPrefix(id.value, names, "appreciation"));
  }
  v1::GetAppreciationRequest request;
  request.set_name(name);
  v1::Appreciation found;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* context) {
    return client->appreciations().GetAppreciation(context, request, &found);
  }));
  if (global.json) return PrintJson(found);
  PrintAppreciation(found, People::Fetch(*client), LoadZoneOrLocal(MachineZoneName()));
  return absl::OkStatus();
}

}  // namespace

void AddAppreciationCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table) {
  CLI::App* appreciation =
      app.add_subcommand("appreciation", "What you and your partner appreciated in each other");
  appreciation->require_subcommand(1);

  auto limit = std::make_shared<int>(kDefaultListLimit);
  auto all = std::make_shared<bool>(false);
  CLI::App* list = appreciation->add_subcommand(
      "list", "Appreciations, newest first: who gave it, when, and what was said");
  list->add_option("--limit", *limit,
                   absl::StrCat("Show at most N (default: ", kDefaultListLimit, ")"))
      ->check(CLI::Range(1, 100000))
      ->option_text("N");
  list->add_flag("--all", *all, "List every appreciation (no limit)");
  table.Set(list, [&global, limit, all] { return RunList(global, *limit, *all); });

  auto id = std::make_shared<std::string>();
  CLI::App* show = appreciation->add_subcommand("show", "Show one appreciation");
  show->add_option("id", *id, "appreciations/<id>, the 32-hex id, or its first 4+ hex digits")
      ->required();
  table.Set(show, [&global, id] { return RunShow(global, *id); });

  // Set last: subcommands copy these from their parent when created.
  appreciation->group("Records");
}

}  // namespace attune::cli
