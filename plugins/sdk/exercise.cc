#include "plugins/sdk/exercise.h"

namespace attune::plugin {

Exercise::Exercise(ExerciseInfo info) : info_(std::move(info)) {}

Exercise& Exercise::Add(::attune::v1::Step step) {
  script_.push_back([step](const Session&) { return std::optional<::attune::v1::Step>(step); });
  return *this;
}

Exercise& Exercise::Add(StepFn step) {
  script_.push_back(std::move(step));
  return *this;
}

Exercise& Exercise::OnFinish(FinishFn finish) {
  finish_ = std::move(finish);
  return *this;
}

::attune::v1::Exercise Exercise::Describe() const {
  ::attune::v1::Exercise e;
  e.set_id(info_.id);
  e.set_title(info_.title);
  e.set_summary(info_.summary);
  e.set_minutes(info_.minutes);
  e.set_mode(info_.mode);
  for (const auto& t : info_.tags) e.add_tags(t);
  if (info_.writes.has_value()) {
    auto* writes = e.mutable_writes();
    for (const auto& w : *info_.writes) writes->add_kinds(w);
  }
  for (const auto& o : info_.options) *e.add_options() = o;
  return e;
}

::attune::v1::ExerciseOption IntegerOption(const std::string& key, const std::string& description,
                                           int default_value, int min, int max,
                                           const std::string& unit) {
  ::attune::v1::ExerciseOption o;
  o.set_key(key);
  o.set_description(description);
  o.mutable_integer()->set_min(min);
  o.mutable_integer()->set_max(max);
  o.mutable_integer()->set_unit(unit);
  o.set_default_value(std::to_string(default_value));
  return o;
}

::attune::v1::ExerciseOption ChoiceOption(const std::string& key, const std::string& description,
                                          const std::vector<std::string>& values,
                                          const std::string& default_value) {
  ::attune::v1::ExerciseOption o;
  o.set_key(key);
  o.set_description(description);
  for (const auto& v : values) o.mutable_choice()->add_values(v);
  o.set_default_value(default_value);
  return o;
}

::attune::v1::ExerciseOption TextOption(const std::string& key, const std::string& description,
                                        const std::string& default_value) {
  ::attune::v1::ExerciseOption o;
  o.set_key(key);
  o.set_description(description);
  o.mutable_text();
  o.set_default_value(default_value);
  return o;
}

namespace {

// Small numbers read better as words.
std::string Number(int n) {
  static const char* const kWords[] = {
      "zero",     "one",     "two",     "three",     "four",     "five",     "six",
      "seven",    "eight",   "nine",    "ten",       "eleven",   "twelve",   "thirteen",
      "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"};
  return n >= 0 && n <= 20 ? kWords[n] : std::to_string(n);
}

}  // namespace

std::string SpokenDuration(int seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds % 60 == 0 && seconds > 0) {
    int minutes = seconds / 60;
    return Number(minutes) + (minutes == 1 ? " minute" : " minutes");
  }
  if (seconds < 120) return Number(seconds) + (seconds == 1 ? " second" : " seconds");
  return "about " + Number((seconds + 30) / 60) + " minutes";
}

std::optional<::attune::v1::Step> Exercise::Next(const Session& session) const {
  for (const StepFn& make : script_) {
    std::optional<::attune::v1::Step> step = make(session);
    if (!step.has_value() || session.Answered(step->key())) continue;
    return StepWithNames(*std::move(step), session.first_name(), session.second_name());
  }
  return std::nullopt;
}

absl::StatusOr<v1::FinishResponse> Exercise::Finish(const Session& session) const {
  Outcome outcome;
  if (finish_) {
    if (auto s = finish_(session, outcome); !s.ok()) return s;
  }
  v1::FinishResponse response = outcome.response();
  response.set_summary(WithNames(response.summary(), session.first_name(), session.second_name()));
  return response;
}

}  // namespace attune::plugin
