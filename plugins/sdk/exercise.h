// An exercise as a script: an ordered list of steps, some fixed and some
// computed from the session so far, and what to do at the end.
//
// The daemon sends the whole transcript with every call, so a plugin keeps no
// state: the next step is the first step of the script that applies and has
// not been answered yet; when none is left the session is complete.
#ifndef ATTUNE_PLUGINS_SDK_EXERCISE_H_
#define ATTUNE_PLUGINS_SDK_EXERCISE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "attune/plugin/v1/plugin.pb.h"
#include "plugins/sdk/outcome.h"
#include "plugins/sdk/session.h"
#include "plugins/sdk/steps.h"

namespace attune::plugin {

// What a person sees when choosing an exercise.
struct ExerciseInfo {
  // a-z, 0-9 and '-', unique across plugins: "reflective-listening".
  std::string id;
  std::string title;
  // One or two sentences: what it is and why it helps.
  std::string summary;
  // About how long a session takes.
  int minutes = 10;
  ::attune::v1::ExerciseMode mode = ::attune::v1::PAIR;
  std::vector<std::string> tags;
  // Record kinds its sessions write, among the plugin's permissions (see
  // Outcome); {} for none. Unset: every permission of the plugin. Listing
  // them lets a person revoke one kind and keep the exercises that do not
  // need it.
  std::optional<std::vector<std::string>> writes;
};

// A step computed from the session so far; nullopt skips it.
using StepFn = std::function<std::optional<::attune::v1::Step>(const Session&)>;
// Fills the outcome of a complete session. An error is reported to the
// daemon and ends the session without storing anything.
using FinishFn = std::function<absl::Status(const Session&, Outcome&)>;

class Exercise {
 public:
  explicit Exercise(ExerciseInfo info);

  // A step shown in every session.
  Exercise& Add(::attune::v1::Step step);
  // A step that depends on the session (names, earlier answers, options,
  // history); its key must not depend on later answers.
  Exercise& Add(StepFn step);
  // What to store and say at the end (by default: nothing but the session).
  Exercise& OnFinish(FinishFn finish);

  const ExerciseInfo& info() const { return info_; }
  ::attune::v1::Exercise Describe() const;
  // The next step, with names filled in; nullopt when the session is done.
  std::optional<::attune::v1::Step> Next(const Session& session) const;
  absl::StatusOr<v1::FinishResponse> Finish(const Session& session) const;

 private:
  ExerciseInfo info_;
  std::vector<StepFn> script_;
  FinishFn finish_;
};

}  // namespace attune::plugin

#endif  // ATTUNE_PLUGINS_SDK_EXERCISE_H_
