#include "plugins/sdk/outcome.h"

namespace attune::plugin {

::attune::v1::CheckIn& Outcome::AddCheckIn() {
  return *response_.add_records()->mutable_check_in();
}

::attune::v1::JournalEntry& Outcome::AddJournalEntry() {
  return *response_.add_records()->mutable_journal_entry();
}

void Outcome::AddAppreciation(std::string text, std::string recipient) {
  auto* a = response_.add_records()->mutable_appreciation();
  a->set_text(std::move(text));
  a->set_recipient(std::move(recipient));
  a->set_visibility(::attune::v1::VISIBILITY_SHARED);  // it is meant to be heard
}

void Outcome::AddGoalProgress(std::string note) {
  response_.add_records()->mutable_goal_progress()->set_note(std::move(note));
}

void Outcome::SetRecord(std::string key, std::string data, ::attune::v1::Visibility visibility) {
  auto* r = response_.add_records()->mutable_plugin_record();
  r->set_key(std::move(key));
  r->set_data(std::move(data));
  r->set_visibility(visibility);
}

}  // namespace attune::plugin
