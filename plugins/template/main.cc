// A plugin to copy: one exercise, "Three good things", in a few dozen lines.
// See plugins/README.md, which walks through this file.
#include "plugins/sdk/sdk.h"

namespace ap = attune::plugin;
namespace av1 = attune::v1;

int main(int argc, char** argv) {
  // 1. What the exercise is, as people see it when choosing one.
  ap::Exercise three({.id = "three-good-things",
                      .title = "Three good things",
                      .summary = "Each of you names three good things from the week and what "
                                 "made them good; the list goes into your shared journal.",
                      .minutes = 10,
                      .mode = av1::EXERCISE_MODE_PAIR,
                      .tags = {"gratitude", "weekly"},
                      // What its sessions store (see Finish below): a person who
                      // revokes another kind from this plugin keeps this exercise.
                      .writes = std::vector<std::string>{"journal_entry"}});

  // 2. The steps, in order. "{first}" and "{second}" become the two names.
  three.Add(ap::Prompt("start", "Look back on the week",
                       "Think back over the last seven days. Small things count: a good "
                       "coffee, a kind word, a problem that went away."));
  three.Add(ap::TextInput("first-things", "{first}'s three good things",
                          "{first}, what were your three good things, and what made each good?")
                .For(ap::kFirst)
                .Required()
                .MaxChars(1000));
  three.Add(ap::TimedTurn("second-turn", "{second}'s turn",
                          "{second}, tell {first} your three good things. {first}, listen and "
                          "ask one curious question at the end.",
                          ap::kSecond, ap::kFirst, 120));
  // A step can depend on the session so far: here, on an earlier answer.
  three.Add([](const ap::Session& s) -> std::optional<av1::Step> {
    if (s.Text("first-things").size() < 20) return std::nullopt;  // skipped
    return ap::RatingInput("week", "The week", "Overall, how was the week for you?", "hard",
                           "wonderful")
        .For(ap::kFirst)
        .step();
  });

  // 3. What the finished session leaves behind.
  three.OnFinish([](const ap::Session& s, ap::Outcome& out) {
    auto& entry = out.AddJournalEntry();  // needs the "journal_entry" permission
    entry.set_title("Three good things");
    entry.set_body(s.first_name() + "'s three good things: " + s.Text("first-things"));
    entry.set_visibility(av1::VISIBILITY_SHARED);
    out.Summary("Kept in your shared journal. Same time next week?");
    return absl::OkStatus();
  });

  // 4. Who the plugin is, and what it may write. Serve() does the rest.
  return ap::Serve(argc, argv,
                   {.id = "three-good-things",
                    .version = "1.0.0",
                    .description = "A weekly gratitude exchange (the plugin template).",
                    .permissions = {"journal_entry"}},
                   {three});
}
