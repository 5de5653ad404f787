// What a finished session leaves behind: a closing summary, the content it
// used (so later sessions can avoid repeating it), and records for the
// daemon to store. A plugin may only return record kinds its manifest asks
// for (its `permissions`).
#ifndef ATTUNE_PLUGINS_SDK_OUTCOME_H_
#define ATTUNE_PLUGINS_SDK_OUTCOME_H_

#include <string>

#include "attune/plugin/v1/plugin.pb.h"

namespace attune::plugin {

class Outcome {
 public:
  // A few sentences shown at the end and stored with the session.
  void Summary(std::string text) { response_.set_summary(std::move(text)); }
  // An id of content used (a question's id), handed back in later sessions'
  // history (Session::UsedItems).
  void UsedItem(std::string id) { response_.add_used_items(std::move(id)); }

  // Adds a check-in for today (permission "check_in") to fill in: high, low,
  // connection_rating are required.
  ::attune::v1::CheckIn& AddCheckIn();
  // Adds a journal entry (permission "journal_entry"); PRIVATE unless its
  // visibility says SHARED.
  ::attune::v1::JournalEntry& AddJournalEntry();
  // Adds an appreciation for the partner (permission "appreciation"), SHARED
  // (unless the person started the session private).
  void AddAppreciation(std::string text, std::string recipient);
  // Sets the note of the progress logged on goals naming this exercise
  // (permission "goal_progress").
  void AddGoalProgress(std::string note);
  // Writes the plugin's own record under `key` (permission "plugin_record"),
  // handed back in later sessions (Session::Record).
  void SetRecord(std::string key, std::string data,
                 ::attune::v1::Visibility visibility = ::attune::v1::VISIBILITY_SHARED);

  const v1::FinishResponse& response() const { return response_; }

 private:
  v1::FinishResponse response_;
};

}  // namespace attune::plugin

#endif  // ATTUNE_PLUGINS_SDK_OUTCOME_H_
