#include "daemon/plugins/step_check.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemon/records/validation.h"

namespace attune {
namespace {

constexpr size_t kMaxStepText = 4000;
constexpr int kMaxChoices = 50;
constexpr int kMaxTurnSeconds = 3600;

absl::Status Bad(const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

bool ValidPerson(v1::Person p) {
  return p == v1::PERSON_FIRST || p == v1::PERSON_SECOND || p == v1::PERSON_BOTH;
}

absl::Status CheckRoles(const std::string& field, v1::Person speaker, v1::Person listener) {
  if (!ValidPerson(speaker)) return Bad(field + ".speaker", "must be FIRST, SECOND or BOTH");
  if (listener != v1::PERSON_UNSPECIFIED && !ValidPerson(listener)) {
    return Bad(field + ".listener", "must be FIRST, SECOND, BOTH or unset");
  }
  if (listener != v1::PERSON_UNSPECIFIED && listener == speaker) {
    return Bad(field + ".listener", "must differ from the speaker");
  }
  return absl::OkStatus();
}

}  // namespace

bool IsValidKey(std::string_view key) {
  if (key.empty() || key.size() > 64) return false;
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
      return false;
    }
  }
  return true;
}

bool IsInput(const v1::Step& step) {
  switch (step.kind_case()) {
    case v1::Step::kTextInput:
    case v1::Step::kChoiceInput:
    case v1::Step::kEmotionInput:
    case v1::Step::kRatingInput:
      return true;
    default:
      return false;
  }
}

absl::Status CheckStep(v1::Step* step, const std::set<std::string>& used_keys) {
  if (!IsValidKey(step->key())) {
    return Bad("step.key", "must be 1 to 64 of a-z, 0-9, '-' and '_'");
  }
  if (used_keys.count(step->key()) != 0) {
    return Bad("step.key", absl::StrCat("\"", step->key(), "\" was already used in this session"));
  }
  if (auto s = CheckText("step.title", step->title(), kMaxTitleChars, false, TextLines::kOne);
      !s.ok())
    return s;
  if (auto s = CheckText("step.text", step->text(), kMaxStepText, false, TextLines::kMany); !s.ok())
    return s;
  if (CheckText("step.title", step->title(), kMaxTitleChars, true, TextLines::kOne).ok() == false &&
      CheckText("step.text", step->text(), kMaxStepText, true, TextLines::kMany).ok() == false) {
    return Bad("step.text", "a step needs a title or a text");
  }
  if (step->who() != v1::PERSON_UNSPECIFIED && !ValidPerson(step->who())) {
    return Bad("step.who", "must be FIRST, SECOND, BOTH or unset");
  }
  switch (step->kind_case()) {
    case v1::Step::kPrompt:
      return absl::OkStatus();
    case v1::Step::kTimedTurn: {
      const auto& t = step->timed_turn();
      if (t.seconds() < 1 || t.seconds() > kMaxTurnSeconds) {
        return Bad("step.timed_turn.seconds",
                   absl::StrCat(t.seconds(), " is not within 1 to ", kMaxTurnSeconds));
      }
      return CheckRoles("step.timed_turn", t.speaker(), t.listener());
    }
    case v1::Step::kRoleSwitch:
      return CheckRoles("step.role_switch", step->role_switch().speaker(),
                        step->role_switch().listener());
    case v1::Step::kTextInput: {
      auto* t = step->mutable_text_input();
      if (t->max_chars() == 0) t->set_max_chars(static_cast<int32_t>(kMaxShortTextChars));
      if (t->max_chars() < 1 || t->max_chars() > static_cast<int32_t>(kMaxShortTextChars)) {
        return Bad("step.text_input.max_chars", "must be 1 to 2000");
      }
      return CheckText("step.text_input.placeholder", t->placeholder(), kMaxTitleChars, false,
                       TextLines::kOne);
    }
    case v1::Step::kChoiceInput: {
      auto* c = step->mutable_choice_input();
      int n = c->choices_size();
      if (n < 1 || n > kMaxChoices) return Bad("step.choice_input.choices", "1 to 50 choices");
      std::set<std::string> keys;
      for (int i = 0; i < n; ++i) {
        std::string field = absl::StrCat("step.choice_input.choices[", i, "]");
        if (!IsValidKey(c->choices(i).key())) {
          return Bad(field + ".key", "must be 1 to 64 of a-z, 0-9, '-' and '_'");
        }
        if (!keys.insert(c->choices(i).key()).second) {
          return Bad(field + ".key", "is used twice");
        }
        if (auto s = CheckText(field + ".label", c->choices(i).label(), kMaxTitleChars, true,
                               TextLines::kOne);
            !s.ok()) {
          return s;
        }
      }
      if (c->max_choices() == 0) c->set_max_choices(1);
      if (c->min_choices() < 0 || c->min_choices() > c->max_choices() || c->max_choices() > n) {
        return Bad("step.choice_input.min_choices",
                   "need 0 <= min_choices <= max_choices <= number of choices");
      }
      return absl::OkStatus();
    }
    case v1::Step::kEmotionInput: {
      auto* e = step->mutable_emotion_input();
      if (e->max_labels() == 0) e->set_max_labels(3);
      if (e->max_labels() < 1 || e->max_labels() > kMaxEmotions) {
        return Bad("step.emotion_input.max_labels", "must be 1 to 10");
      }
      if (e->min_labels() < 0 || e->min_labels() > e->max_labels()) {
        return Bad("step.emotion_input.min_labels", "must be 0 to max_labels");
      }
      return absl::OkStatus();
    }
    case v1::Step::kRatingInput: {
      const auto& r = step->rating_input();
      if (auto s =
              CheckText("step.rating_input.low_label", r.low_label(), 100, false, TextLines::kOne);
          !s.ok()) {
        return s;
      }
      return CheckText("step.rating_input.high_label", r.high_label(), 100, false, TextLines::kOne);
    }
    case v1::Step::KIND_NOT_SET:
      break;
  }
  return Bad("step",
             "no kind is set (prompt, timed_turn, role_switch, text_input, "
             "choice_input, emotion_input or rating_input)");
}

absl::Status CheckAnswer(const v1::Step& step, v1::Answer* answer) {
  if (answer->elapsed_seconds() < 0 || answer->elapsed_seconds() > 86400) {
    return Bad("answer.elapsed_seconds", "must be 0 to 86400");
  }
  switch (step.kind_case()) {
    case v1::Step::kPrompt:
    case v1::Step::kTimedTurn:
    case v1::Step::kRoleSwitch:
      if (answer->value_case() != v1::Answer::kDone || !answer->done()) {
        return Bad("answer.done", "this step is answered with done = true");
      }
      return absl::OkStatus();
    case v1::Step::kTextInput: {
      if (answer->value_case() != v1::Answer::kText) {
        return Bad("answer.text", "this step is answered with text");
      }
      const auto& t = step.text_input();
      return CheckText("answer.text", answer->text(), static_cast<size_t>(t.max_chars()),
                       t.required(), TextLines::kMany);
    }
    case v1::Step::kChoiceInput: {
      if (answer->value_case() != v1::Answer::kChoices) {
        return Bad("answer.choices", "this step is answered with choices");
      }
      const auto& c = step.choice_input();
      std::set<std::string> picked;
      for (const auto& key : answer->choices().keys()) {
        bool known = std::any_of(c.choices().begin(), c.choices().end(),
                                 [&](const v1::Choice& ch) { return ch.key() == key; });
        if (!known) {
          std::vector<std::string> keys;
          for (const auto& ch : c.choices()) keys.push_back(ch.key());
          return Bad("answer.choices.keys",
                     absl::StrCat("\"", key.substr(0, 64), "\" is not a choice; choose from ",
                                  absl::StrJoin(keys, ", ")));
        }
        if (!picked.insert(key).second) {
          return Bad("answer.choices.keys", absl::StrCat("\"", key, "\" is picked twice"));
        }
      }
      int n = answer->choices().keys_size();
      if (n < c.min_choices() || n > c.max_choices()) {
        return Bad("answer.choices.keys",
                   c.min_choices() == c.max_choices()
                       ? absl::StrCat("pick exactly ", c.min_choices())
                       : absl::StrCat("pick ", c.min_choices(), " to ", c.max_choices()));
      }
      return absl::OkStatus();
    }
    case v1::Step::kEmotionInput: {
      if (answer->value_case() != v1::Answer::kEmotions) {
        return Bad("answer.emotions", "this step is answered with emotions");
      }
      auto* labels = answer->mutable_emotions()->mutable_emotions();
      if (auto s = CheckEmotions("answer.emotions", labels); !s.ok()) return s;
      const auto& e = step.emotion_input();
      if (labels->size() < e.min_labels() || labels->size() > e.max_labels()) {
        return Bad("answer.emotions",
                   absl::StrCat("name ", e.min_labels(), " to ", e.max_labels(), " feelings"));
      }
      return absl::OkStatus();
    }
    case v1::Step::kRatingInput:
      if (answer->value_case() != v1::Answer::kRating) {
        return Bad("answer.rating", "this step is answered with a rating");
      }
      return CheckRange("answer.rating", answer->rating(), 1, 5);
    case v1::Step::KIND_NOT_SET:
      break;
  }
  return absl::InternalError("the session's step has no kind");
}

std::string AnswerText(const v1::Step& step, const v1::Answer& answer) {
  switch (answer.value_case()) {
    case v1::Answer::kDone:
      return answer.elapsed_seconds() > 0
                 ? absl::StrCat("done after ", answer.elapsed_seconds(), " s")
                 : "done";
    case v1::Answer::kText:
      return answer.text();
    case v1::Answer::kChoices: {
      std::vector<std::string> labels;
      for (const auto& key : answer.choices().keys()) {
        for (const auto& c : step.choice_input().choices()) {
          if (c.key() == key) labels.push_back(c.label());
        }
      }
      return absl::StrJoin(labels, "; ");
    }
    case v1::Answer::kEmotions: {
      std::vector<std::string> parts;
      for (const auto& e : answer.emotions().emotions()) {
        parts.push_back(absl::StrCat(e.label(), " (", e.intensity(), ")"));
      }
      return absl::StrJoin(parts, ", ");
    }
    case v1::Answer::kRating:
      return absl::StrCat(answer.rating(), " of 5");
    case v1::Answer::VALUE_NOT_SET:
      break;
  }
  return "";
}

}  // namespace attune
