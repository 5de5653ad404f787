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

// What a person sees when choosing an exercise. Every member has a default,
// so a designated initializer may leave out any of them (also under
// -Wextra).
struct ExerciseInfo {
  // a-z, 0-9 and '-', unique across plugins: "reflective-listening".
  std::string id = {};
  std::string title = {};
  // One or two sentences: what it is and why it helps.
  std::string summary = {};
  // About how long a session takes.
  int minutes = 10;
  ::attune::v1::ExerciseMode mode = ::attune::v1::EXERCISE_MODE_PAIR;
  std::vector<std::string> tags = {};
  // Record kinds its sessions write, among the plugin's permissions (see
  // Outcome); {} for none. Unset: every permission of the plugin. Listing
  // them lets a person revoke one kind and keep the exercises that do not
  // need it.
  std::optional<std::vector<std::string>> writes = std::nullopt;
  // Settings a person may choose when starting (`--option KEY=VALUE`), made
  // with IntegerOption and ChoiceOption. The daemon refuses any other key and
  // any value an option does not allow, and always sends every option listed
  // here (the default when the person chose none), so Session::Option finds
  // them.
  std::vector<::attune::v1::ExerciseOption> options = {};
};

// A whole-number option from `min` to `max`: IntegerOption("turn_seconds",
// "how long each of you talks", 120, 10, 900, "seconds").
::attune::v1::ExerciseOption IntegerOption(const std::string& key, const std::string& description,
                                           int default_value, int min, int max,
                                           const std::string& unit = "");
// An option that is one of a few words: ChoiceOption("new_plan", "start a new
// plan", {"no", "yes"}, "no").
::attune::v1::ExerciseOption ChoiceOption(const std::string& key, const std::string& description,
                                          const std::vector<std::string>& values,
                                          const std::string& default_value);
// An option that is any one line of text (at most 64 characters).
::attune::v1::ExerciseOption TextOption(const std::string& key, const std::string& description,
                                        const std::string& default_value = "");

// A length of time as it reads in a sentence: "ten minutes", "two
// minutes", "45 seconds", "about 12 minutes". Use it where a text names the
// length an option chose.
std::string SpokenDuration(int seconds);

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
