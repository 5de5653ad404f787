// attune exercise list | start ID | sessions: exercises for two, run step by
// step in the terminal — prompts to read or say, timed turns with a live
// countdown, role switches, and questions — through the daemon, which runs
// the plugin offering the exercise.
//
// Run with stdin from a file or a pipe, `start` reads one line per question
// (prompts and turns need none and turns are not timed), so a session can be
// scripted.
#include <signal.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "commands.h"
#include "countdown.h"
#include "daemon_client.h"
#include "exercise_answers.h"
#include "feelings.h"
#include "format.h"
#include "google/protobuf/empty.pb.h"
#include "members.h"
#include "output.h"
#include "prompt.h"
#include "status_macros.h"

namespace attune::cli {
namespace {

// --- list and sessions --------------------------------------------------------

// What an option takes: "10-900 seconds", "no|yes", "text".
std::string Allowed(const v1::ExerciseOption& o) {
  if (o.has_integer()) {
    return absl::StrCat(o.integer().min(), "-", o.integer().max(),
                        o.integer().unit().empty() ? "" : " ", o.integer().unit());
  }
  if (o.has_choice()) return absl::StrJoin(o.choice().values(), "|");
  return "text";
}

absl::Status RunList(const GlobalOptions& global) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::ListExercisesResponse list;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* c) {
    return client->exercises().ListExercises(c, v1::ListExercisesRequest(), &list);
  }));
  if (global.json) return PrintJson(list);
  Table table({"ID", "MIN", "WITH", "TITLE"});
  for (const auto& e : list.exercises()) {
    table.AddRow({e.id(), std::to_string(e.minutes()),
                  e.mode() == v1::EXERCISE_MODE_PAIR ? "two" : "alone", e.title()});
  }
  table.Print("No exercises are installed (see attune plugin list).");
  // Options as they are typed (KEY=DEFAULT), each with what it changes; not
  // a table, whose last column would be cut at the terminal's width.
  size_t id_width = 0, key_width = 0;
  for (const auto& e : list.exercises()) {
    for (const auto& o : e.options()) {
      id_width = std::max(id_width, e.id().size());
      key_width = std::max(key_width, o.key().size() + 1 + o.default_value().size());
    }
  }
  const bool any_options = id_width > 0;
  if (any_options) std::cout << "\nOptions (--option KEY=VALUE; shown with the default):\n";
  for (const auto& e : list.exercises()) {
    for (const auto& o : e.options()) {
      std::cout << "  " << e.id() << std::string(id_width - e.id().size() + 2, ' ')
                << BoldKey(absl::StrCat(o.key(), "=", o.default_value()), key_width + 2)
                << o.description() << " (" << Allowed(o) << ")\n";
    }
  }
  if (!list.exercises().empty()) {
    std::cout << "\nStart one with: attune exercise start ID --with NAME"
              << (any_options ? " [--option KEY=VALUE]" : "") << "\n";
  }
  return absl::OkStatus();
}

absl::Status RunSessions(const GlobalOptions& global, const std::string& exercise) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::ListExerciseSessionsRequest request;
  request.set_exercise(exercise);
  request.set_page_size(50);
  v1::ListExerciseSessionsResponse list;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* c) {
    return client->exercises().ListExerciseSessions(c, request, &list);
  }));
  if (global.json) return PrintJson(list);
  Table table({"DAY", "EXERCISE", "WITH", "HOW IT WENT"});
  for (const auto& s : list.sessions()) {
    table.AddRow({s.day(), s.title(), absl::StrJoin(s.participants(), " & "), s.summary()});
  }
  table.Print("No finished sessions yet. Start one with: attune exercise start ID");
  return absl::OkStatus();
}

// --- start ----------------------------------------------------------------------

struct StartOptions {
  std::string exercise;
  std::string with;
  std::vector<std::string> options;
  bool make_private = false;
  bool share = false;
  bool replace = false;
};

// While a session runs, Ctrl-C makes reading input fail (no restart), so the
// session can be abandoned instead of left behind.
class InterruptGuard {
 public:
  InterruptGuard() {
    struct sigaction a = {};
    a.sa_handler = [](int) {};
    sigemptyset(&a.sa_mask);
    sigaction(SIGINT, &a, &previous_);
  }
  ~InterruptGuard() { sigaction(SIGINT, &previous_, nullptr); }

 private:
  struct sigaction previous_ = {};
};

class SessionRunner {
 public:
  SessionRunner(DaemonClient& client, bool interactive, std::ostream& out)
      : client_(client), interactive_(interactive), out_(out) {}

  // Shows the step and asks for its answer. CANCELLED when input ends.
  absl::StatusOr<v1::Answer> Ask(const v1::LiveSession& s) {
    const v1::Step& step = s.step();
    std::string who = PersonName(step.who(), s.first_name(), s.second_name());
    out_ << "\n" << Bold(absl::StrCat("[", s.step_number(), "] ", step.title()));
    if (!who.empty() && !step.has_timed_turn() && !step.has_role_switch()) {
      out_ << "  (" << who << ")";
    }
    out_ << "\n";
    size_t width = static_cast<size_t>(std::max(40, TerminalColumns()) - 4);
    if (!step.text().empty()) out_ << "    " << Wrap(step.text(), width, 4) << "\n";
    out_ << std::flush;
    v1::Answer answer;
    switch (step.kind_case()) {
      case v1::Step::kPrompt:
        if (step.prompt().say_aloud()) out_ << "    (say it aloud)\n";
        return Continue();
      case v1::Step::kRoleSwitch: {
        const auto& r = step.role_switch();
        if (!step.text().empty()) return Continue();
        out_ << "    Now " << PersonName(r.speaker(), s.first_name(), s.second_name())
             << " speaks and " << PersonName(r.listener(), s.first_name(), s.second_name())
             << " listens.\n";
        return Continue();
      }
      case v1::Step::kTimedTurn:
        return Turn(s);
      case v1::Step::kTextInput: {
        if (!step.text_input().placeholder().empty()) {
          out_ << "    e.g. " << step.text_input().placeholder() << "\n";
        }
        ATTUNE_ASSIGN_OR_RETURN(std::string line,
                                AskLine(step.text_input().required() ? "  > " : "  (optional) > "));
        answer.set_text(line);
        return answer;
      }
      case v1::Step::kChoiceInput: {
        const auto& c = step.choice_input();
        for (int i = 0; i < c.choices_size(); ++i) {
          out_ << "    " << (i + 1) << ". " << c.choices(i).label() << "\n";
        }
        out_ << std::flush;
        return AskUntilValid<v1::Answer>(
            absl::StrCat("  ", ChoiceHint(c), ": "),
            [&](const std::string& line) { return ParseChoiceAnswer(c, line); });
      }
      case v1::Step::kEmotionInput: {
        if (!vocabulary_.has_value()) {
          ATTUNE_ASSIGN_OR_RETURN(vocabulary_, FetchVocabulary(client_));
          if (interactive_) out_ << FormatVocabulary(*vocabulary_, width) << "\n";
        }
        out_ << std::flush;
        ATTUNE_ASSIGN_OR_RETURN(auto labels, AskUntilValid<std::vector<v1::EmotionLabel>>(
                                                 "  feelings, e.g. anxious:4, tired:2 > ",
                                                 [&](const std::string& line) {
                                                   return CheckFeelings(line, *vocabulary_);
                                                 }));
        for (auto& l : labels) *answer.mutable_emotions()->add_emotions() = l;
        return answer;
      }
      case v1::Step::kRatingInput: {
        const auto& r = step.rating_input();
        out_ << "    1 = " << (r.low_label().empty() ? "low" : r.low_label())
             << " … 5 = " << (r.high_label().empty() ? "high" : r.high_label()) << "\n"
             << std::flush;
        return AskUntilValid<v1::Answer>("  1-5 > ", ParseRatingAnswer);
      }
      case v1::Step::KIND_NOT_SET:
        break;
    }
    answer.set_done(true);
    return answer;
  }

 private:
  absl::StatusOr<v1::Answer> Continue() {
    if (interactive_) {
      out_ << std::flush;
      ATTUNE_RETURN_IF_ERROR(AskLine("  Press Enter to go on ").status());
    }
    v1::Answer a;
    a.set_done(true);
    return a;
  }

  absl::StatusOr<v1::Answer> Turn(const v1::LiveSession& s) {
    const auto& t = s.step().timed_turn();
    std::string speaker = PersonName(t.speaker(), s.first_name(), s.second_name());
    std::string listener = PersonName(t.listener(), s.first_name(), s.second_name());
    out_ << "    " << speaker << " speaks" << (listener.empty() ? "" : ", " + listener + " listens")
         << " — " << ClockText(t.seconds()) << "\n";
    v1::Answer a;
    a.set_done(true);
    if (!interactive_) return a;  // scripted: the turn is not timed
    ATTUNE_RETURN_IF_ERROR(AskLine("  Press Enter to start the timer ").status());
    ATTUNE_ASSIGN_OR_RETURN(int took, RunCountdown(t.seconds(), out_));
    a.set_elapsed_seconds(took);
    return a;
  }

  DaemonClient& client_;
  const bool interactive_;
  std::ostream& out_;
  std::optional<Vocabulary> vocabulary_;
};

void PrintFinished(std::ostream& out, const v1::LiveSession& s) {
  const v1::ExerciseSession& r = s.record();
  out << "\n" << Bold(absl::StrCat("Done: ", r.title())) << "\n";
  size_t width = static_cast<size_t>(std::max(40, TerminalColumns()) - 4);
  if (!r.summary().empty()) out << "    " << Wrap(r.summary(), width, 4) << "\n";
  std::vector<std::string> kept;
  for (const auto& name : r.records()) kept.push_back(name.substr(0, name.find('/')));
  if (!kept.empty()) out << "    Kept: " << absl::StrJoin(kept, ", ") << "\n";
  if (r.goals_size() > 0) {
    out << "    Counted toward " << Count(r.goals_size(), "goal", "goals")
        << " (attune goal status)\n";
  }
}

// The day in the daemon's refusal to replace a check-in unasked ("you have
// checked in for 2026-12-03 already …"), or "" when `status` is not that.
std::string CheckInExistsDay(const absl::Status& status) {
  constexpr char kPrefix[] = "you have checked in for ";
  if (!absl::IsFailedPrecondition(status) || !absl::StartsWith(status.message(), kPrefix)) {
    return "";
  }
  std::string rest(status.message().substr(sizeof kPrefix - 1));
  return rest.substr(0, rest.find(' '));
}

// Asks whether the session may replace the day's check-in. ABORTED, naming
// --replace, without a terminal or when the answer is no.
absl::Status ConfirmReplace(const std::string& day, bool tty) {
  if (!tty) {
    return absl::AbortedError(absl::StrCat(
        "you have checked in for ", day,
        " already and this session would replace it; there is no terminal to ask: nothing of "
        "the session was stored (pass --replace to replace it)"));
  }
  absl::StatusOr<bool> confirmed = Confirm(absl::StrCat(
      "You have checked in for ", DayHeading(std::string_view(day)), " already. Replace it?"));
  if (!confirmed.ok() || !*confirmed) {
    return absl::AbortedError(absl::StrCat(
        "your check-in for ", day,
        " is as it was; nothing of the session was stored (answer y to replace it, or pass "
        "--replace)"));
  }
  return absl::OkStatus();
}

absl::Status RunStart(const GlobalOptions& global, const StartOptions& options) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::StartSessionRequest request;
  request.set_exercise(options.exercise);
  // Steps call the partner by name: the one given, else the one the space
  // knows ("your partner" when neither).
  request.set_partner_name(options.with.empty() ? People::Fetch(*client).PartnerName()
                                                : options.with);
  request.set_replace_check_in(options.replace);
  if (options.make_private) request.set_visibility(v1::VISIBILITY_PRIVATE);
  if (options.share) request.set_visibility(v1::VISIBILITY_SHARED);
  for (const auto& kv : options.options) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("--option takes KEY=VALUE, e.g. turn_seconds=60; got '", kv, "'"));
    }
    (*request.mutable_options())[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  std::ostream& out = global.json ? std::cerr : std::cout;
  InterruptGuard guard;
  v1::LiveSession session;
  ATTUNE_RETURN_IF_ERROR(client->Run([&](grpc::ClientContext* c) {
    return client->exercises().StartSession(c, request, &session);
  }));
  out << Bold(session.title());
  if (!options.with.empty()) out << " — " << session.first_name() << " & " << session.second_name();
  out << "\n";
  const bool tty = StdinIsTerminal();
  SessionRunner runner(*client, tty, out);
  auto abandon = [&] {
    v1::AbandonSessionRequest abandon;
    abandon.set_session(session.name());
    google::protobuf::Empty empty;
    (void)client->Run([&](grpc::ClientContext* c) {
      return client->exercises().AbandonSession(c, abandon, &empty);
    });
  };
  while (!session.finished()) {
    absl::StatusOr<v1::Answer> answer = runner.Ask(session);
    if (!answer.ok()) {
      abandon();
      if (absl::IsCancelled(answer.status())) {
        return absl::CancelledError("session abandoned; nothing of it was stored");
      }
      return answer.status();
    }
    v1::AnswerStepRequest step;
    step.set_session(session.name());
    step.set_step_key(session.step().key());
    *step.mutable_answer() = *std::move(answer);
    v1::LiveSession next;
    absl::Status sent = client->Run(
        [&](grpc::ClientContext* c) { return client->exercises().AnswerStep(c, step, &next); });
    if (absl::IsInvalidArgument(sent)) {
      out << "  " << sent.message() << "\n";  // the same step is asked again
      continue;
    }
    if (std::string day = CheckInExistsDay(sent); !day.empty() && !step.replace_check_in()) {
      // The last answer would replace the day's check-in: the session waits
      // at its last step until this answer is sent again with the person's
      // yes.
      if (absl::Status asked = ConfirmReplace(day, tty); !asked.ok()) {
        abandon();
        return asked;
      }
      step.set_replace_check_in(true);
      sent = client->Run(
          [&](grpc::ClientContext* c) { return client->exercises().AnswerStep(c, step, &next); });
    }
    ATTUNE_RETURN_IF_ERROR(sent);
    session = std::move(next);
  }
  if (global.json) return PrintJson(session.record());
  PrintFinished(out, session);
  return absl::OkStatus();
}

}  // namespace

void AddExerciseCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table) {
  CLI::App* exercise =
      app.add_subcommand("exercise", "Practices for two, step by step: list, start, past sessions");
  exercise->require_subcommand(1);

  CLI::App* list = exercise->add_subcommand("list", "The exercises you can start");
  table.Set(list, [&global] { return RunList(global); });

  auto start = std::make_shared<StartOptions>();
  CLI::App* start_cmd = exercise->add_subcommand(
      "start",
      "Run an exercise in the terminal, e.g.: attune exercise start reflective-listening "
      "--with Sam");
  start_cmd->add_option("exercise", start->exercise, "The exercise's id (attune exercise list)")
      ->required();
  start_cmd
      ->add_option("--with", start->with,
                   "Your partner's name, as steps should call them (default: their name in "
                   "the space)")
      ->option_text("NAME");
  start_cmd
      ->add_option("--option", start->options,
                   "An option for the exercise, e.g. turn_seconds=60 (repeatable)")
      ->option_text("KEY=VALUE");
  auto* private_flag =
      start_cmd->add_flag("--private", start->make_private,
                          "Keep everything the session leaves to yourself, whatever it asks");
  start_cmd
      ->add_flag("--share", start->share,
                 "Share the finished session, answers included (default: shared when done "
                 "together, private when done alone; a session that left something private "
                 "stays private)")
      ->excludes(private_flag);
  start_cmd->add_flag("--replace", start->replace,
                      "The session may replace your check-in for today without asking (without "
                      "a terminal, a session that would replace it is refused unless this is "
                      "given)");
  table.Set(start_cmd, [&global, start] { return RunStart(global, *start); });

  auto which = std::make_shared<std::string>();
  CLI::App* sessions = exercise->add_subcommand("sessions", "Finished sessions, newest first");
  sessions->add_option("exercise", *which, "Only this exercise")->option_text("ID");
  table.Set(sessions, [&global, which] { return RunSessions(global, *which); });
}

}  // namespace attune::cli
