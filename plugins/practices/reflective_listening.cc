// Reflective listening drill: one speaks for a timed turn, the other says
// back the facts and the feelings, the speaker rates how accurately they were
// heard; then the roles switch. Accuracy, not agreement.
#include <string>

#include "plugins/practices/exercises.h"

namespace attune::practices {

using namespace attune::plugin;  // NOLINT: the SDK's vocabulary

namespace {

constexpr char kTurnSeconds[] = "turn_seconds";
constexpr int kDefaultTurn = 120, kShortestTurn = 10, kLongestTurn = 900;

int TurnSeconds(const Session& s) {
  return s.OptionInt(kTurnSeconds, kDefaultTurn, kShortestTurn, kLongestTurn);
}

// One round: `who` speaks, `other` listens. Keys end in `n`.
void AddRound(Exercise& e, const std::string& n, Person who, Person other,
              const std::string& speaker, const std::string& listener) {
  e.Add(TextInput("topic-" + n, speaker + " speaks",
                  speaker + ", what will you talk about? A few words are enough; you can "
                            "keep it to yourself too.")
            .For(who)
            .MaxChars(200)
            .Placeholder("How stretched I feel at work"));
  e.Add([=](const Session& s) -> std::optional<::attune::v1::Step> {
    int seconds = TurnSeconds(s);
    return TimedTurn("turn-" + n, speaker + " talks, " + listener + " listens",
                     speaker + ", talk about what's on your mind. " + listener +
                         ", listen with your whole attention: don't interrupt, don't plan "
                         "your answer. Notice what happened and how " +
                         speaker + " feels about it.",
                     who, other, seconds);
  });
  e.Add(Prompt("paraphrase-" + n, listener + " says it back",
               listener + ", say back what you heard. Facts first (“So what happened is…”), "
                          "then feelings (“…and it sounds like you felt…”). No advice, no "
                          "opinion of your own, no “but”.")
            .For(other)
            .Aloud());
  e.Add(RatingInput("accuracy-" + n, "How well were you heard?",
                    speaker + ", how accurately did " + listener +
                        " capture what you said and what you felt?",
                    "missed it", "exactly right")
            .For(who));
  e.Add([=](const Session& s) -> std::optional<::attune::v1::Step> {
    if (s.Rating("accuracy-" + n) >= 4) return std::nullopt;
    return Prompt("clarify-" + n, "One more pass",
                  speaker + ", say in a sentence or two what was missed or matters most. " +
                      listener + ", say back just that part.")
        .For(::attune::v1::PERSON_BOTH)
        .Aloud()
        .step();
  });
}

}  // namespace

Exercise ReflectiveListening() {
  Exercise e({.id = "reflective-listening",
              .title = "Reflective listening drill",
              .summary = "One of you talks for a set time (two minutes unless you choose) "
                         "while the other listens, then says back the facts and the feelings; "
                         "the speaker rates the accuracy. Then you switch.",
              .minutes = 15,
              .mode = ::attune::v1::EXERCISE_MODE_PAIR,
              .tags = {"listening", "empathy", "skills"},
              .writes = std::vector<std::string>{},
              .options = {IntegerOption(kTurnSeconds, "how long each of you talks", kDefaultTurn,
                                        kShortestTurn, kLongestTurn, "seconds")}});
  e.Add([](const Session& s) -> std::optional<::attune::v1::Step> {
    return Prompt("how", "How this works",
                  "Each of you gets " + SpokenDuration(TurnSeconds(s)) +
                      " to talk about something on your mind — small or large, about work, "
                      "family or the two of you. The listener stays quiet, then paraphrases: "
                      "first the facts, then the feelings. The speaker rates how accurately "
                      "they felt heard. Hearing someone accurately is not the same as agreeing "
                      "with them; debate can wait.")
        .step();
  });
  AddRound(e, "1", kFirst, kSecond, "{first}", "{second}");
  e.Add(RoleSwitch("switch", "Switch roles", "Swap: now {second} speaks and {first} listens.",
                   kSecond, kFirst));
  AddRound(e, "2", kSecond, kFirst, "{second}", "{first}");
  e.Add(TextInput("noticed", "What you noticed",
                  "What did you notice about listening this way — what was hard, what "
                  "helped? (optional)")
            .For(kBoth));
  e.OnFinish([](const Session& s, Outcome& out) {
    out.Summary("Turns of " + SpokenDuration(TurnSeconds(s)) + ". Accuracy: {second} heard " +
                "{first} " + std::to_string(s.Rating("accuracy-1")) + " of 5; {first} heard " +
                "{second} " + std::to_string(s.Rating("accuracy-2")) +
                " of 5. Saying back feelings, not only facts, is what makes people feel "
                "understood.");
    return absl::OkStatus();
  });
  return e;
}

}  // namespace attune::practices
