// attune goal add | list | log | status | archive: measurable practices the
// couple takes on, e.g. "reflective listening, 2 per week for 4 weeks".
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "args.h"
#include "commands.h"
#include "daemon_client.h"
#include "format.h"
#include "output.h"
#include "status_macros.h"

namespace attune::cli {
namespace {

constexpr char kCollection[] = "goals";
constexpr char kNoun[] = "goal";
// goal status shows at most this many period rows; the rest are summed up.
constexpr int kMaxPeriodRows = 14;
constexpr int kBarWidth = 10;

// --- daemon calls -----------------------------------------------------------

absl::StatusOr<v1::ListGoalsResponse> ListGoals(DaemonClient& client, bool include_archived) {
  v1::ListGoalsResponse all;
  v1::ListGoalsRequest request;
  request.set_include_archived(include_archived);
  request.set_page_size(1000);
  do {
    v1::ListGoalsResponse page;
    ATTUNE_RETURN_IF_ERROR(client.Run([&](grpc::ClientContext* context) {
      return client.goals().ListGoals(context, request, &page);
    }));
    for (auto& goal : *page.mutable_goals()) *all.add_goals() = std::move(goal);
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return all;
}

// The resource name of the goal `id` names (a prefix is looked up).
absl::StatusOr<std::string> ResolveGoal(DaemonClient& client, const IdArg& id) {
  if (id.complete) return id.value;
  ATTUNE_ASSIGN_OR_RETURN(v1::ListGoalsResponse all, ListGoals(client, true));
  std::vector<std::string> names;
  for (const auto& goal : all.goals()) names.push_back(goal.name());
  return MatchIdPrefix(id.value, names, kNoun);
}

absl::StatusOr<v1::GoalStatus> GetStatus(DaemonClient& client, const std::string& name) {
  v1::GetGoalStatusRequest request;
  request.set_name(name);
  v1::GoalStatus status;
  ATTUNE_RETURN_IF_ERROR(client.Run([&](grpc::ClientContext* context) {
    return client.goals().GetGoalStatus(context, request, &status);
  }));
  return status;
}

// --- printing ---------------------------------------------------------------

std::string StateName(v1::GoalStatus::State state) {
  switch (state) {
    case v1::GoalStatus::NOT_STARTED:
      return "not started";
    case v1::GoalStatus::ACTIVE:
      return "active";
    case v1::GoalStatus::DONE:
      return "done, every period met";
    case v1::GoalStatus::MISSED:
      return "over, some periods fell short";
    case v1::GoalStatus::ARCHIVED:
      return "archived";
    default:
      return "unknown";
  }
}

// "11-02" from "2026-11-02".
std::string MonthDay(const std::string& day) { return day.size() == 10 ? day.substr(5) : day; }

std::string PeriodRow(const v1::Goal& goal, const v1::GoalStatus::Period& period) {
  std::string label = absl::StrCat(PeriodName(goal.period()), " ", period.index());
  std::string dates =
      period.start_day() == period.end_day()
          ? DayHeading(period.start_day())
          : absl::StrCat(MonthDay(period.start_day()), " – ", MonthDay(period.end_day()));
  std::string mark;
  if (period.met()) mark = "✓";
  if (period.when() == v1::GoalStatus::Period::PAST && !period.met()) {
    mark = "✗";
  }
  if (period.when() == v1::GoalStatus::Period::CURRENT) {
    mark = mark.empty() ? "← now" : mark + " ← now";
  }
  std::string row =
      absl::StrCat("  ", PadRight(label, 8), PadRight(dates, 16),
                   ProgressBar(period.count(), period.target(), kBarWidth), " ",
                   PadRight(absl::StrCat(period.count(), "/", period.target()), 6), mark);
  while (!row.empty() && row.back() == ' ') row.pop_back();
  return row;
}

void PrintStatus(const v1::GoalStatus& status) {
  const v1::Goal& goal = status.goal();
  std::cout << Bold(goal.title()) << "  " << ShortId(goal.name()) << '\n';
  std::cout << "  " << GoalSchedule(goal.target_per_period(), goal.period(), goal.periods())
            << (status.state() == v1::GoalStatus::NOT_STARTED ? ", starts " : ", started ")
            << goal.start_day();
  if (!goal.exercise().empty()) std::cout << ", exercise " << goal.exercise();
  std::cout << '\n';

  // A window of rows around the current period when there are many.
  const int n = status.periods_size();
  int current = n - 1;
  for (int i = 0; i < n; ++i) {
    if (status.periods(i).when() != v1::GoalStatus::Period::PAST) {
      current = i;
      break;
    }
  }
  int last = std::min(n, std::max(current + 4, kMaxPeriodRows));
  int first = std::max(0, last - kMaxPeriodRows);
  if (first > 0) {
    int met = 0;
    for (int i = 0; i < first; ++i) met += status.periods(i).met() ? 1 : 0;
    std::cout << "  … "
              << Count(first, "earlier " + PeriodName(goal.period()),
                       "earlier " + PeriodName(goal.period()) + "s")
              << ", " << met << " met\n";
  }
  for (int i = first; i < last; ++i) {
    std::cout << PeriodRow(goal, status.periods(i)) << '\n';
  }
  if (last < n) {
    std::cout << "  … "
              << Count(n - last, "more " + PeriodName(goal.period()),
                       "more " + PeriodName(goal.period()) + "s")
              << '\n';
  }

  auto row = [](std::string_view key, const std::string& value) {
    std::cout << "  " << BoldKey(key, 11) << value << '\n';
  };
  row("state", StateName(status.state()));
  row("on track", status.on_track() ? "yes" : "no");
  row("streak",
      Count(status.current_streak(), PeriodName(goal.period()), PeriodName(goal.period()) + "s"));
  row("total", absl::StrCat(status.total_count(), "/", status.total_target()));
  if (!status.recent().empty()) {
    const v1::GoalProgress& latest = status.recent(0);
    std::string text = DayHeading(latest.day());
    if (!latest.note().empty()) {
      absl::StrAppend(&text, " — ", Truncate(latest.note(), 50));
    }
    row("last done", text);
  }
}

// --- add --------------------------------------------------------------------

struct AddOptions {
  std::string title;
  int times = 0;
  std::string per;
  int periods = 0;
  std::string start;
  std::string exercise;
  std::string tz;
  bool make_private = false;
};

absl::Status RunAdd(const GlobalOptions& global, const AddOptions& options) {
  const std::string zone = options.tz.empty() ? SystemTimeZone() : options.tz;
  absl::TimeZone loaded;
  if (!absl::LoadTimeZone(zone, &loaded)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown time zone '", zone, "' (try e.g. Europe/Lisbon)"));
  }
  v1::Goal goal;
  goal.set_title(Trim(options.title));
  goal.set_target_per_period(options.times);
  goal.set_period(options.per == "day" ? v1::DAY : v1::WEEK);
  goal.set_periods(options.periods);
  goal.set_exercise(options.exercise);
  goal.set_time_zone(zone);
  goal.set_visibility(options.make_private ? v1::PRIVATE : v1::SHARED);
  if (!options.start.empty()) {
    ATTUNE_ASSIGN_OR_RETURN(absl::CivilDay start,
                            ParseDay(options.start, absl::ToCivilDay(absl::Now(), loaded)));
    goal.set_start_day(FormatDay(start));
  }

  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::CreateGoalRequest request;
  *request.mutable_goal() = goal;
  v1::Goal saved;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* context) {
    return client->goals().CreateGoal(context, request, &saved);
  }));
  if (global.json) return PrintJson(saved);
  std::cout << "Goal " << ShortId(saved.name()) << ": " << saved.title() << ", "
            << GoalSchedule(saved.target_per_period(), saved.period(), saved.periods()) << ", from "
            << DayHeading(saved.start_day()) << " (" << VisibilityName(saved.visibility(), "shared")
            << ").\n"
            << "Log each time with: attune goal log " << ShortId(saved.name()) << '\n';
  return absl::OkStatus();
}

// --- list -------------------------------------------------------------------

absl::Status RunList(const GlobalOptions& global, bool all) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(v1::ListGoalsResponse goals, ListGoals(*client, all));
  if (global.json) return PrintJson(goals);
  Table table({"ID", "START", "SCHEDULE", "TITLE"});
  for (const v1::Goal& goal : goals.goals()) {
    std::string title = goal.title();
    if (goal.archived()) absl::StrAppend(&title, " (archived)");
    if (goal.visibility() == v1::PRIVATE) absl::StrAppend(&title, " (private)");
    table.AddRow({ShortId(goal.name()), goal.start_day(),
                  GoalSchedule(goal.target_per_period(), goal.period(), goal.periods()), title});
  }
  table.Print(all ? "No goals yet. Add one with: attune goal add"
                  : "No active goals. Add one with: attune goal add");
  return absl::OkStatus();
}

// --- log --------------------------------------------------------------------

absl::Status RunLog(const GlobalOptions& global, const std::string& id, const std::string& note,
                    const std::string& day) {
  ATTUNE_ASSIGN_OR_RETURN(IdArg goal_id, ParseIdArg(id, kCollection));
  v1::LogProgressRequest request;
  request.mutable_progress()->set_note(Trim(note));
  if (!day.empty()) {
    ATTUNE_ASSIGN_OR_RETURN(absl::CivilDay parsed, ParseDay(day, TodayIn(SystemTimeZone())));
    request.mutable_progress()->set_day(FormatDay(parsed));
  }
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(std::string name, ResolveGoal(*client, goal_id));
  request.set_parent(name);
  v1::GoalProgress progress;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* context) {
    return client->goals().LogProgress(context, request, &progress);
  }));
  if (global.json) return PrintJson(progress);
  std::cout << "Logged for " << DayHeading(progress.day()) << ".";
  absl::StatusOr<v1::GoalStatus> status = GetStatus(*client, name);
  if (status.ok()) {
    for (const auto& period : status->periods()) {
      if (period.start_day() <= progress.day() && progress.day() <= period.end_day()) {
        std::cout << " " << status->goal().title() << ": " << period.count() << "/"
                  << period.target() << " in " << PeriodName(status->goal().period()) << " "
                  << period.index() << (period.met() ? " ✓" : "");
      }
    }
  }
  std::cout << '\n';
  return absl::OkStatus();
}

// --- status -----------------------------------------------------------------

absl::Status RunStatus(const GlobalOptions& global, const std::string& id) {
  IdArg goal_id;
  if (!id.empty()) {
    ATTUNE_ASSIGN_OR_RETURN(goal_id, ParseIdArg(id, kCollection));
  }
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  if (!id.empty()) {
    ATTUNE_ASSIGN_OR_RETURN(std::string name, ResolveGoal(*client, goal_id));
    ATTUNE_ASSIGN_OR_RETURN(v1::GoalStatus status, GetStatus(*client, name));
    if (global.json) return PrintJson(status);
    PrintStatus(status);
    return absl::OkStatus();
  }
  ATTUNE_ASSIGN_OR_RETURN(v1::ListGoalsResponse goals, ListGoals(*client, false));
  std::vector<v1::GoalStatus> statuses;
  for (const v1::Goal& goal : goals.goals()) {
    ATTUNE_ASSIGN_OR_RETURN(v1::GoalStatus status, GetStatus(*client, goal.name()));
    statuses.push_back(std::move(status));
  }
  if (global.json) {
    std::vector<const google::protobuf::Message*> messages;
    for (const auto& status : statuses) messages.push_back(&status);
    return PrintJsonList("goalStatuses", messages);
  }
  if (statuses.empty()) {
    std::cout << "No active goals. Add one with: attune goal add\n";
  }
  bool first = true;
  for (const auto& status : statuses) {
    if (!first) std::cout << '\n';
    first = false;
    PrintStatus(status);
  }
  return absl::OkStatus();
}

// --- archive ----------------------------------------------------------------

absl::Status RunArchive(const GlobalOptions& global, const std::string& id, bool undo) {
  ATTUNE_ASSIGN_OR_RETURN(IdArg goal_id, ParseIdArg(id, kCollection));
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(std::string name, ResolveGoal(*client, goal_id));
  v1::ArchiveGoalRequest request;
  request.set_name(name);
  request.set_archived(!undo);
  v1::Goal goal;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* context) {
    return client->goals().ArchiveGoal(context, request, &goal);
  }));
  if (global.json) return PrintJson(goal);
  if (undo) {
    std::cout << "Goal " << ShortId(goal.name()) << " (" << goal.title() << ") is active again.\n";
  } else {
    std::cout << "Archived goal " << ShortId(goal.name()) << " (" << goal.title()
              << "); its progress is kept.\n";
  }
  return absl::OkStatus();
}

CLI::Option* AddIdArgument(CLI::App* command, std::string& id) {
  return command->add_option("id", id, "goals/<id>, the 32-hex id, or its first 4+ hex digits");
}

}  // namespace

void AddGoalCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table) {
  CLI::App* goal = app.add_subcommand("goal", "Set shared goals, log practice, see progress");
  goal->require_subcommand(1);

  // add
  auto add = std::make_shared<AddOptions>();
  CLI::App* add_cmd =
      goal->add_subcommand("add",
                           "Add a goal, e.g.: attune goal add \"Reflective listening\" "
                           "--times 2 --per week --for 4");
  add_cmd->add_option("title", add->title, "What you will do")->required();
  add_cmd->add_option("--times", add->times, "How many times per period")
      ->check(CLI::Range(1, 100))
      ->option_text("N")
      ->required();
  add_cmd->add_option("--per", add->per, "Period length")
      ->check(CLI::IsMember({"day", "week"}))
      ->option_text("day|week")
      ->required();
  add_cmd->add_option("--for", add->periods, "For how many periods")
      ->check(CLI::Range(1, 520))
      ->option_text("N")
      ->required();
  add_cmd->add_option("--start", add->start, "First day of the first period (default: today)")
      ->option_text("DAY");
  add_cmd->add_option("--exercise", add->exercise, "Exercise id whose sessions count for this goal")
      ->option_text("ID");
  add_cmd
      ->add_option("--tz", add->tz,
                   "IANA time zone days are counted in (default: $TZ, else "
                   "/etc/localtime)")
      ->option_text("ZONE");
  add_cmd->add_flag("--private", add->make_private, "Keep it to yourself (default: shared)");
  table.Set(add_cmd, [&global, add] { return RunAdd(global, *add); });

  // list
  auto all = std::make_shared<bool>(false);
  CLI::App* list_cmd = goal->add_subcommand("list", "List goals, newest first");
  list_cmd->add_flag("--all", *all, "Include archived goals");
  table.Set(list_cmd, [&global, all] { return RunList(global, *all); });

  // log
  auto log_id = std::make_shared<std::string>();
  auto note = std::make_shared<std::string>();
  auto day = std::make_shared<std::string>();
  CLI::App* log_cmd = goal->add_subcommand("log", "Record that you did it once");
  AddIdArgument(log_cmd, *log_id)->required();
  log_cmd->add_option("--note", *note, "How it went (optional)")->option_text("TEXT");
  log_cmd->add_option("--day", *day, "The day it was done (default: today)")->option_text("DAY");
  table.Set(log_cmd, [&global, log_id, note, day] { return RunLog(global, *log_id, *note, *day); });

  // status
  auto status_id = std::make_shared<std::string>();
  CLI::App* status_cmd =
      goal->add_subcommand("status",
                           "Progress per period, on track or not, streak (default: every "
                           "active goal)");
  AddIdArgument(status_cmd, *status_id);
  table.Set(status_cmd, [&global, status_id] { return RunStatus(global, *status_id); });

  // archive
  auto archive_id = std::make_shared<std::string>();
  auto undo = std::make_shared<bool>(false);
  CLI::App* archive_cmd =
      goal->add_subcommand("archive", "Hide a goal from the default lists (progress is kept)");
  AddIdArgument(archive_cmd, *archive_id)->required();
  archive_cmd->add_flag("--undo", *undo, "Make an archived goal active again");
  table.Set(archive_cmd,
            [&global, archive_id, undo] { return RunArchive(global, *archive_id, *undo); });

  // Set last: subcommands copy the group from their parent when created.
  goal->group("Records");
}

}  // namespace attune::cli
