// Repair after a breach of trust: the hurt partner is heard; the partner
// who broke trust acknowledges it, apologises sincerely, takes
// responsibility, and commits to repeated, checkable, trustworthy actions.
// Each part is its own step, so none is skipped.
#include <string>

#include "plugins/challenges/exercises.h"

namespace attune::challenges {

using namespace attune::plugin;  // NOLINT: the SDK's vocabulary

namespace {

bool Repairing(const Session& s) { return s.Choice("who") == "second"; }
Person Mender(const Session& s) { return Repairing(s) ? kSecond : kFirst; }
Person Hurt(const Session& s) { return Repairing(s) ? kFirst : kSecond; }
std::string MenderName(const Session& s) { return Repairing(s) ? "{second}" : "{first}"; }
std::string HurtName(const Session& s) { return Repairing(s) ? "{first}" : "{second}"; }
bool Going(const Session& s) { return s.Choice("go") == "yes"; }

StepFn IfGoing(std::function<::attune::v1::Step(const Session&)> make) {
  return [make](const Session& s) -> std::optional<::attune::v1::Step> {
    if (!Going(s)) return std::nullopt;
    return make(s);
  };
}

std::string Review(const Session& s) {
  const auto* step = s.StepOf("review");
  if (step == nullptr) return "";
  for (const auto& c : step->choice_input().choices()) {
    if (c.key() == s.Choice("review")) return c.label();
  }
  return "";
}

}  // namespace

Exercise Repair() {
  Exercise e({.id = "repair",
              .title = "Repair after a breach of trust",
              .summary = "A guided conversation for rebuilding trust: being heard, "
                         "acknowledgment, a sincere apology, accountability, and the repeated "
                         "actions that earn trust back.",
              .minutes = 40,
              .mode = ::attune::v1::EXERCISE_MODE_PAIR,
              .tags = {"repair", "trust", "hard conversations"},
              .writes = std::vector<std::string>{"journal_entry"}});
  e.Add(Prompt("safety", "Before anything else",
               "Repair is slow and needs both of you to feel safe. If this is about abuse, or "
               "either of you feels unsafe or overwhelmed, stop here and look for a "
               "counsellor or therapist — that is a strong choice, not a failure. Otherwise: "
               "one of you was hurt, and one of you is here to repair."));
  e.Add(ChoiceInput("who", "Who is repairing?", "Who broke the trust and is here to repair it?",
                    {{"first", "{first}"}, {"second", "{second}"}})
            .For(kBoth));
  e.Add([](const Session& s) -> std::optional<::attune::v1::Step> {
    return ChoiceInput("go", "Ready?",
                       HurtName(s) + ", do you want to go ahead with this conversation today?",
                       {{"yes", "Yes, today"}, {"not-yet", "Not yet"}})
        .For(Hurt(s))
        .step();
  });
  e.Add(IfGoing([](const Session& s) {
    return TimedTurn("impact", HurtName(s) + " is heard",
                     HurtName(s) +
                         ", say what happened from your side and how it affected "
                         "you — then and since. " +
                         MenderName(s) + ", listen. Don't defend, correct details or explain yet.",
                     Hurt(s), Mender(s), 300)
        .step();
  }));
  e.Add(IfGoing([](const Session& s) {
    return Prompt("acknowledge", "Acknowledge",
                  MenderName(s) + ", name what you did and what it did to " + HurtName(s) +
                      ", in your own words and without “but”: “I … and it left you feeling "
                      "…”.")
        .For(Mender(s))
        .Aloud()
        .step();
  }));
  e.Add(IfGoing([](const Session& s) {
    return RatingInput("acknowledged", "Did that land?",
                       HurtName(s) + ", how fully did that acknowledge what happened to you?",
                       "not at all", "completely")
        .For(Hurt(s))
        .step();
  }));
  e.Add([](const Session& s) -> std::optional<::attune::v1::Step> {
    if (!Going(s) || s.Rating("acknowledged") >= 4 || !s.Answered("acknowledged")) {
      return std::nullopt;
    }
    return Prompt("acknowledge-again", "What was missing",
                  HurtName(s) + ", say what was missing. " + MenderName(s) +
                      ", acknowledge that part too, in your words.")
        .For(kBoth)
        .Aloud()
        .step();
  });
  e.Add(IfGoing([](const Session& s) {
    return TextInput("apology", "Apologise",
                     MenderName(s) +
                         ", write your apology: what exactly you are sorry for. "
                         "No conditions, no “if you felt…”.")
        .For(Mender(s))
        .Required()
        .MaxChars(1000)
        .step();
  }));
  e.Add(IfGoing([](const Session& s) {
    return Prompt("apology-said", "Say it",
                  MenderName(s) + ", look at " + HurtName(s) + " and say it: “" +
                      s.Text("apology") + "”")
        .For(Mender(s))
        .Aloud()
        .step();
  }));
  e.Add(IfGoing([](const Session& s) {
    return TextInput("accountability", "Take responsibility",
                     MenderName(s) +
                         ", what led you to it, and which part is yours to own? "
                         "Explain without excusing.")
        .For(Mender(s))
        .Required()
        .MaxChars(1500)
        .step();
  }));
  e.Add(IfGoing([](const Session& s) {
    return TextInput("actions", "Trustworthy actions",
                     MenderName(s) +
                         ", which repeated actions will you commit to? Make them "
                         "concrete and checkable: what, how often, for how long.")
        .For(Mender(s))
        .Required()
        .MaxChars(1500)
        .Placeholder(
            "Tell you my plans for the evening before 6 pm, every day, for the next "
            "three months")
        .step();
  }));
  e.Add(IfGoing([](const Session& s) {
    return TextInput("needs", "What else would help",
                     HurtName(s) + ", what else would help you trust again? (optional)")
        .For(Hurt(s))
        .MaxChars(1000)
        .step();
  }));
  e.Add(IfGoing([](const Session&) {
    return ChoiceInput(
               "review", "When to look again", "When will you sit down to review how it's going?",
               {{"week", "In a week"}, {"two-weeks", "In two weeks"}, {"month", "In a month"}})
        .For(kBoth)
        .step();
  }));
  e.Add(IfGoing([](const Session&) {
    return Prompt("close", "Close gently",
                  "Trust comes back through kept commitments over time, not through one "
                  "conversation. Thank each other for staying with something hard; do "
                  "something calm together now.")
        .For(kBoth)
        .step();
  }));
  e.OnFinish([](const Session& s, Outcome& out) {
    if (!Going(s)) {
      out.Summary(
          "Not yet — that's allowed. Come back to it when the hurt partner is ready; "
          "consider a counsellor if it keeps feeling too hard.");
      return absl::OkStatus();
    }
    std::string mender = WithNames(MenderName(s), s.first_name(), s.second_name());
    auto& j = out.AddJournalEntry();
    j.set_title("Repair commitments");
    std::string body = "Apology: " + s.Text("apology") +
                       "\n\nResponsibility: " + s.Text("accountability") +
                       "\n\nCommitted actions (" + mender + "): " + s.Text("actions");
    if (!s.Text("needs").empty()) body += "\n\nWhat else would help: " + s.Text("needs");
    body += "\n\nReview: " + Review(s) + ".";
    j.set_body(body);
    j.set_visibility(::attune::v1::VISIBILITY_SHARED);
    out.Summary("The commitments are in your shared journal. Review: " + Review(s) +
                ". Acknowledgment felt " + std::to_string(s.Rating("acknowledged")) +
                " of 5 complete.");
    return absl::OkStatus();
  });
  return e;
}

}  // namespace attune::challenges
