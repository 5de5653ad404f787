// What connection means to each of us: people want different kinds and
// amounts of closeness, and unspoken differences feel like rejection. Each
// partner answers the same questions; the answers are then laid side by side
// and one difference becomes a concrete agreement.
#include <string>
#include <utility>
#include <vector>

#include "plugins/challenges/exercises.h"

namespace attune::challenges {

using namespace attune::plugin;  // NOLINT: the SDK's vocabulary

namespace {

using Choices = std::vector<std::pair<std::string, std::string>>;

struct Question {
  std::string key;
  std::string title;
  std::string question;
  Choices choices;  // empty: a 1–5 rating
  int max = 1;
  std::string low, high;  // rating labels
};

const std::vector<Question>& Questions() {
  static const auto* qs = new std::vector<Question>{
      {"loved",
       "Feeling loved",
       "I feel most loved when my partner…",
       {{"time", "spends unhurried time with me"},
        {"words", "tells me what they value in me"},
        {"help", "takes something off my plate"},
        {"touch", "holds me, or touches me in passing"},
        {"thought", "surprises me with something thoughtful"}},
       2,
       "",
       ""},
      {"hard-day",
       "After a hard day",
       "After a hard day I most want…",
       {{"talk", "to talk it through"},
        {"company", "quiet company, no questions"},
        {"distract", "something fun to take my mind off it"},
        {"alone", "a little time alone first"},
        {"practical", "practical help with what's left to do"}},
       1,
       "",
       ""},
      {"together",
       "Time together",
       "In a normal week, the time together I'd love is…",
       {{"hour", "an hour or so of real attention"},
        {"few", "a few evenings"},
        {"most", "most evenings"},
        {"all", "nearly all our free time"}},
       1,
       "",
       ""},
      {"detail",
       "Sharing the day",
       "How much do you want to hear about each other's day?",
       {},
       1,
       "just the headlines",
       "every detail"},
      {"conflict",
       "When we disagree",
       "When we disagree, I'd like us to…",
       {{"now", "talk it out straight away"},
        {"pause", "pause and come back when calmer"},
        {"write", "write our thoughts down first"},
        {"fix", "find a practical compromise quickly"}},
       1,
       "",
       ""},
      {"space",
       "Time apart",
       "How much time on your own, or with your own friends, do you need?",
       {},
       1,
       "hardly any",
       "a lot"},
  };
  return *qs;
}

std::string Key(const Question& q, const std::string& who) { return q.key + "-" + who; }

// The answer in words.
std::string Said(const Session& s, const Question& q, const std::string& who) {
  if (q.choices.empty()) return std::to_string(s.Rating(Key(q, who))) + " of 5";
  std::string out;
  for (const auto& k : s.Choices(Key(q, who))) {
    for (const auto& [ck, label] : q.choices) {
      if (ck == k) out += (out.empty() ? "" : "; ") + label;
    }
  }
  return out;
}

bool Same(const Session& s, const Question& q) {
  if (q.choices.empty()) {
    int a = s.Rating(Key(q, "first")), b = s.Rating(Key(q, "second"));
    return a - b <= 1 && b - a <= 1;
  }
  for (const auto& k : s.Choices(Key(q, "first"))) {
    for (const auto& o : s.Choices(Key(q, "second"))) {
      if (k == o) return true;
    }
  }
  return false;
}

std::string SideBySide(const Session& s) {
  std::string out;
  for (const auto& q : Questions()) {
    out += q.title + (Same(s, q) ? " (close)" : " (different)") + ":\n  " + s.first_name() + ": " +
           Said(s, q, "first") + "\n  " + s.second_name() + ": " + Said(s, q, "second") + "\n";
  }
  out += "Closeness the other may not know about:\n  " + s.first_name() + ": " +
         s.Text("unknown-first") + "\n  " + s.second_name() + ": " + s.Text("unknown-second");
  return out;
}

void AddAnswers(Exercise& e, const std::string& who, Person person, const std::string& name) {
  e.Add(Prompt("turn-" + who, name + "'s answers",
               name + ", your turn with the screen. Answer for yourself, not for what you "
                      "think is expected. The other looks away for now.")
            .For(person));
  for (const auto& q : Questions()) {
    if (q.choices.empty()) {
      e.Add(RatingInput(Key(q, who), q.title, q.question, q.low, q.high).For(person));
    } else {
      e.Add(ChoiceInput(Key(q, who), q.title,
                        q.question + (q.max > 1 ? " (up to " + std::to_string(q.max) + ")" : ""),
                        q.choices)
                .For(person)
                .Pick(1, q.max));
    }
  }
  e.Add(TextInput("unknown-" + who, "Something they may not know",
                  "One thing that makes you feel close that your partner might not know:")
            .For(person)
            .Required()
            .MaxChars(500)
            .Placeholder("When you text me a photo of something that made you think of me"));
}

}  // namespace

Exercise ConnectionMeanings() {
  Exercise e({.id = "connection-meanings",
              .title = "What connection means to each of us",
              .summary = "Each of you answers the same questions about the closeness you want; "
                         "then you compare side by side and turn one difference into an "
                         "agreement.",
              .minutes = 20,
              .mode = ::attune::v1::EXERCISE_MODE_PAIR,
              .tags = {"expectations", "closeness", "conversation"},
              .writes = std::vector<std::string>{"journal_entry"}});
  e.Add(Prompt("why", "Different kinds of close",
               "Two people who love each other can still want different things from "
               "closeness: more words or more touch, more time together or more room. "
               "Differences aren't the problem; guessing is. Answer separately, then look at "
               "the answers together."));
  AddAnswers(e, "first", kFirst, "{first}");
  AddAnswers(e, "second", kSecond, "{second}");
  e.Add([](const Session& s) -> std::optional<::attune::v1::Step> {
    return Prompt("compare", "Side by side",
                  SideBySide(s) +
                      "\n\nRead it together. Where you're close, say so. Where you differ, "
                      "ask “what does that look like for you?” before explaining yourself.")
        .For(kBoth)
        .step();
  });
  e.Add(TextInput("agreement", "One agreement",
                  "Pick one difference. What will each of you do this week, concretely, to "
                  "honour the other's way?")
            .For(kBoth)
            .Required()
            .MaxChars(1000)
            .Placeholder("Ten minutes of talk after dinner for {first}; a quiet half hour "
                         "first for {second}."));
  e.OnFinish([](const Session& s, Outcome& out) {
    auto& j = out.AddJournalEntry();
    j.set_title("What connection means to each of us");
    j.set_body(SideBySide(s) + "\n\nOur agreement: " + s.Text("agreement"));
    j.set_visibility(::attune::v1::VISIBILITY_SHARED);
    int same = 0;
    for (const auto& q : Questions()) same += Same(s, q) ? 1 : 0;
    std::string agreement = s.Text("agreement");
    if (!agreement.empty() && agreement.back() != '.' && agreement.back() != '!') {
      agreement += ".";
    }
    out.Summary("You were close on " + std::to_string(same) + " of " +
                std::to_string(Questions().size()) + " questions. Agreement for this week: " +
                agreement + " The comparison is in your shared journal.");
    return absl::OkStatus();
  });
  return e;
}

}  // namespace attune::challenges
