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
  return e;
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
