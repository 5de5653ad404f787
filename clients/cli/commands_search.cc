// attune search WORDS: journal entries, check-ins and appreciations by their
// words, best match first, each with the words around the match.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

constexpr int kDefaultLimit = 10;

struct SearchOptions {
  std::vector<std::string> words;
  std::vector<std::string> kinds;  // as typed: journal, checkin, appreciation
  int limit = kDefaultLimit;
};

std::string KindOfWord(const std::string& word) {
  if (word == "journal") return "journal_entry";
  if (word == "checkin" || word == "check-in") return "check_in";
  return "appreciation";
}

// The words as the daemon reads them: the shell took the quotes off a
// phrase ("by the river" arrives as one argument), so they go back on.
std::string QueryOf(const std::vector<std::string>& words) {
  std::vector<std::string> parts;
  for (const std::string& w : words) {
    parts.push_back(
        w.find(' ') != std::string::npos && w.find('"') == std::string::npos ? "\"" + w + "\"" : w);
  }
  return absl::StrJoin(parts, " ");
}

std::string KindWord(const std::string& kind) {
  if (kind == "journal_entry") return "journal";
  if (kind == "check_in") return "check-in";
  return "appreciation";
}

// The words around the match on one line, the matched ones in bold.
std::string SnippetLine(const v1::SearchResult& r) {
  std::string out;
  for (const v1::SnippetPart& part : r.snippet()) {
    std::string text = part.text();
    for (char& c : text) {
      if (c == '\n' || c == '\t') c = ' ';
    }
    out += part.match() ? Bold(text) : text;
  }
  return out;
}

absl::Status RunSearch(const GlobalOptions& global, const SearchOptions& options) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::SearchRequest request;
  request.set_query(QueryOf(options.words));
  for (const std::string& k : options.kinds) request.add_kinds(KindOfWord(k));
  request.set_page_size(options.limit);
  v1::SearchResponse found;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* context) {
    return client->search().Search(context, request, &found);
  }));
  if (global.json) return PrintJson(found);
  if (found.results().empty()) {
    std::cout << "Found nothing for " << request.query() << ".\n";
    return absl::OkStatus();
  }
  const People people = People::Fetch(*client);
  const absl::TimeZone zone = LoadZoneOrLocal(MachineZoneName());
  bool first = true;
  for (const v1::SearchResult& r : found.results()) {
    if (!first) std::cout << '\n';
    first = false;
    const std::string who =
        people.IsOther(r.author()) ? people.NameOf(r.author(), "partner") : "you";
    // A check-in is of its day (its title); the others of when they were written.
    const std::string day =
        r.kind() == "check_in" ? r.title() : FormatTimestamp(r.create_time(), zone, "%Y-%m-%d");
    std::string heading =
        absl::StrCat(Bold(KindWord(r.kind())), "  ", DayHeading(std::string_view(day)), "  ", who);
    if (r.kind() == "appreciation" && !r.title().empty()) {
      absl::StrAppend(&heading, ", for ", r.title());
    } else if (r.kind() == "journal_entry" && !r.title().empty()) {
      absl::StrAppend(&heading, "  \"", Truncate(r.title(), 60), "\"");
    }
    if (r.visibility() != v1::VISIBILITY_SHARED) absl::StrAppend(&heading, "  (private)");
    absl::StrAppend(&heading, "  ", ShortId(r.name()));
    std::cout << heading << '\n' << "  " << SnippetLine(r) << '\n';
  }
  if (!found.next_page_token().empty()) {
    std::cout << "\n(the best " << options.limit
              << (options.limit < 100 ? "; --limit shows more" : "; more words narrow it") << ")\n";
  }
  return absl::OkStatus();
}

}  // namespace

void AddSearchCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table) {
  auto options = std::make_shared<SearchOptions>();
  CLI::App* search = app.add_subcommand(
      "search",
      "Find journal entries, check-ins and appreciations by their words (yours, and what your "
      "partner shared), best match first");
  search
      ->add_option("words", options->words,
                   "Every word must match; walk* matches walked and walking; \"in quotes\" "
                   "matches a phrase")
      ->required();
  search
      ->add_option("--kind", options->kinds,
                   "Only this kind (repeat for more): journal, checkin, appreciation")
      ->check(CLI::IsMember({"journal", "checkin", "check-in", "appreciation"}))
      ->option_text("KIND");
  search
      ->add_option("--limit", options->limit,
                   absl::StrCat("Show at most N (default ", kDefaultLimit, ", at most 100)"))
      ->check(CLI::Range(1, 100))
      ->option_text("N");
  table.Set(search, [&global, options] { return RunSearch(global, *options); });
}

}  // namespace attune::cli
