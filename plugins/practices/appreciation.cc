// Appreciation ritual: end the day with one specific thing you appreciated
// about your partner, said to them and kept as an Appreciation.
#include "plugins/practices/exercises.h"

namespace attune::practices {

using namespace attune::plugin;  // NOLINT: the SDK's vocabulary

Exercise Appreciation() {
  Exercise e({.id = "appreciation",
              .title = "Appreciation ritual",
              .summary = "Tell your partner one specific thing you appreciated about them "
                         "today. Specific beats general; it is kept so you can both look "
                         "back on it.",
              .minutes = 3,
              .mode = ::attune::v1::EXERCISE_MODE_PAIR,
              .tags = {"daily", "gratitude", "quick"},
              .writes = std::vector<std::string>{"appreciation"}});
  e.Add(Prompt("look-back", "Look back",
               "Think over today, or this week. Find one moment when {second} did something you "
               "valued — small is fine. “Thank you for listening to my project update” lands "
               "better than “you're great”.")
            .For(kFirst));
  e.Add(TextInput("moment", "The moment", "What did {second} do? Describe the moment.")
            .For(kFirst)
            .Required()
            .MaxChars(1000)
            .Placeholder("You listened to my whole project update without checking your "
                         "phone"));
  e.Add(TextInput("why", "Why it mattered", "Why did it matter to you? (optional)")
            .For(kFirst)
            .MaxChars(900)
            .Placeholder("I felt like my work mattered to you"));
  e.Add([](const Session& s) -> std::optional<::attune::v1::Step> {
    std::string moment = s.Text("moment");
    while (!moment.empty() && (moment.back() == '.' || moment.back() == ' ')) moment.pop_back();
    // "You listened …" reads "when you listened …" mid-sentence; "I" stays.
    if (moment.size() > 1 && moment[0] >= 'A' && moment[0] <= 'Z' && moment[1] >= 'a' &&
        moment[1] <= 'z') {
      moment[0] = static_cast<char>(moment[0] - 'A' + 'a');
    }
    std::string said = "“I appreciated it when " + moment;
    if (!s.Text("why").empty()) said += ", because " + s.Text("why");
    said += ".”";
    return Prompt("say-it", "Say it", "Look at {second} and say it: " + said)
        .For(kFirst)
        .Aloud()
        .step();
  });
  e.Add(Prompt("receive", "Receive it",
               "{second}, just take it in. A simple “thank you” is enough — no brushing it "
               "off, and no need to return the favour right away.")
            .For(kSecond));
  e.OnFinish([](const Session& s, Outcome& out) {
    std::string text = s.Text("moment");
    if (!s.Text("why").empty()) text += " — " + s.Text("why");
    out.AddAppreciation(text, s.partner_named() ? s.second_name() : "");
    std::string moment = s.Text("moment");
    while (!moment.empty() && (moment.back() == '.' || moment.back() == ' ')) moment.pop_back();
    out.Summary("Appreciation kept for {second}: “" + moment + "”.");
    return absl::OkStatus();
  });
  return e;
}

}  // namespace attune::practices
