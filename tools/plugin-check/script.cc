#include "tools/plugin-check/script.h"

#include <algorithm>
#include <string>

namespace attune {

v1::Answer ScriptedAnswer(const v1::Step& step, const v1::ListEmotionsResponse& vocabulary) {
  v1::Answer a;
  switch (step.kind_case()) {
    case v1::Step::kTimedTurn:
      a.set_elapsed_seconds(step.timed_turn().seconds());
      a.set_done(true);
      break;
    case v1::Step::kTextInput: {
      std::string text = "A scripted answer from plugin-check.";
      int max = step.text_input().max_chars();
      if (max > 0 && static_cast<int>(text.size()) > max) text.resize(static_cast<size_t>(max));
      a.set_text(text);
      break;
    }
    case v1::Step::kChoiceInput: {
      int n = std::max(1, step.choice_input().min_choices());
      for (int i = 0; i < n && i < step.choice_input().choices_size(); ++i) {
        a.mutable_choices()->add_keys(step.choice_input().choices(i).key());
      }
      break;
    }
    case v1::Step::kEmotionInput: {
      int n = std::max(1, step.emotion_input().min_labels());
      for (const auto& family : vocabulary.families()) {
        for (const auto& label : family.labels()) {
          if (a.emotions().emotions_size() >= n) break;
          auto* l = a.mutable_emotions()->add_emotions();
          l->set_label(label);
          l->set_intensity(3);
        }
      }
      break;
    }
    case v1::Step::kRatingInput:
      a.set_rating(4);
      break;
    default:
      a.set_done(true);
  }
  return a;
}

}  // namespace attune
