// attune goal add | list | log | undo | status | edit | archive | rm:
// measurable practices the couple takes on, e.g. "reflective listening, 2 per
// week for 4 weeks".
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "args.h"
#include "commands.h"
#include "common/environment.h"
#include "daemon_client.h"
#include "format.h"
#include "members.h"
#include "output.h"
#include "prompt.h"
#include "sharing.h"
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

absl::StatusOr<v1::Goal> GetGoal(DaemonClient& client, const std::string& name) {
  v1::GetGoalRequest request;
  request.set_name(name);
  v1::Goal goal;
  ATTUNE_RETURN_IF_ERROR(client.Run([&](grpc::ClientContext* context) {
    return client.goals().GetGoal(context, request, &goal);
  }));
  return goal;
}

// "day", "week" or "month" from the --per flag.
v1::GoalPeriod PeriodFromFlag(const std::string& per) {
  if (per == "day") return v1::GOAL_PERIOD_DAY;
  if (per == "month") return v1::GOAL_PERIOD_MONTH;
  return v1::GOAL_PERIOD_WEEK;
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
    case v1::GoalStatus::STATE_NOT_STARTED:
      return "not started";
    case v1::GoalStatus::STATE_ACTIVE:
      return "active";
    case v1::GoalStatus::STATE_DONE:
      return "done, every period met";
    case v1::GoalStatus::STATE_MISSED:
      return "over, some periods fell short";
    case v1::GoalStatus::STATE_ARCHIVED:
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
  if (period.when() == v1::GoalStatus::Period::WHEN_PAST && !period.met()) {
    mark = "✗";
  }
  if (period.when() == v1::GoalStatus::Period::WHEN_CURRENT) {
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
            << (status.state() == v1::GoalStatus::STATE_NOT_STARTED ? ", starts " : ", started ")
            << goal.start_day();
  if (!goal.exercise().empty()) std::cout << ", exercise " << goal.exercise();
  std::cout << '\n';

  // A window of rows around the current period when there are many.
  const int n = status.periods_size();
  int current = n - 1;
  for (int i = 0; i < n; ++i) {
    if (status.periods(i).when() != v1::GoalStatus::Period::WHEN_PAST) {
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
  // Each person's part of the current period: "Alex 3, Sam 2 of 7".
  if (goal.visibility() == v1::VISIBILITY_SHARED || status.contributions_size() > 1) {
    std::string parts;
    for (const auto& c : status.contributions()) {
      std::string who = c.display_name().empty() ? "partner" : c.display_name();
      absl::StrAppend(&parts, parts.empty() ? "" : ", ", who, " ", c.count());
    }
    for (const auto& period : status.periods()) {
      if (period.when() != v1::GoalStatus::Period::WHEN_CURRENT || parts.empty()) continue;
      std::string when = goal.period() == v1::GOAL_PERIOD_DAY
                             ? "today"
                             : absl::StrCat("this ", PeriodName(goal.period()));
      row(when, absl::StrCat(parts, " of ", period.target()));
    }
  }
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
  bool shared = false;
  bool make_private = false;
};

absl::Status RunAdd(const GlobalOptions& global, const AddOptions& options) {
  const std::string zone = options.tz.empty() ? MachineZoneName() : options.tz;
  absl::TimeZone loaded;
  if (!absl::LoadTimeZone(zone, &loaded)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown time zone '", zone, "' (try e.g. Europe/Lisbon)"));
  }
  v1::Goal goal;
  goal.set_title(Trim(options.title));
  goal.set_target_per_period(options.times);
  goal.set_period(PeriodFromFlag(options.per));
  goal.set_periods(options.periods);
  goal.set_exercise(options.exercise);
  goal.set_time_zone(zone);
  if (options.shared && options.make_private) {
    return absl::InvalidArgumentError("give --shared or --private, not both");
  }
  if (!options.start.empty()) {
    ATTUNE_ASSIGN_OR_RETURN(absl::CivilDay start,
                            ParseDay(options.start, absl::ToCivilDay(absl::Now(), loaded)));
    goal.set_start_day(FormatDay(start));
  }

  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(v1::Visibility visibility,
                          ChooseVisibility(options.shared, options.make_private, StdinIsTerminal(),
                                           People::Fetch(*client), "this goal"));
  goal.set_visibility(visibility);
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
    if (goal.visibility() == v1::VISIBILITY_PRIVATE) absl::StrAppend(&title, " (private)");
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
    ATTUNE_ASSIGN_OR_RETURN(absl::CivilDay parsed, ParseDay(day, TodayIn(MachineZoneName())));
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

// --- undo -------------------------------------------------------------------

absl::Status RunUndo(const GlobalOptions& global, const std::string& id) {
  ATTUNE_ASSIGN_OR_RETURN(IdArg goal_id, ParseIdArg(id, kCollection));
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(std::string name, ResolveGoal(*client, goal_id));
  v1::UndoProgressRequest request;
  request.set_parent(name);
  v1::GoalProgress undone;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* context) {
    return client->goals().UndoProgress(context, request, &undone);
  }));
  if (global.json) return PrintJson(undone);
  std::cout << "Undid your progress of " << DayHeading(undone.day());
  if (!undone.note().empty()) std::cout << " (\"" << Truncate(undone.note(), 50) << "\")";
  std::cout << ".";
  absl::StatusOr<v1::GoalStatus> status = GetStatus(*client, name);
  if (status.ok()) {
    for (const auto& period : status->periods()) {
      if (period.start_day() <= undone.day() && undone.day() <= period.end_day()) {
        std::cout << " " << status->goal().title() << ": " << period.count() << "/"
                  << period.target() << " in " << PeriodName(status->goal().period()) << " "
                  << period.index();
      }
    }
  }
  std::cout << '\n';
  return absl::OkStatus();
}

// --- edit -------------------------------------------------------------------

struct EditOptions {
  std::string id;
  std::string title;
  int times = 0;
  std::string per;
  int periods = 0;
  std::string start;
  std::string exercise;
  bool shared = false;
  bool make_private = false;
};

// Which of the value flags were on the command line.
struct EditFlags {
  bool title = false;
  bool times = false;
  bool per = false;
  bool periods = false;
  bool start = false;
  bool exercise = false;
};

absl::Status RunEdit(const GlobalOptions& global, const EditOptions& options, EditFlags given) {
  if (options.shared && options.make_private) {
    return absl::InvalidArgumentError("give --shared or --private, not both");
  }
  v1::UpdateGoalRequest request;
  v1::Goal* goal = request.mutable_goal();
  auto* mask = request.mutable_update_mask();
  if (given.title) {
    goal->set_title(Trim(options.title));
    mask->add_paths("title");
  }
  if (given.times) {
    goal->set_target_per_period(options.times);
    mask->add_paths("target_per_period");
  }
  if (given.per) {
    goal->set_period(PeriodFromFlag(options.per));
    mask->add_paths("period");
  }
  if (given.periods) {
    goal->set_periods(options.periods);
    mask->add_paths("periods");
  }
  if (given.start) {
    ATTUNE_ASSIGN_OR_RETURN(absl::CivilDay start,
                            ParseDay(options.start, TodayIn(MachineZoneName())));
    goal->set_start_day(FormatDay(start));
    mask->add_paths("start_day");
  }
  if (given.exercise) {
    goal->set_exercise(Trim(options.exercise));
    mask->add_paths("exercise");
  }
  if (options.shared || options.make_private) {
    goal->set_visibility(options.shared ? v1::VISIBILITY_SHARED : v1::VISIBILITY_PRIVATE);
    mask->add_paths("visibility");
  }
  if (mask->paths().empty()) {
    return absl::InvalidArgumentError(
        "give the fields to change: --title, --times, --per, --for, --start, --exercise, "
        "--shared or --private");
  }
  ATTUNE_ASSIGN_OR_RETURN(IdArg goal_id, ParseIdArg(options.id, kCollection));
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(std::string name, ResolveGoal(*client, goal_id));
  goal->set_name(name);
  v1::Goal saved;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* context) {
    return client->goals().UpdateGoal(context, request, &saved);
  }));
  if (global.json) return PrintJson(saved);
  std::cout << "Updated goal " << ShortId(saved.name()) << ": " << saved.title() << ", "
            << GoalSchedule(saved.target_per_period(), saved.period(), saved.periods()) << ", from "
            << DayHeading(saved.start_day());
  if (!saved.exercise().empty()) std::cout << ", exercise " << saved.exercise();
  std::cout << " (" << VisibilityName(saved.visibility(), "private") << ").\n";
  return absl::OkStatus();
}

// --- rm ---------------------------------------------------------------------

absl::Status RunRemove(const GlobalOptions& global, const std::string& id, bool yes) {
  ATTUNE_ASSIGN_OR_RETURN(IdArg goal_id, ParseIdArg(id, kCollection));
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(std::string name, ResolveGoal(*client, goal_id));
  ATTUNE_ASSIGN_OR_RETURN(v1::Goal goal, GetGoal(*client, name));
  // A partner's goal: the daemon refuses, saying whose it is; nothing to ask.
  const std::string me = People::Fetch(*client).me();
  const bool mine = goal.author().empty() || me.empty() || goal.author() == me;
  if (!yes && mine) {
    if (!StdinIsTerminal()) {
      return absl::AbortedError(absl::StrCat("there is no terminal to ask whether to delete goal ",
                                             ShortId(name),
                                             ": nothing was deleted (pass --yes to delete it)"));
    }
    absl::StatusOr<bool> confirmed =
        Confirm(absl::StrCat("Delete your goal \"", Truncate(goal.title(), 50),
                             "\" and stop showing its progress, for good?"));
    if (!confirmed.ok() || !*confirmed) {
      return absl::AbortedError("nothing was deleted (answer y to delete, or pass --yes)");
    }
  }
  v1::DeleteGoalRequest request;
  request.set_name(name);
  google::protobuf::Empty empty;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* context) {
    return client->goals().DeleteGoal(context, request, &empty);
  }));
  if (global.json) return PrintJson(empty);
  std::cout << "Deleted goal " << ShortId(name) << " (" << goal.title() << ").\n";
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
  add_cmd->add_option("--per", add->per, "Period length (a month runs from the start day)")
      ->check(CLI::IsMember({"day", "week", "month"}))
      ->option_text("day|week|month")
      ->required();
  add_cmd->add_option("--for", add->periods, "For how many periods")
      ->check(CLI::Range(1, 520))
      ->option_text("N")
      ->required();
  add_cmd->add_option("--start", add->start, "First day of the first period (default: today)")
      ->option_text("DAY");
  add_cmd
      ->add_option("--exercise", add->exercise,
                   "Exercise id whose sessions count for this goal (see attune exercise list)")
      ->option_text("ID");
  add_cmd
      ->add_option("--tz", add->tz,
                   "IANA time zone days are counted in (default: $TZ, else "
                   "/etc/localtime)")
      ->option_text("ZONE");
  add_cmd->add_flag("--shared", add->shared,
                    "Share it with your partner, who can log progress on it too (default: asked "
                    "on a terminal, else private)");
  add_cmd->add_flag("--private", add->make_private, "Keep it to yourself");
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

  // undo
  auto undo_id = std::make_shared<std::string>();
  CLI::App* undo_cmd = goal->add_subcommand(
      "undo", "Undo the progress you logged last on a goal (your partner's stays)");
  AddIdArgument(undo_cmd, *undo_id)->required();
  table.Set(undo_cmd, [&global, undo_id] { return RunUndo(global, *undo_id); });

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

  // edit
  auto edit = std::make_shared<EditOptions>();
  CLI::App* edit_cmd =
      goal->add_subcommand("edit", "Change a goal of yours: only the fields given change");
  AddIdArgument(edit_cmd, edit->id)->required();
  CLI::Option* e_title =
      edit_cmd->add_option("--title", edit->title, "New title")->option_text("TEXT");
  CLI::Option* e_times = edit_cmd->add_option("--times", edit->times, "How many times per period")
                             ->check(CLI::Range(1, 100))
                             ->option_text("N");
  CLI::Option* e_per = edit_cmd->add_option("--per", edit->per, "Period length")
                           ->check(CLI::IsMember({"day", "week", "month"}))
                           ->option_text("day|week|month");
  CLI::Option* e_for = edit_cmd->add_option("--for", edit->periods, "For how many periods")
                           ->check(CLI::Range(1, 520))
                           ->option_text("N");
  CLI::Option* e_start =
      edit_cmd->add_option("--start", edit->start, "First day of the first period")
          ->option_text("DAY");
  CLI::Option* e_exercise =
      edit_cmd->add_option("--exercise", edit->exercise, "Exercise id ('' for none)")
          ->option_text("ID");
  edit_cmd->add_flag("--shared", edit->shared, "Share it with your partner");
  edit_cmd->add_flag("--private", edit->make_private, "Keep it to yourself");
  table.Set(edit_cmd, [&global, edit, e_title, e_times, e_per, e_for, e_start, e_exercise] {
    return RunEdit(global, *edit,
                   {e_title->count() > 0, e_times->count() > 0, e_per->count() > 0,
                    e_for->count() > 0, e_start->count() > 0, e_exercise->count() > 0});
  });

  // rm
  auto rm_id = std::make_shared<std::string>();
  auto yes = std::make_shared<bool>(false);
  CLI::App* rm_cmd = goal->add_subcommand("rm", "Delete a goal of yours for good");
  AddIdArgument(rm_cmd, *rm_id)->required();
  rm_cmd->add_flag("--yes,-y", *yes, "Do not ask for confirmation");
  table.Set(rm_cmd, [&global, rm_id, yes] { return RunRemove(global, *rm_id, *yes); });

  // Set last: subcommands copy the group from their parent when created.
  goal->group("Records");
}

}  // namespace attune::cli
