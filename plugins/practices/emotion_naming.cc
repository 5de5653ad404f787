// Emotion naming: pause, find the word for the feeling (from the shared
// vocabulary the daemon passes) and how strong it is, and say it aloud as
// "I'm noticing I feel …". Naming a feeling lowers its grip and lets the
// other person understand without guessing.
#include <string>
#include <vector>

#include "plugins/practices/exercises.h"

namespace attune::practices {

using namespace attune::plugin;  // NOLINT: the SDK's vocabulary

namespace {

std::string Strength(int intensity) {
  switch (intensity) {
    case 1:
      return "slightly ";
    case 2:
      return "a little ";
    case 4:
      return "quite ";
    case 5:
      return "very ";
    default:
      return "";
  }
}

// "I'm noticing I feel quite anxious and a little tired."
std::string NoticingSentence(const std::vector<::attune::v1::EmotionLabel>& feelings) {
  std::string out = "I'm noticing I feel ";
  for (size_t i = 0; i < feelings.size(); ++i) {
    if (i > 0) out += i + 1 == feelings.size() ? " and " : ", ";
    out += Strength(feelings[i].intensity()) + feelings[i].label();
  }
  return out + ".";
}

}  // namespace

Exercise EmotionNaming() {
  Exercise e({.id = "emotion-naming",
              .title = "Name the feeling",
              .summary = "When a feeling rises, pause, find its name and strength, and say it "
                         "aloud: “I'm noticing I feel …”. It takes the edge off and invites "
                         "understanding.",
              .minutes = 5,
              .mode = ::attune::v1::EXERCISE_MODE_SOLO,
              .tags = {"emotions", "regulation", "quick"},
              .writes = std::vector<std::string>{"journal_entry"}});
  e.Add(Prompt("pause", "Pause",
               "Stop for one slow breath. Notice where the feeling sits in your body — chest, "
               "throat, stomach, shoulders, jaw. You don't have to change it; only name it."));
  e.Add(EmotionInput("feelings", "Find the word",
                     "Which words fit best right now? Pick one to three, each with how strong "
                     "it is (1 a trace, 5 overwhelming).")
            .Pick(1, 3));
  e.Add(TextInput("trigger", "What set it off",
                  "In one sentence, what happened just before? Describe, don't judge. "
                  "(optional)")
            .MaxChars(500)
            .Placeholder("{second} looked at the phone while I was talking."));
  e.Add([](const Session& s) -> std::optional<::attune::v1::Step> {
    return Prompt("say-it", "Say it aloud",
                  "Say it out loud — to yourself, or to {second} if they are near: “" +
                      NoticingSentence(s.Emotions("feelings")) +
                      "” Say only the feeling, not what the other person should do about it.")
        .Aloud()
        .step();
  });
  e.Add(RatingInput("after", "And now?", "How strong is the feeling now, after naming it?", "faded",
                    "as strong as before"));
  e.Add(ChoiceInput("keep", "Keep it?", "Keep this moment in your journal?",
                    {{"private", "Yes, privately"},
                     {"shared", "Yes, shared with {second}"},
                     {"no", "No, let it go"}}));
  e.OnFinish([](const Session& s, Outcome& out) {
    auto feelings = s.Emotions("feelings");
    std::string sentence = NoticingSentence(feelings);
    std::string keep = s.Choice("keep");
    if (keep == "private" || keep == "shared") {
      auto& j = out.AddJournalEntry();
      j.set_title("Naming a feeling");
      std::string body = sentence;
      if (!s.Text("trigger").empty()) body += "\n\nWhat set it off: " + s.Text("trigger");
      body +=
          "\n\nAfter naming it, its strength was " + std::to_string(s.Rating("after")) + " of 5.";
      j.set_body(body);
      for (const auto& f : feelings) *j.add_emotions() = f;
      j.set_visibility(keep == "shared" ? ::attune::v1::VISIBILITY_SHARED
                                        : ::attune::v1::VISIBILITY_PRIVATE);
    }
    out.Summary("“" + sentence +
                "” Named feelings tend to shrink; unnamed ones leak out "
                "sideways.");
    return absl::OkStatus();
  });
  return e;
}

}  // namespace attune::practices
