#include "daemon/plugins/output_check.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "daemon/plugins/step_check.h"
#include "daemon/records/kinds.h"
#include "daemon/records/record_checks.h"
#include "daemon/records/validation.h"

namespace attune {
namespace {

constexpr size_t kMaxSummaryChars = 4000;
constexpr int kMaxUsedItems = 100;
constexpr int kMaxRecords = 20;
constexpr size_t kMaxPluginData = 64 * 1024;

absl::Status Bad(const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

absl::Status CheckProgress(const std::string& f, v1::GoalProgress* p) {
  if (!p->day().empty() || !p->name().empty()) {
    return Bad(f, "name and day are set by the daemon; give only a note");
  }
  return CheckText(f + ".note", p->note(), kMaxShortTextChars, false, TextLines::kMany);
}

absl::Status CheckPluginRecord(const std::string& f, v1::PluginRecord* r) {
  if (!IsValidKey(r->key())) return Bad(f + ".key", "must be 1 to 64 of a-z, 0-9, '-' and '_'");
  if (r->data().size() > kMaxPluginData) return Bad(f + ".data", "is over 64 KiB");
  v1::Visibility v = r->visibility();
  if (auto s = CheckVisibility(f + ".visibility", &v,
                               RecordKindOf(Kind::kPluginRecord).default_visibility);
      !s.ok())
    return s;
  r->set_visibility(v);
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckFinish(plugin::v1::FinishResponse* finish) {
  if (auto s = CheckText("summary", finish->summary(), kMaxSummaryChars, false, TextLines::kMany);
      !s.ok()) {
    return s;
  }
  if (finish->used_items_size() > kMaxUsedItems) return Bad("used_items", "at most 100");
  for (int i = 0; i < finish->used_items_size(); ++i) {
    const std::string& item = finish->used_items(i);
    if (item.empty() || item.size() > 64) {
      return Bad(absl::StrCat("used_items[", i, "]"), "must be 1 to 64 characters");
    }
    if (auto s = CheckText(absl::StrCat("used_items[", i, "]"), item, 64, true, TextLines::kOne);
        !s.ok()) {
      return s;
    }
  }
  if (finish->records_size() > kMaxRecords) return Bad("records", "at most 20");
  std::set<std::string> plugin_keys;
  for (int i = 0; i < finish->records_size(); ++i) {
    auto* r = finish->mutable_records(i);
    std::string f = absl::StrCat("records[", i, "]");
    absl::Status s;
    switch (r->record_case()) {
      case plugin::v1::OutputRecord::kCheckIn:
        s = CheckCheckIn(f + ".check_in", r->mutable_check_in());
        break;
      case plugin::v1::OutputRecord::kJournalEntry:
        s = CheckJournalEntry(f + ".journal_entry", r->mutable_journal_entry());
        break;
      case plugin::v1::OutputRecord::kAppreciation:
        s = CheckAppreciation(f + ".appreciation", r->mutable_appreciation());
        break;
      case plugin::v1::OutputRecord::kGoalProgress:
        s = CheckProgress(f + ".goal_progress", r->mutable_goal_progress());
        break;
      case plugin::v1::OutputRecord::kPluginRecord:
        s = CheckPluginRecord(f + ".plugin_record", r->mutable_plugin_record());
        if (s.ok() && !plugin_keys.insert(r->plugin_record().key()).second) {
          s = Bad(f + ".plugin_record.key", "is written twice");
        }
        break;
      case plugin::v1::OutputRecord::RECORD_NOT_SET:
        s = Bad(f, "no record is set");
        break;
    }
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace attune
