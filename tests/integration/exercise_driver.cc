#include "exercise_driver.h"

#include <algorithm>

#include "daemon_harness.h"

namespace attune::testing {

v1::Answer Done() {
  v1::Answer a;
  a.set_done(true);
  return a;
}

v1::Answer Text(const std::string& text) {
  v1::Answer a;
  a.set_text(text);
  return a;
}

v1::Answer Rating(int rating) {
  v1::Answer a;
  a.set_rating(rating);
  return a;
}

v1::Answer Choose(const std::vector<std::string>& keys) {
  v1::Answer a;
  for (const auto& k : keys) a.mutable_choices()->add_keys(k);
  return a;
}

ExerciseDriver::ExerciseDriver(std::shared_ptr<grpc::Channel> channel,
                               std::vector<std::string> labels)
    : exercises_(v1::ExerciseService::NewStub(channel)),
      plugins_(v1::PluginService::NewStub(channel)),
      labels_(std::move(labels)) {}

v1::Answer ExerciseDriver::AutoAnswer(const v1::Step& step) const {
  if (auto it = overrides.find(step.key()); it != overrides.end()) return it->second;
  v1::Answer a;
  switch (step.kind_case()) {
    case v1::Step::kTimedTurn:
      a.set_elapsed_seconds(step.timed_turn().seconds());
      a.set_done(true);
      break;
    case v1::Step::kTextInput:
      a.set_text("answer to " + step.key());
      break;
    case v1::Step::kChoiceInput: {
      int n = std::max(1, step.choice_input().min_choices());
      for (int i = 0; i < n && i < step.choice_input().choices_size(); ++i) {
        a.mutable_choices()->add_keys(step.choice_input().choices(i).key());
      }
      break;
    }
    case v1::Step::kEmotionInput: {
      int n = std::max(1, step.emotion_input().min_labels());
      for (int i = 0; i < n && i < static_cast<int>(labels_.size()); ++i) {
        auto* l = a.mutable_emotions()->add_emotions();
        l->set_label(labels_[i]);
        l->set_intensity(3);
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

grpc::Status ExerciseDriver::Start(const v1::StartSessionRequest& request, v1::LiveSession* out) {
  return exercises_->StartSession(DaemonHarness::Context().get(), request, out);
}

grpc::Status ExerciseDriver::Answer(const std::string& session, const v1::Answer& answer,
                                    v1::LiveSession* out, const std::string& step_key) {
  v1::AnswerStepRequest r;
  r.set_session(session);
  *r.mutable_answer() = answer;
  r.set_step_key(step_key);
  return exercises_->AnswerStep(DaemonHarness::Context().get(), r, out);
}

ExerciseDriver::Run ExerciseDriver::RunSession(const v1::StartSessionRequest& request) {
  v1::LiveSession started;
  grpc::Status s = Start(request, &started);
  if (!s.ok()) return {s, started, {}};
  return Continue(started);
}

ExerciseDriver::Run ExerciseDriver::Continue(const v1::LiveSession& at) {
  Run run;
  run.last = at;
  for (int i = 0; run.status.ok() && !run.last.finished() && i < 600; ++i) {
    run.steps.push_back(run.last.step());
    v1::LiveSession next;
    run.status = Answer(run.last.name(), AutoAnswer(run.last.step()), &next, run.last.step().key());
    if (run.status.ok()) run.last = next;
  }
  return run;
}

ExerciseDriver::Run ExerciseDriver::RunSession(const std::string& exercise) {
  v1::StartSessionRequest r;
  r.set_exercise(exercise);
  r.set_partner_name("Sam");
  return RunSession(r);
}

std::vector<v1::PluginInfo> ExerciseDriver::Plugins() {
  v1::ListPluginsResponse resp;
  grpc::Status s =
      plugins_->ListPlugins(DaemonHarness::Context().get(), v1::ListPluginsRequest(), &resp);
  EXPECT_TRUE(s.ok()) << Describe(s);
  return {resp.plugins().begin(), resp.plugins().end()};
}

v1::PluginInfo ExerciseDriver::Plugin(const std::string& id) {
  for (auto& p : Plugins()) {
    if (p.id() == id) return p;
  }
  return {};
}

std::vector<v1::ExerciseSession> ExerciseDriver::Sessions(const std::string& exercise) {
  std::vector<v1::ExerciseSession> out;
  v1::ListExerciseSessionsRequest r;
  r.set_exercise(exercise);
  r.set_page_size(1000);
  v1::ListExerciseSessionsResponse resp;
  grpc::Status s = exercises_->ListExerciseSessions(DaemonHarness::Context().get(), r, &resp);
  EXPECT_TRUE(s.ok()) << Describe(s);
  out.assign(resp.sessions().begin(), resp.sessions().end());
  return out;
}

}  // namespace attune::testing
