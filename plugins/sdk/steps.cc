#include "plugins/sdk/steps.h"

#include "common/step_names.h"

namespace attune::plugin {
namespace {

::attune::v1::Step Base(std::string key, std::string title, std::string text) {
  ::attune::v1::Step s;
  s.set_key(std::move(key));
  s.set_title(std::move(title));
  s.set_text(std::move(text));
  return s;
}

}  // namespace

StepBuilder& StepBuilder::For(Person who) {
  step_.set_who(who);
  return *this;
}

StepBuilder& StepBuilder::Aloud() {
  step_.mutable_prompt()->set_say_aloud(true);
  return *this;
}

StepBuilder& StepBuilder::Required() {
  step_.mutable_text_input()->set_required(true);
  return *this;
}

StepBuilder& StepBuilder::MaxChars(int max_chars) {
  step_.mutable_text_input()->set_max_chars(max_chars);
  return *this;
}

StepBuilder& StepBuilder::Placeholder(std::string example) {
  step_.mutable_text_input()->set_placeholder(std::move(example));
  return *this;
}

StepBuilder& StepBuilder::Pick(int min, int max) {
  if (step_.has_choice_input()) {
    step_.mutable_choice_input()->set_min_choices(min);
    step_.mutable_choice_input()->set_max_choices(max);
  } else if (step_.has_emotion_input()) {
    step_.mutable_emotion_input()->set_min_labels(min);
    step_.mutable_emotion_input()->set_max_labels(max);
  }
  return *this;
}

StepBuilder Prompt(std::string key, std::string title, std::string text) {
  auto s = Base(std::move(key), std::move(title), std::move(text));
  s.mutable_prompt();
  return StepBuilder(std::move(s));
}

StepBuilder TimedTurn(std::string key, std::string title, std::string text, Person speaker,
                      Person listener, int seconds) {
  auto s = Base(std::move(key), std::move(title), std::move(text));
  auto* t = s.mutable_timed_turn();
  t->set_speaker(speaker);
  t->set_listener(listener);
  t->set_seconds(seconds);
  s.set_who(speaker);
  return StepBuilder(std::move(s));
}

StepBuilder RoleSwitch(std::string key, std::string title, std::string text, Person speaker,
                       Person listener) {
  auto s = Base(std::move(key), std::move(title), std::move(text));
  s.mutable_role_switch()->set_speaker(speaker);
  s.mutable_role_switch()->set_listener(listener);
  s.set_who(::attune::v1::PERSON_BOTH);
  return StepBuilder(std::move(s));
}

StepBuilder TextInput(std::string key, std::string title, std::string question) {
  auto s = Base(std::move(key), std::move(title), std::move(question));
  s.mutable_text_input();
  return StepBuilder(std::move(s));
}

StepBuilder ChoiceInput(std::string key, std::string title, std::string question,
                        const std::vector<std::pair<std::string, std::string>>& choices) {
  auto s = Base(std::move(key), std::move(title), std::move(question));
  auto* c = s.mutable_choice_input();
  for (const auto& [k, label] : choices) {
    auto* choice = c->add_choices();
    choice->set_key(k);
    choice->set_label(label);
  }
  c->set_min_choices(1);
  c->set_max_choices(1);
  return StepBuilder(std::move(s));
}

StepBuilder EmotionInput(std::string key, std::string title, std::string question) {
  auto s = Base(std::move(key), std::move(title), std::move(question));
  s.mutable_emotion_input()->set_min_labels(1);
  s.mutable_emotion_input()->set_max_labels(3);
  return StepBuilder(std::move(s));
}

StepBuilder RatingInput(std::string key, std::string title, std::string question,
                        std::string low_label, std::string high_label) {
  auto s = Base(std::move(key), std::move(title), std::move(question));
  s.mutable_rating_input()->set_low_label(std::move(low_label));
  s.mutable_rating_input()->set_high_label(std::move(high_label));
  return StepBuilder(std::move(s));
}

std::string WithNames(const std::string& text, const std::string& first,
                      const std::string& second) {
  return ::attune::WithNames(text, first, second);
}

::attune::v1::Step StepWithNames(::attune::v1::Step step, const std::string& first,
                                 const std::string& second) {
  return ::attune::StepWithNames(std::move(step), first, second);
}

}  // namespace attune::plugin
