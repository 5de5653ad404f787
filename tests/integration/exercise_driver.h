// Runs exercise sessions through the daemon's ExerciseService the way a
// client would, answering each step with a scripted answer.
#ifndef ATTUNE_TESTS_INTEGRATION_EXERCISE_DRIVER_H_
#define ATTUNE_TESTS_INTEGRATION_EXERCISE_DRIVER_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "attune/v1/api.grpc.pb.h"

namespace attune::testing {

class ExerciseDriver {
 public:
  // `labels` are vocabulary labels used for emotion inputs.
  ExerciseDriver(std::shared_ptr<grpc::Channel> channel, std::vector<std::string> labels);

  v1::ExerciseService::Stub& exercises() { return *exercises_; }
  v1::PluginService::Stub& plugins() { return *plugins_; }

  // The scripted answer to a step: done for prompts, turns and switches
  // (with elapsed = the turn's seconds); "answer to KEY" for text; the first
  // min(max(1, min_choices)) choices; the first labels with intensity 3; a
  // rating of 4. `overrides` (by step key) win.
  v1::Answer AutoAnswer(const v1::Step& step) const;
  std::map<std::string, v1::Answer> overrides;

  struct Run {
    grpc::Status status;          // of the call that failed, or OK
    v1::LiveSession last;         // the last session state received
    std::vector<v1::Step> steps;  // every step shown
  };
  // Starts a session and answers every step until it finishes or a call
  // fails (at most 600 steps).
  Run RunSession(const v1::StartSessionRequest& request);
  Run RunSession(const std::string& exercise);
  // Answers every step of a started session, from `at`, as RunSession does.
  Run Continue(const v1::LiveSession& at);

  grpc::Status Start(const v1::StartSessionRequest& request, v1::LiveSession* out);
  grpc::Status Answer(const std::string& session, const v1::Answer& answer, v1::LiveSession* out,
                      const std::string& step_key = "");
  // Every plugin as ListPlugins reports it, and one by id (empty if none).
  std::vector<v1::PluginInfo> Plugins();
  v1::PluginInfo Plugin(const std::string& id);
  // Every finished session, newest first.
  std::vector<v1::ExerciseSession> Sessions(const std::string& exercise = "");

 private:
  std::unique_ptr<v1::ExerciseService::Stub> exercises_;
  std::unique_ptr<v1::PluginService::Stub> plugins_;
  std::vector<std::string> labels_;
};

// A: "done" answer, a text answer, a rating answer, a choice answer.
v1::Answer Done();
v1::Answer Text(const std::string& text);
v1::Answer Rating(int rating);
v1::Answer Choose(const std::vector<std::string>& keys);

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_INTEGRATION_EXERCISE_DRIVER_H_
