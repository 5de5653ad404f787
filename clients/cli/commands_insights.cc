// attune insights: streaks, this week against the last, and how connected
// each of you felt week by week, as sparklines. Computed by the daemon from
// what this device holds; nothing is sent anywhere.
#include <cmath>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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

std::string Days(int n) { return absl::StrCat(n, n == 1 ? " day" : " days"); }

std::string StreakText(const v1::Streak& s) {
  if (s.last_day().empty()) return "no check-ins yet";
  std::string out = absl::StrCat(Days(s.current()), " in a row");
  if (s.longest() > s.current()) absl::StrAppend(&out, " (longest ", Days(s.longest()), ")");
  return out;
}

std::string Counts(const google::protobuf::RepeatedPtrField<v1::FeelingCount>& counts,
                   int at_most = 5) {
  std::string out;
  int shown = 0;
  for (const auto& c : counts) {
    if (shown++ == at_most) break;
    absl::StrAppend(&out, out.empty() ? "" : ", ", c.name(), " ", c.count());
  }
  return out.empty() ? "none named" : out;
}

// One block character per week for a rating from 1 to 5; a dot for a week
// without one.
std::string Sparkline(const v1::Insights& in, bool mine) {
  static const char* kBlocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  std::string out;
  for (const v1::TrendWeek& w : in.trend()) {
    const bool has = mine ? w.has_my_rating() : w.has_others_rating();
    if (!has) {
      out += "·";
      continue;
    }
    const double r = mine ? w.my_rating() : w.others_rating();
    const int level = std::clamp(static_cast<int>(std::lround((r - 1) / 4 * 7)), 0, 7);
    out += kBlocks[level];
  }
  return out;
}

void PrintWeek(const v1::WeekSummary& w, const char* label) {
  std::cout << Bold(absl::StrCat(label, " (from ", DayHeading(std::string_view(w.week_start())),
                                 ")"))
            << '\n';
  std::cout << "  " << w.check_ins() << " check-ins, " << w.highs() << " highs written down, "
            << w.appreciations_given() << " appreciations given and " << w.appreciations_received()
            << " received, " << w.exercises_done() << " exercises\n";
  if (w.has_average_rating()) {
    std::cout << "  connection " << absl::StrFormat("%.1f", w.average_rating());
    if (w.has_rating_change()) {
      std::cout << absl::StrFormat(" (%+.1f on the week before)", w.rating_change());
    }
    std::cout << '\n';
  }
  std::cout << "  feelings   " << Counts(w.feelings()) << '\n';
  std::cout << "  families   " << Counts(w.families()) << '\n';
}

absl::Status RunInsights(const GlobalOptions& global, int weeks) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::GetInsightsRequest request;
  request.set_time_zone(MachineZoneName());
  request.set_weeks(weeks);
  v1::Insights got;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* context) {
    return client->insights().GetInsights(context, request, &got);
  }));
  if (global.json) return PrintJson(got);
  const People people = People::Fetch(*client);
  std::cout << Bold("Check-in streaks") << '\n';
  std::cout << "  you        " << StreakText(got.my_streak()) << '\n';
  for (const v1::MemberStreak& m : got.others()) {
    std::cout << "  " << absl::StrFormat("%-10s ", Truncate(people.NameOf(m.member()), 10))
              << StreakText(m.streak()) << '\n';
  }
  if (got.others_size() > 0) {
    std::cout << "  together   " << StreakText(got.together()) << '\n';
  }
  std::cout << '\n';
  PrintWeek(got.this_week(), "This week");
  std::cout << '\n';
  PrintWeek(got.last_week(), "Last week");
  std::cout << '\n'
            << Bold(absl::StrCat("How connected you felt, week by week (", got.trend_size(),
                                 " weeks, 1 to 5)"))
            << '\n';
  std::cout << "  you        " << Sparkline(got, true) << '\n';
  if (got.others_size() > 0) {
    const std::string name = people.PartnerName();
    std::cout << "  " << absl::StrFormat("%-10s ", Truncate(name.empty() ? "others" : name, 10))
              << Sparkline(got, false) << '\n';
  }
  if (!got.this_week().care_note().empty()) {
    std::cout << '\n'
              << Wrap(got.this_week().care_note(), static_cast<size_t>(TerminalColumns()), 0)
              << '\n';
  }
  return absl::OkStatus();
}

}  // namespace

void AddInsightsCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table) {
  auto weeks = std::make_shared<int>(12);
  CLI::App* insights = app.add_subcommand(
      "insights",
      "Streaks, this week against the last, and connection week by week (computed on this "
      "device, sent nowhere)");
  insights->add_option("--weeks", *weeks, "Weeks the sparklines cover (default 12)")
      ->check(CLI::Range(1, 104))
      ->option_text("N");
  table.Set(insights, [&global, weeks] { return RunInsights(global, *weeks); });
}

}  // namespace attune::cli
