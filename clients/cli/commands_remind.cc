// attune remind add|list|remove: reminders at a chosen time (ReminderService).
// The daemon fires them as ReminderDue events; attune watch --notify shows
// them as desktop notifications.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "args.h"
#include "commands.h"
#include "common/environment.h"
#include "daemon_client.h"
#include "format.h"
#include "output.h"
#include "status_macros.h"

namespace attune::cli {
namespace {

constexpr const char* kDayNames[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr const char* kFullDayNames[] = {"monday", "tuesday",  "wednesday", "thursday",
                                         "friday", "saturday", "sunday"};

struct AddOptions {
  std::string what;  // checkin | goal | custom
  std::string arg;   // the goal id, or the custom text
  std::string at;
  std::string on;
  std::string zone;
};

// "mon,wed,fri" -> {1, 3, 5}; "" -> {} (every day).
absl::StatusOr<std::vector<int>> ParseDays(const std::string& text) {
  std::vector<int> days;
  if (text.empty() || text == "daily" || text == "every-day") return days;
  bool seen[8] = {};
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    const std::string p = absl::AsciiStrToLower(absl::StripAsciiWhitespace(part));
    int found = 0;
    for (int d = 0; d < 7; ++d) {
      if (p.size() >= 2 && std::string(kFullDayNames[d]).rfind(p, 0) == 0) found = d + 1;
    }
    if (found == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--on: \"", p, "\" is not a day (mon, tue, wed, thu, fri, sat, sun)"));
    }
    seen[found] = true;
  }
  for (int d = 1; d <= 7; ++d) {
    if (seen[d]) days.push_back(d);
  }
  if (days.empty()) return absl::InvalidArgumentError("--on: name at least one day");
  return days;
}

std::string DaysText(const v1::Reminder& r) {
  if (r.weekdays_size() == 0) return "every day";
  std::vector<std::string> names;
  for (int d : r.weekdays()) names.push_back(d >= 1 && d <= 7 ? kDayNames[d - 1] : "?");
  return absl::StrJoin(names, ",");
}

std::string What(DaemonClient& client, const v1::Reminder& r) {
  switch (r.kind()) {
    case v1::REMINDER_KIND_CHECK_IN:
      return "the daily check-in";
    case v1::REMINDER_KIND_GOAL: {
      v1::GetGoalRequest request;
      request.set_name(r.goal());
      v1::Goal goal;
      if (client
              .Run(
                  [&](grpc::ClientContext* c) { return client.goals().GetGoal(c, request, &goal); })
              .ok()) {
        return absl::StrCat("goal: ", TerminalSafe(goal.title()));
      }
      return "a goal that is gone";
    }
    default:
      return TerminalSafe(r.text());
  }
}

absl::Status RunAdd(const GlobalOptions& global, const AddOptions& options) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_RETURN_IF_ERROR(client->RequireUnlocked().status());
  v1::CreateReminderRequest request;
  v1::Reminder* r = request.mutable_reminder();
  if (options.what == "checkin" || options.what == "check-in") {
    r->set_kind(v1::REMINDER_KIND_CHECK_IN);
  } else if (options.what == "goal") {
    r->set_kind(v1::REMINDER_KIND_GOAL);
    if (options.arg.empty()) {
      return absl::InvalidArgumentError("which goal? attune remind add goal ID (attune goal list)");
    }
    ATTUNE_ASSIGN_OR_RETURN(IdArg id, ParseIdArg(options.arg, "goals"));
    std::string name = id.value;
    if (!id.complete) {
      v1::ListGoalsRequest list;
      list.set_include_archived(true);
      list.set_page_size(1000);
      v1::ListGoalsResponse goals;
      ATTUNE_RETURN_IF_ERROR(client->Run(
          [&](grpc::ClientContext* c) { return client->goals().ListGoals(c, list, &goals); }));
      std::vector<std::string> names;
      for (const auto& g : goals.goals()) names.push_back(g.name());
      ATTUNE_ASSIGN_OR_RETURN(name, MatchIdPrefix(id.value, names, "goal"));
    }
    r->set_goal(name);
  } else if (options.what == "custom") {
    if (options.arg.empty()) {
      return absl::InvalidArgumentError("what should it say? attune remind add custom \"TEXT\"");
    }
    r->set_kind(v1::REMINDER_KIND_CUSTOM);
    r->set_text(options.arg);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", options.what, "\" is not checkin, goal or custom"));
  }
  r->set_time_of_day(options.at.size() == 4 && options.at[1] == ':' ? "0" + options.at
                                                                    : options.at);
  ATTUNE_ASSIGN_OR_RETURN(std::vector<int> days, ParseDays(options.on));
  for (int d : days) r->add_weekdays(d);
  r->set_time_zone(options.zone.empty() ? MachineZoneName() : options.zone);
  v1::Reminder made;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* c) {
    return client->reminders().CreateReminder(c, request, &made);
  }));
  if (global.json) return PrintJson(made);
  std::cout << "Reminder " << ShortId(made.name()) << ": " << What(*client, made) << ", "
            << DaysText(made) << " at " << made.time_of_day() << " (" << made.time_zone() << ").\n"
            << "It fires while the daemon runs and the vault is unlocked; see it with "
               "attune watch --notify.\n";
  return absl::OkStatus();
}

absl::Status RunList(const GlobalOptions& global) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::ListRemindersResponse list;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* c) {
    return client->reminders().ListReminders(c, v1::ListRemindersRequest(), &list);
  }));
  if (global.json) return PrintJson(list);
  if (list.reminders_size() == 0) {
    std::cout << "No reminders yet: attune remind add checkin --at 21:00\n";
    return absl::OkStatus();
  }
  const absl::TimeZone zone = LoadZoneOrLocal(MachineZoneName());
  std::cout << PadRight("ID", 10) << PadRight("TIME", 7) << PadRight("DAYS", 29)
            << PadRight("NEXT", 18) << "WHAT\n";
  for (int i = 0; i < list.reminders_size(); ++i) {
    const v1::Reminder& r = list.reminders(i);
    std::cout << PadRight(ShortId(r.name()), 10) << PadRight(r.time_of_day(), 7)
              << PadRight(DaysText(r), 29)
              << PadRight(FormatTimestamp(list.next_due_times(i), zone), 18) << What(*client, r)
              << "\n";
  }
  return absl::OkStatus();
}

absl::Status RunRemove(const GlobalOptions& global, const std::string& arg) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(IdArg id, ParseIdArg(arg, "reminders"));
  std::string name = id.value;
  if (!id.complete) {
    v1::ListRemindersResponse list;
    ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* c) {
      return client->reminders().ListReminders(c, v1::ListRemindersRequest(), &list);
    }));
    std::vector<std::string> names;
    for (const auto& r : list.reminders()) names.push_back(r.name());
    ATTUNE_ASSIGN_OR_RETURN(name, MatchIdPrefix(id.value, names, "reminder"));
  }
  v1::DeleteReminderRequest request;
  request.set_name(name);
  google::protobuf::Empty empty;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* c) {
    return client->reminders().DeleteReminder(c, request, &empty);
  }));
  if (global.json) return PrintJson(empty);
  std::cout << "Removed reminder " << ShortId(name) << ".\n";
  return absl::OkStatus();
}

}  // namespace

std::string ReminderMessage(DaemonClient& client, const v1::ReminderDue& due) {
  v1::GetReminderRequest request;
  request.set_name(due.name());
  v1::Reminder r;
  if (!client
           .Run([&](grpc::ClientContext* c) {
             return client.reminders().GetReminder(c, request, &r);
           })
           .ok()) {
    return "A reminder of yours is due";
  }
  std::string what;
  switch (r.kind()) {
    case v1::REMINDER_KIND_CHECK_IN:
      what = "Time for your check-in: one high, one low, and how close you feel";
      break;
    case v1::REMINDER_KIND_GOAL:
      what = absl::StrCat("A nudge about your ", What(client, r));
      break;
    default:
      what = TerminalSafe(r.text());
  }
  if (due.late()) {
    absl::StrAppend(&what, " (due ",
                    FormatTimestamp(due.due_time(), LoadZoneOrLocal(MachineZoneName())), ")");
  }
  return what;
}

void AddRemindCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table) {
  CLI::App* remind =
      app.add_subcommand("remind", "Reminders at a time you choose: the check-in, a goal, words");
  remind->require_subcommand(1);

  auto add = std::make_shared<AddOptions>();
  CLI::App* add_cmd = remind->add_subcommand(
      "add", "checkin | goal ID | custom TEXT, at a time of day (--at 21:00)");
  add_cmd->add_option("WHAT", add->what, "checkin, goal or custom")
      ->required()
      ->check(CLI::IsMember({"checkin", "check-in", "goal", "custom"}));
  add_cmd->add_option("ARG", add->arg, "The goal's id (goal), or the words (custom)");
  add_cmd->add_option("--at", add->at, "Time of day, HH:MM (24 hours)")->required();
  add_cmd->add_option("--on", add->on, "Days, e.g. mon,wed,fri or sun (default: every day)")
      ->option_text("DAYS");
  add_cmd->add_option("--zone", add->zone, "IANA time zone (default: this machine's)")
      ->option_text("ZONE");
  table.Set(add_cmd, [&global, add] { return RunAdd(global, *add); });

  CLI::App* list_cmd = remind->add_subcommand("list", "Your reminders and when each is next due");
  table.Set(list_cmd, [&global] { return RunList(global); });

  auto id = std::make_shared<std::string>();
  CLI::App* remove_cmd = remind->add_subcommand("remove", "Remove a reminder");
  remove_cmd->add_option("ID", *id, "The reminder's id (attune remind list)")->required();
  table.Set(remove_cmd, [&global, id] { return RunRemove(global, *id); });
}

}  // namespace attune::cli
