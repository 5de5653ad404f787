// Building the steps of an exercise. Each function makes one kind of step;
// the returned builder refines it and turns into an attune.v1.Step.
//
// In titles, texts and labels, "{first}" and "{second}" are replaced by the
// names of the person who started the session and of their partner when the
// step is sent.
#ifndef ATTUNE_PLUGINS_SDK_STEPS_H_
#define ATTUNE_PLUGINS_SDK_STEPS_H_

#include <string>
#include <utility>
#include <vector>

#include "attune/v1/exercise.pb.h"

namespace attune::plugin {

using ::attune::v1::Person;
inline constexpr Person kFirst = ::attune::v1::PERSON_FIRST;
inline constexpr Person kSecond = ::attune::v1::PERSON_SECOND;
inline constexpr Person kBoth = ::attune::v1::PERSON_BOTH;

class StepBuilder {
 public:
  explicit StepBuilder(::attune::v1::Step step) : step_(std::move(step)) {}

  // Who the step is for.
  StepBuilder& For(Person who);
  // A prompt meant to be said aloud.
  StepBuilder& Aloud();
  // A text input that may not be left empty; its longest answer; an example.
  StepBuilder& Required();
  StepBuilder& MaxChars(int max_chars);
  StepBuilder& Placeholder(std::string example);
  // How many choices (or feelings) must and may be picked.
  StepBuilder& Pick(int min, int max);

  const ::attune::v1::Step& step() const { return step_; }
  operator ::attune::v1::Step() const { return step_; }  // NOLINT: builder

 private:
  ::attune::v1::Step step_;
};

// Something to read (or say, with Aloud()).
StepBuilder Prompt(std::string key, std::string title, std::string text);
// A timed turn: `speaker` talks for `seconds` while `listener` listens.
StepBuilder TimedTurn(std::string key, std::string title, std::string text, Person speaker,
                      Person listener, int seconds);
// The partners swap: `speaker` talks next, `listener` listens.
StepBuilder RoleSwitch(std::string key, std::string title, std::string text, Person speaker,
                       Person listener);
// A question answered in words (optional unless Required()).
StepBuilder TextInput(std::string key, std::string title, std::string question);
// A question answered by picking one (or, with Pick(), several) choices:
// {key, label} pairs.
StepBuilder ChoiceInput(std::string key, std::string title, std::string question,
                        const std::vector<std::pair<std::string, std::string>>& choices);
// Feelings from the vocabulary, with intensity (1 to 3 unless Pick()).
StepBuilder EmotionInput(std::string key, std::string title, std::string question);
// A rating from 1 to 5; what 1 and 5 mean.
StepBuilder RatingInput(std::string key, std::string title, std::string question,
                        std::string low_label, std::string high_label);

// `text` with "{first}" and "{second}" replaced.
std::string WithNames(const std::string& text, const std::string& first, const std::string& second);
// The step with names filled in everywhere a person reads.
::attune::v1::Step StepWithNames(::attune::v1::Step step, const std::string& first,
                                 const std::string& second);

}  // namespace attune::plugin

#endif  // ATTUNE_PLUGINS_SDK_STEPS_H_
