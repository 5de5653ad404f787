// attune-curiosity: shared curiosity questions from a deck that never
// repeats a question before every question has been asked.
//
// Which questions were asked travels with the finished sessions (their
// used_items), which the daemon passes back in every session's history; so
// both partners' devices, after syncing, avoid the same questions.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>

#include "plugins/curiosity/deck.h"
#include "plugins/sdk/sdk.h"

namespace ap = attune::plugin;
namespace av1 = attune::v1;
using attune::curiosity::Question;

namespace {

// How many times each question was asked in earlier sessions.
std::map<std::string, int> TimesAsked(const ap::Session& s) {
  std::map<std::string, int> out;
  for (const auto& past : s.context().history()) {
    for (const auto& id : past.used_items()) out[id]++;
  }
  return out;
}

constexpr char kQuestions[] = "questions";
constexpr int kDefaultQuestions = 3, kMostQuestions = 10;

std::vector<Question> Questions(const ap::Session& s) {
  int count = s.OptionInt(kQuestions, kDefaultQuestions, 1, kMostQuestions);
  return attune::curiosity::Draw(TimesAsked(s), s.seed(), count);
}

ap::Exercise SharedCuriosity() {
  ap::Exercise e(
      {.id = "shared-curiosity",
       .title = "Shared curiosity questions",
       .summary = "Take turns asking open-ended questions from a deck of over a "
                  "hundred, on a walk or over a meal. No question comes back until "
                  "you have had them all.",
       .minutes = 15,
       .mode = av1::EXERCISE_MODE_PAIR,
       .tags = {"curiosity", "conversation", "fun"},
       .writes = std::vector<std::string>{},
       .options = {ap::IntegerOption(kQuestions, "how many questions to ask", kDefaultQuestions, 1,
                                     kMostQuestions, "questions")}});
  e.Add(ap::Prompt("how", "Be curious",
                   "Take turns: one asks, the other answers, and the one who asked follows up "
                   "once with “tell me more” or “how did that feel?”. Listen for the story, "
                   "not for your reply. There are no wrong answers, and it's fine to pass."));
  for (int i = 0; i < kMostQuestions; ++i) {
    std::string n = std::to_string(i + 1);
    e.Add([i, n](const ap::Session& s) -> std::optional<av1::Step> {
      auto questions = Questions(s);
      if (i >= static_cast<int>(questions.size())) return std::nullopt;
      bool first_asks = i % 2 == 0;
      std::string asker = first_asks ? "{first}" : "{second}";
      std::string answerer = first_asks ? "{second}" : "{first}";
      return ap::Prompt("question-" + n,
                        "Question " + n + " of " + std::to_string(questions.size()),
                        asker + " asks " + answerer + ": “" + questions[i].text + "”")
          .For(first_asks ? ap::kFirst : ap::kSecond)
          .Aloud()
          .step();
    });
    e.Add([i, n](const ap::Session& s) -> std::optional<av1::Step> {
      if (i >= static_cast<int>(Questions(s).size())) return std::nullopt;
      return ap::TextInput("remember-" + n, "Worth remembering?",
                           "Anything from that answer you want to remember? (optional)")
          .MaxChars(500)
          .step();
    });
  }
  e.Add(ap::TextInput("surprised", "What surprised you",
                      "What surprised you about each other today? (optional)")
            .For(ap::kBoth));
  e.OnFinish([](const ap::Session& s, ap::Outcome& out) {
    auto questions = Questions(s);
    for (const auto& q : questions) out.UsedItem(q.id);
    auto asked = TimesAsked(s);
    for (const auto& q : questions) asked[q.id]++;
    int least = INT32_MAX;
    int at_least = 0;
    for (const auto& q : attune::curiosity::Deck()) least = std::min(least, asked[q.id]);
    for (const auto& q : attune::curiosity::Deck()) at_least += asked[q.id] > least ? 1 : 0;
    int left = static_cast<int>(attune::curiosity::Deck().size()) - at_least;
    if (at_least == 0) left = static_cast<int>(attune::curiosity::Deck().size());
    out.Summary(std::to_string(questions.size()) + " questions asked. " + std::to_string(left) +
                " questions are still waiting in this round of the deck.");
    return absl::OkStatus();
  });
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  return ap::Serve(argc, argv,
                   {.id = "curiosity",
                    .version = "1.0.0",
                    .description = "Shared curiosity: open-ended questions that never repeat "
                                   "until the whole deck has been asked.",
                    .permissions = {}},
                   {SharedCuriosity()});
}
