#include "daemon/records/kinds.h"

#include "daemon/records/resource.h"

namespace attune {

const std::vector<RecordKind>& RecordKinds() {
  static const auto* kinds = new std::vector<RecordKind>{
      {Kind::kCheckIn, "check_in", kCheckIns, "check-in", false, true, v1::VISIBILITY_PRIVATE},
      {Kind::kJournalEntry, "journal_entry", kJournalEntries, "entry", false, true,
       v1::VISIBILITY_PRIVATE},
      {Kind::kAppreciation, "appreciation", kAppreciations, "appreciation", true, true,
       v1::VISIBILITY_PRIVATE},
      {Kind::kGoalProgress, "goal_progress", "progress", "progress", true, true,
       v1::VISIBILITY_PRIVATE},
      {Kind::kPluginRecord, "plugin_record", kPluginRecords, "record", false, true,
       v1::VISIBILITY_PRIVATE},
      {Kind::kGoal, "goal", kGoals, "goal", false, false, v1::VISIBILITY_PRIVATE},
      {Kind::kExerciseSession, "exercise_session", kExerciseSessions, "session", true, false,
       v1::VISIBILITY_PRIVATE},
      {Kind::kReminder, "reminder", kReminders, "reminder", false, false, v1::VISIBILITY_PRIVATE},
      // Named after the check-in it opens: its id is the check-in's.
      {Kind::kCheckInKey, "check_in_key", kCheckIns, "check-in key", false, false,
       v1::VISIBILITY_PRIVATE},
      {Kind::kMemberSettings, "member_settings", kMemberSettings, "settings", false, false,
       v1::VISIBILITY_PRIVATE},
  };
  return *kinds;
}

const RecordKind& RecordKindOf(Kind kind) {
  for (const RecordKind& k : RecordKinds()) {
    if (k.kind == kind) return k;
  }
  return RecordKinds().back();  // unreachable: every Kind has a row (kinds_test)
}

const RecordKind* FindRecordKind(std::string_view field) {
  for (const RecordKind& k : RecordKinds()) {
    if (std::string_view(k.field) == field) return &k;
  }
  return nullptr;
}

std::string_view ShownKindOf(std::string_view field) {
  if (field == RecordKindOf(Kind::kCheckInKey).field) return RecordKindOf(Kind::kCheckIn).field;
  return field;
}

v1::Visibility VisibilityOf(const google::protobuf::Message& record) {
  const auto* field = record.GetDescriptor()->FindFieldByName("visibility");
  if (field == nullptr) return v1::VISIBILITY_PRIVATE;
  auto v = static_cast<v1::Visibility>(record.GetReflection()->GetEnumValue(record, field));
  return v == v1::VISIBILITY_SHARED ? v1::VISIBILITY_SHARED : v1::VISIBILITY_PRIVATE;
}

}  // namespace attune
