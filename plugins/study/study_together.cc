// Study together: turn a book, a course, a podcast or a workshop into a
// weekly shared practice — one unit a week, a discussion with prompts,
// homework to try before the next check-in, and a low-stakes role-play of a
// real trigger.
#include "plugins/study/study_together.h"

#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "plugins/study/plan.h"

namespace attune::study {

using namespace attune::plugin;  // NOLINT: the SDK's vocabulary

namespace {

const std::vector<std::string>& DiscussionPrompts() {
  static const auto* prompts = new std::vector<std::string>{
      "Where did you recognise yourself — or me — in this unit?",
      "Which idea would change an ordinary weekday evening if we used it?",
      "What did you disagree with, or find hard to picture doing?",
      "Which example or story stayed with you, and why that one?",
      "What do we already do well that this unit confirmed?",
      "Where do we tend to do the opposite of what it suggests?",
      "What makes this hard for each of us, given how we grew up?",
      "If we explained this unit to a friend in two sentences, what would we say?",
      "What would you like me to understand about how this landed for you?",
  };
  return *prompts;
}

// The plan to discuss, or nullopt when a new plan is to be made.
std::optional<Plan> CurrentPlan(const Session& s) {
  if (s.Option("new_plan", "") == "yes") return std::nullopt;
  const auto* rec = s.Record("plan");
  if (rec == nullptr) return std::nullopt;
  auto plan = Decode(rec->data());
  if (!plan.has_value() || plan->done >= plan->units) return std::nullopt;
  return plan;
}

using Make = std::function<std::optional<::attune::v1::Step>(const Session&, const Plan&)>;
// A step only while planning.
StepFn Planning(std::function<::attune::v1::Step(const Session&)> make) {
  return [make](const Session& s) -> std::optional<::attune::v1::Step> {
    if (CurrentPlan(s).has_value()) return std::nullopt;
    return make(s);
  };
}
// A step only while discussing a plan.
StepFn Discussing(Make make) {
  return [make](const Session& s) -> std::optional<::attune::v1::Step> {
    auto plan = CurrentPlan(s);
    if (!plan.has_value()) return std::nullopt;
    return make(s, *plan);
  };
}

std::string Unit(const Plan& p, int n) { return UnitWord(p.kind) + " " + std::to_string(n); }

void AddPlanning(Exercise& e) {
  e.Add(Planning([](const Session&) {
    return Prompt("plan-intro", "Make a study plan",
                  "Choose one resource to learn from together: a book, an online course, a "
                  "podcast series or a workshop on communication, emotions or relationships. "
                  "Prefer ones with practical exercises over pure theory. You'll each take one "
                  "unit a week and talk about it here.")
        .step();
  }));
  e.Add(Planning([](const Session&) {
    return ChoiceInput("plan-kind", "What kind?", "What will you study?",
                       {{"book", "A book"},
                        {"course", "An online course"},
                        {"podcast", "A podcast series"},
                        {"workshop", "A workshop or class"}})
        .For(kBoth)
        .step();
  }));
  e.Add(Planning([](const Session&) {
    return TextInput("plan-title", "Its name", "What is it called?")
        .For(kBoth)
        .Required()
        .MaxChars(200)
        .step();
  }));
  e.Add(Planning([](const Session&) {
    return ChoiceInput("plan-units", "How many weeks?", "How many units will you take, one a week?",
                       {{"4", "4 weeks"},
                        {"6", "6 weeks"},
                        {"8", "8 weeks"},
                        {"10", "10 weeks"},
                        {"12", "12 weeks"}})
        .For(kBoth)
        .step();
  }));
  e.Add(Planning([](const Session&) {
    return TextInput("plan-rhythm", "When",
                     "When in the week will each of you do the unit? (optional)")
        .For(kBoth)
        .MaxChars(200)
        .Placeholder("Sunday evening, after dinner")
        .step();
  }));
}

void AddDiscussion(Exercise& e) {
  e.Add(Discussing([](const Session&, const Plan& p) {
    int week = p.done + 1;
    return Prompt("week-intro", "Week " + std::to_string(week) + " of " + std::to_string(p.units),
                  "Today: " + p.title + ", " + Unit(p, week) +
                      ". Take turns; the one talking gets the other's full attention.")
        .step();
  }));
  e.Add(Discussing([](const Session&, const Plan& p) -> std::optional<::attune::v1::Step> {
    if (p.homework.empty()) return std::nullopt;
    return ChoiceInput("homework-check", "Last week's homework",
                       "Last time you agreed to try: “" + p.homework + "”. How did it go?",
                       {{"both", "We both tried it"},
                        {"one", "One of us did"},
                        {"not-yet", "We didn't get to it"}})
        .For(kBoth)
        .step();
  }));
  e.Add(Discussing([](const Session&, const Plan& p) -> std::optional<::attune::v1::Step> {
    if (p.homework.empty()) return std::nullopt;
    return TextInput("homework-note", "What you noticed",
                     "What happened when you tried it — or what got in the way? (optional)")
        .For(kBoth)
        .MaxChars(1000)
        .step();
  }));
  e.Add(Discussing([](const Session&, const Plan& p) {
    return TextInput(
               "takeaway-first", "{first}'s takeaway",
               "{first}, what is one idea from " + Unit(p, p.done + 1) + " that stayed with you?")
        .For(kFirst)
        .Required()
        .MaxChars(1000)
        .step();
  }));
  e.Add(Discussing([](const Session&, const Plan& p) {
    return TextInput("takeaway-second", "{second}'s takeaway",
                     "{second}, and yours? One idea from " + Unit(p, p.done + 1) + ".")
        .For(kSecond)
        .Required()
        .MaxChars(1000)
        .step();
  }));
  e.Add(Discussing([](const Session&, const Plan& p) {
    const auto& all = DiscussionPrompts();
    std::string text = "Talk these through, one at a time:";
    for (int i = 0; i < 3; ++i) {
      text += "\n  • " + all[static_cast<size_t>(p.done * 3 + i) % all.size()];
    }
    return Prompt("discuss", "Discuss", text).For(kBoth).step();
  }));
  e.Add(Discussing([](const Session&, const Plan&) {
    return TextInput("trigger", "A real trigger",
                     "Name one real, small moment that tends to go wrong between you — mild "
                     "enough to replay calmly.")
        .For(kBoth)
        .Required()
        .MaxChars(300)
        .Placeholder("When I get home and the first thing I hear is about the dishes")
        .step();
  }));
  e.Add(Discussing([](const Session&, const Plan&) {
    return ChoiceInput("roleplay-who", "Who tries the new response?",
                       "Who will try a new response from this unit in the role-play?",
                       {{"first", "{first}"}, {"second", "{second}"}})
        .For(kBoth)
        .step();
  }));
  e.Add(Discussing([](const Session& s, const Plan&) {
    bool first = s.Choice("roleplay-who") != "second";
    std::string trier = first ? "{first}" : "{second}";
    std::string other = first ? "{second}" : "{first}";
    return TimedTurn("roleplay", "Role-play",
                     "Replay “" + s.Text("trigger") + "” at low stakes. " + other +
                         " opens the scene as it usually goes; " + trier +
                         " answers with something new from this unit — naming a feeling, "
                         "asking a question, slowing down. Stop and restart as often as you "
                         "like.",
                     first ? kFirst : kSecond, first ? kSecond : kFirst, 180)
        .step();
  }));
  e.Add(Discussing([](const Session&, const Plan&) {
    return RatingInput("roleplay-debrief", "How did it feel?",
                       "How different did the new response feel from the usual?",
                       "the same as always", "really different")
        .For(kBoth)
        .step();
  }));
  e.Add(Discussing([](const Session&, const Plan&) {
    return TextInput("homework", "This week's homework",
                     "Pick one practice to try before your next check-in, and when. You'll "
                     "report back then.")
        .For(kBoth)
        .Required()
        .MaxChars(300)
        .Placeholder("Name one feeling out loud each evening before bed")
        .step();
  }));
}

absl::Status FinishPlanning(const Session& s, Outcome& out) {
  Plan p;
  p.kind = s.Choice("plan-kind");
  p.title = s.Text("plan-title");
  p.units = std::atoi(s.Choice("plan-units").c_str());
  if (p.units < 1) p.units = 6;
  p.rhythm = s.Text("plan-rhythm");
  p.last_day = s.today();
  out.SetRecord("plan", Encode(p));
  out.Summary("Plan made: " + p.title + ", one " + UnitWord(p.kind) + " a week for " +
              std::to_string(p.units) + " weeks" + (p.rhythm.empty() ? "" : " (" + p.rhythm + ")") +
              ". Take " + UnitWord(p.kind) + " 1 this week, then come back to discuss it.");
  return absl::OkStatus();
}

absl::Status FinishDiscussion(const Session& s, const Plan& before, Outcome& out) {
  Plan p = before;
  p.done += 1;
  p.homework = s.Text("homework");
  p.last_day = s.today();
  out.SetRecord("plan", Encode(p));
  std::string summary = "Week " + std::to_string(p.done) + " of " + std::to_string(p.units) +
                        " of " + p.title + " done. Homework: " + p.homework + ".";
  if (p.done >= p.units) {
    summary += " That was the last " + UnitWord(p.kind) +
               " — well done for seeing it through. Next time you can start a new plan.";
  } else {
    summary += " Next: " + Unit(p, p.done + 1) + ".";
  }
  out.Summary(summary);
  return absl::OkStatus();
}

}  // namespace

Exercise StudyTogether() {
  Exercise e({.id = "study-together",
              .title = "Study together",
              .summary = "Learn from one book, course, podcast or workshop together: a unit a "
                         "week, a discussion with prompts, homework to try, and a role-play "
                         "of a real trigger.",
              .minutes = 30,
              .mode = ::attune::v1::EXERCISE_MODE_PAIR,
              .tags = {"learning", "weekly", "role-play"},
              .writes = std::vector<std::string>{"plugin_record"},
              .options = {ChoiceOption("new_plan",
                                       "yes: plan something new, even while a plan is under way",
                                       {"no", "yes"}, "no")}});
  AddPlanning(e);
  AddDiscussion(e);
  e.OnFinish([](const Session& s, Outcome& out) {
    auto plan = CurrentPlan(s);
    return plan.has_value() ? FinishDiscussion(s, *plan, out) : FinishPlanning(s, out);
  });
  return e;
}

}  // namespace attune::study
