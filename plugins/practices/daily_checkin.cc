// Daily check-in: a predictable few minutes to share one high and one low,
// described rather than solved, and to say how close each feels.
#include "plugins/practices/exercises.h"

namespace attune::practices {

using namespace attune::plugin;  // NOLINT: the SDK's vocabulary

Exercise DailyCheckIn() {
  Exercise e({.id = "daily-checkin",
              .title = "Daily check-in",
              .summary = "Each of you shares one high and one low of the day and how close you "
                         "feel. You describe; the other listens without fixing.",
              .minutes = 10,
              .mode = ::attune::v1::EXERCISE_MODE_PAIR,
              .tags = {"daily", "listening", "habit"},
              .writes = std::vector<std::string>{"check_in"}});
  e.Add(Prompt("settle", "Settle in",
               "Sit where you can see each other and put phones face down. You'll each share "
               "one high and one low from today. Tell it like a short story: what happened, "
               "and how it felt. Whoever listens doesn't advise, fix or argue — unless asked."));
  e.Add(TextInput("high", "{first}'s high",
                  "{first}, what was one good moment today? Where were you, what happened, how "
                  "did it feel?")
            .For(kFirst)
            .Required()
            .Placeholder("Lunch outside in the sun with Maya; I felt light for the first time "
                         "this week."));
  e.Add(TextInput("low", "{first}'s low",
                  "And one hard moment? Describe it and how it landed — no need to solve it.")
            .For(kFirst)
            .Required()
            .Placeholder("The meeting ran late and I snapped at the kids; I felt ashamed."));
  e.Add(EmotionInput("feelings", "Feelings of the day",
                     "Which feelings came with your day, and how strongly?")
            .For(kFirst)
            .Pick(1, 4));
  e.Add(RatingInput("closeness", "Closeness", "How connected do you feel to {second} today?",
                    "distant", "very close")
            .For(kFirst));
  e.Add(Prompt("reflect-back", "What {second} heard",
               "{second}, say back in one sentence what you heard — the moment and the "
               "feeling. Nothing more: no advice, no “at least”.")
            .For(kSecond)
            .Aloud());
  e.Add(TimedTurn("second-shares", "{second}'s turn",
                  "{second}, share your own high and low of the day, the same way: what "
                  "happened, how it felt. {first}, just listen.",
                  kSecond, kFirst, 180));
  e.Add(Prompt("reflect-back-2", "What {first} heard",
               "{first}, say back in one sentence what you heard from {second}.")
            .For(kFirst)
            .Aloud());
  e.Add(ChoiceInput("help", "Listening or help?",
                    "Was listening enough today, or does one of you want help with something?",
                    {{"enough", "Listening was enough"},
                     {"help-first", "{first} would like help with something"},
                     {"help-second", "{second} would like help with something"}})
            .For(kBoth));
  e.Add(TextInput("note", "Anything else", "Anything else worth noting for today? (optional)")
            .For(kFirst));
  e.OnFinish([](const Session& s, Outcome& out) {
    auto& c = out.AddCheckIn();
    c.set_high(s.Text("high"));
    c.set_low(s.Text("low"));
    for (const auto& f : s.Emotions("feelings")) *c.add_emotions() = f;
    c.set_connection_rating(s.Rating("closeness"));
    std::string note = s.Text("note");
    std::string help = s.Choice("help");
    if (help == "help-first")
      note += (note.empty() ? "" : " ") + std::string("(I asked for help.)");
    if (help == "help-second") {
      note += (note.empty() ? "" : " ") + std::string("({second} asked for help.)");
    }
    c.set_note(WithNames(note, s.first_name(), s.second_name()));
    c.set_visibility(::attune::v1::VISIBILITY_SHARED);
    std::string summary =
        "Checked in: closeness " + std::to_string(s.Rating("closeness")) + " of 5.";
    if (help != "enough" && !help.empty()) {
      summary += " Make time for the help that was asked for — after listening, not instead.";
    } else {
      summary += " Same time tomorrow keeps the habit easy.";
    }
    out.Summary(summary);
    return absl::OkStatus();
  });
  return e;
}

}  // namespace attune::practices
