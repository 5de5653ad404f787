// Nonverbal attunement: noticing posture, tone and energy while the partner
// talks, mirroring them subtly to say "I'm with you", then leading gently
// toward calm.
#include <string>

#include "plugins/practices/exercises.h"

namespace attune::practices {

using namespace attune::plugin;  // NOLINT: the SDK's vocabulary

namespace {

const std::vector<std::pair<std::string, std::string>>& Cues() {
  static const auto* cues = new std::vector<std::pair<std::string, std::string>>{
      {"shoulders", "Raised or tight shoulders"},
      {"breath-fast", "Quick or shallow breathing"},
      {"gaze-away", "Looking away or down"},
      {"hands", "Busy or restless hands"},
      {"voice-fast", "A faster or louder voice"},
      {"voice-flat", "A quieter, flatter voice"},
      {"lean-in", "Leaning forward"},
      {"slumped", "A slumped or closed posture"},
      {"jaw", "A tight jaw or furrowed brow"},
      {"energy-low", "Low, tired energy"},
      {"energy-high", "Restless, high energy"},
      {"smile", "A smile that comes and goes"},
  };
  return *cues;
}

void AddRound(Exercise& e, const std::string& n, Person talker, Person watcher,
              const std::string& t, const std::string& w) {
  e.Add(TimedTurn("talk-" + n, t + " talks, " + w + " watches",
                  t +
                      ", talk about something mildly stressful from this week — not the "
                      "hardest thing. " +
                      w + ", don't answer; watch posture, face, hands, breath, voice and energy.",
                  talker, watcher, 60));
  e.Add(ChoiceInput("noticed-" + n, "What you noticed", w + ", what did you notice?", Cues())
            .For(watcher)
            .Pick(1, 5));
  e.Add(Prompt("tell-" + n, "Say what you saw",
               w + ", tell " + t +
                   " what you noticed as plain observation: “I noticed your "
                   "shoulders rose when you mentioned the deadline.” No interpreting. " +
                   t + ", say whether it fits.")
            .For(watcher)
            .Aloud());
  e.Add(RatingInput("fit-" + n, "Did it fit?",
                    t + ", how well did that match what was going on inside you?", "not at all",
                    "exactly")
            .For(talker));
  e.Add(TimedTurn("mirror-" + n, "Mirror",
                  t + ", keep talking. " + w + ", without words, quietly meet " + t +
                      "'s posture and pace: a similar lean, a similar rhythm of breath, a "
                      "similar energy. Meeting, not mimicking.",
                  talker, watcher, 60));
  e.Add(TimedTurn("calm-" + n, "Lead toward calm",
                  "Now, " + w +
                      ", slowly lead toward calm: let your shoulders drop, breathe "
                      "slower and deeper, soften your face, relax your hands, and "
                      "lower your voice if you speak. " +
                      t + ", notice whether your body follows.",
                  talker, watcher, 60));
  e.Add(RatingInput("met-" + n, "Met, then calmer?",
                    t + ", did you feel met at first, and calmer at the end?", "not really",
                    "very much")
            .For(talker));
}

}  // namespace

Exercise NonverbalAttunement() {
  Exercise e({.id = "nonverbal-attunement",
              .title = "Nonverbal attunement",
              .summary = "Practise reading posture, tone and energy, mirroring them to show "
                         "you're with your partner, then gently leading both of you toward "
                         "calm.",
              .minutes = 12,
              .mode = ::attune::v1::EXERCISE_MODE_PAIR,
              .tags = {"nonverbal", "empathy", "regulation"},
              .writes = std::vector<std::string>{}});
  e.Add(Prompt("why", "Beyond words",
               "Much of what we feel shows before we say it: in shoulders, breath, voice and "
               "energy. When someone is upset, matching them a little says “I'm with you”; "
               "then slowing down yourself helps them slow down. You'll each try both sides."));
  AddRound(e, "1", kFirst, kSecond, "{first}", "{second}");
  e.Add(RoleSwitch("switch", "Switch", "Swap: now {second} talks and {first} watches.", kSecond,
                   kFirst));
  AddRound(e, "2", kSecond, kFirst, "{second}", "{first}");
  e.Add(TextInput("noticed", "Afterwards",
                  "What did you learn about how each of you shows stress? (optional)")
            .For(kBoth));
  e.OnFinish([](const Session& s, Outcome& out) {
    out.Summary("{first} felt met and calmed " + std::to_string(s.Rating("met-1")) +
                " of 5; {second} " + std::to_string(s.Rating("met-2")) +
                " of 5. Next time one of you is upset, try matching first, then slowing "
                "down.");
    return absl::OkStatus();
  });
  return e;
}

}  // namespace attune::practices
