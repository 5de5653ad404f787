// What a plugin knows about a session when it is asked for the next step or
// for the outcome: the context the daemon sent (names, today, options, the
// feelings vocabulary, earlier sessions, the plugin's own records) and the
// answers given so far, looked up by step key.
#ifndef ATTUNE_PLUGINS_SDK_SESSION_H_
#define ATTUNE_PLUGINS_SDK_SESSION_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "attune/plugin/v1/plugin.pb.h"

namespace attune::plugin {

class Session {
 public:
  // Both must outlive the Session.
  Session(const v1::SessionContext& context,
          const google::protobuf::RepeatedPtrField<v1::Exchange>& transcript);

  const v1::SessionContext& context() const { return context_; }
  const std::string& exercise() const { return context_.exercise(); }
  // The person who started the session, and their partner ("your partner"
  // when the partner was not named).
  const std::string& first_name() const { return context_.first_name(); }
  std::string second_name() const;
  // Whether the partner was named when the session started.
  bool partner_named() const { return !context_.second_name().empty(); }
  // Today, "YYYY-MM-DD".
  const std::string& today() const { return context_.today(); }
  // Fixed for the session: base random choices on it.
  uint64_t seed() const { return context_.seed(); }

  // An option of the session: the value the person chose, else the default
  // the exercise lists (ExerciseInfo.options; the daemon sends both, checked).
  // `fallback` is only for a key the exercise does not list, or a session
  // context made by hand (a test).
  std::string Option(const std::string& key, const std::string& fallback) const;
  // A whole-number option within [lo, hi], or `fallback` when missing or
  // not such a number.
  int OptionInt(const std::string& key, int fallback, int lo, int hi) const;

  // Whether the step with `key` was answered, and the answer.
  bool Answered(const std::string& key) const;
  const ::attune::v1::Answer* AnswerTo(const std::string& key) const;
  // The step as it was shown.
  const ::attune::v1::Step* StepOf(const std::string& key) const;
  // Typed answers; empty, 0 or {} when not answered.
  std::string Text(const std::string& key) const;
  int Rating(const std::string& key) const;
  std::vector<std::string> Choices(const std::string& key) const;
  // The first picked choice.
  std::string Choice(const std::string& key) const;
  std::vector<::attune::v1::EmotionLabel> Emotions(const std::string& key) const;
  // Seconds a timed turn took, as reported.
  int Elapsed(const std::string& key) const;
  // How many steps were answered.
  int answered_count() const { return transcript_.size(); }

  // Every item earlier sessions of this exercise reported using.
  std::set<std::string> UsedItems() const;
  // How many earlier sessions of this exercise were finished.
  int past_sessions() const { return context_.history_size(); }
  // The plugin's own record stored under `key`, or null.
  const ::attune::v1::PluginRecord* Record(const std::string& key) const;
  // Every feeling label of the vocabulary, in its order.
  std::vector<std::string> FeelingLabels() const;

 private:
  const v1::SessionContext& context_;
  const google::protobuf::RepeatedPtrField<v1::Exchange>& transcript_;
};

}  // namespace attune::plugin

#endif  // ATTUNE_PLUGINS_SDK_SESSION_H_
