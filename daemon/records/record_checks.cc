#include "daemon/records/record_checks.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "daemon/records/kinds.h"
#include "daemon/records/reminder_times.h"
#include "daemon/records/resource.h"
#include "daemon/records/validation.h"

namespace attune {
namespace {

// Whether an update's mask (or a whole record, for null) covers `number`.
bool Wants(const std::vector<uint32_t>* fields, int number) {
  return fields == nullptr ||
         std::find(fields->begin(), fields->end(), static_cast<uint32_t>(number)) != fields->end();
}

// An unset visibility becomes the kind's default (PRIVATE): nothing is more
// visible than the person chose.
template <typename Record>
absl::Status CheckVisibilityOf(const std::string& prefix, Kind kind, Record* record) {
  v1::Visibility v = record->visibility();
  if (auto s = CheckVisibility(prefix + ".visibility", &v, RecordKindOf(kind).default_visibility);
      !s.ok()) {
    return s;
  }
  record->set_visibility(v);
  return absl::OkStatus();
}

// Empty: the goal counts no exercise. Otherwise an id a manifest may
// declare (the same rule, records/validation.h).
absl::Status CheckExercise(const std::string& exercise) {
  if (exercise.empty()) return absl::OkStatus();
  return CheckPluginId("goal.exercise", exercise);
}

}  // namespace

absl::Status CheckGoal(v1::Goal* g, const std::vector<uint32_t>* fields) {
  auto wants = [&](int number) {
    return fields == nullptr || std::find(fields->begin(), fields->end(), number) != fields->end();
  };
  absl::Status s;
  if (s.ok() && wants(v1::Goal::kTitleFieldNumber)) {
    s = CheckText("goal.title", g->title(), kMaxTitleChars, true, TextLines::kOne);
  }
  if (s.ok() && wants(v1::Goal::kExerciseFieldNumber)) s = CheckExercise(g->exercise());
  if (s.ok() && wants(v1::Goal::kTargetPerPeriodFieldNumber)) {
    s = CheckRange("goal.target_per_period", g->target_per_period(), 1, 100);
  }
  if (s.ok() && wants(v1::Goal::kPeriodFieldNumber) && g->period() != v1::GOAL_PERIOD_DAY &&
      g->period() != v1::GOAL_PERIOD_WEEK && g->period() != v1::GOAL_PERIOD_MONTH) {
    s = absl::InvalidArgumentError("goal.period: must be DAY, WEEK or MONTH");
  }
  if (s.ok() && wants(v1::Goal::kPeriodsFieldNumber)) {
    s = CheckRange("goal.periods", g->periods(), 1, 520);
  }
  if (s.ok() && wants(v1::Goal::kStartDayFieldNumber) && !g->start_day().empty()) {
    s = ParseDay("goal.start_day", g->start_day()).status();
  }
  if (s.ok() && fields != nullptr && wants(v1::Goal::kStartDayFieldNumber) &&
      g->start_day().empty()) {
    s = absl::InvalidArgumentError("goal.start_day: is required");
  }
  if (s.ok() && wants(v1::Goal::kTimeZoneFieldNumber) && !g->time_zone().empty()) {
    s = ParseZone("goal.time_zone", g->time_zone()).status();
  }
  if (s.ok() && wants(v1::Goal::kVisibilityFieldNumber)) {
    v1::Visibility v = g->visibility();
    s = CheckVisibility("goal.visibility", &v, RecordKindOf(Kind::kGoal).default_visibility);
    g->set_visibility(v);
  }
  return s;
}

// Each check runs while the ones before passed and its field is wanted; the
// first failure is returned.
absl::Status CheckCheckIn(const std::string& prefix, v1::CheckIn* c,
                          const std::vector<uint32_t>* fields) {
  absl::Status s;
  if (s.ok() && Wants(fields, v1::CheckIn::kHighFieldNumber)) {
    s = CheckText(prefix + ".high", c->high(), kMaxShortTextChars, true, TextLines::kMany);
  }
  if (s.ok() && Wants(fields, v1::CheckIn::kLowFieldNumber)) {
    s = CheckText(prefix + ".low", c->low(), kMaxShortTextChars, true, TextLines::kMany);
  }
  if (s.ok() && Wants(fields, v1::CheckIn::kNoteFieldNumber)) {
    s = CheckText(prefix + ".note", c->note(), kMaxShortTextChars, false, TextLines::kMany);
  }
  if (s.ok() && Wants(fields, v1::CheckIn::kConnectionRatingFieldNumber)) {
    s = CheckRange(prefix + ".connection_rating", c->connection_rating(), 1, 5);
  }
  if (s.ok() && Wants(fields, v1::CheckIn::kEmotionsFieldNumber)) {
    s = CheckEmotions(prefix + ".emotions", c->mutable_emotions());
  }
  if (s.ok() && Wants(fields, v1::CheckIn::kDayFieldNumber) && !c->day().empty()) {
    s = ParseDay(prefix + ".day", c->day()).status();
  }
  if (s.ok() && Wants(fields, v1::CheckIn::kVisibilityFieldNumber)) {
    s = CheckVisibilityOf(prefix, Kind::kCheckIn, c);
  }
  return s;
}

absl::Status CheckJournalEntry(const std::string& prefix, v1::JournalEntry* e,
                               const std::vector<uint32_t>* fields) {
  absl::Status s;
  if (s.ok() && Wants(fields, v1::JournalEntry::kTitleFieldNumber)) {
    s = CheckText(prefix + ".title", e->title(), kMaxTitleChars, false, TextLines::kOne);
  }
  if (s.ok() && Wants(fields, v1::JournalEntry::kBodyFieldNumber)) {
    if (e->body().size() > kMaxBodyBytes) {
      return absl::InvalidArgumentError(absl::StrCat(prefix, ".body: is ", e->body().size(),
                                                     " bytes long; the limit is ", kMaxBodyBytes));
    }
    s = CheckText(prefix + ".body", e->body(), kMaxBodyBytes, true, TextLines::kMany);
  }
  if (s.ok() && Wants(fields, v1::JournalEntry::kEmotionsFieldNumber)) {
    s = CheckEmotions(prefix + ".emotions", e->mutable_emotions());
  }
  if (s.ok() && Wants(fields, v1::JournalEntry::kVisibilityFieldNumber)) {
    s = CheckVisibilityOf(prefix, Kind::kJournalEntry, e);
  }
  return s;
}

absl::Status CheckAppreciation(const std::string& prefix, v1::Appreciation* a,
                               const std::vector<uint32_t>* fields) {
  absl::Status s;
  if (s.ok() && Wants(fields, v1::Appreciation::kTextFieldNumber)) {
    s = CheckText(prefix + ".text", a->text(), kMaxShortTextChars, true, TextLines::kMany);
  }
  if (s.ok() && Wants(fields, v1::Appreciation::kRecipientFieldNumber)) {
    s = CheckText(prefix + ".recipient", a->recipient(), v1::LIMIT_DISPLAY_NAME_CHARS, false,
                  TextLines::kOne);
  }
  if (s.ok() && Wants(fields, v1::Appreciation::kSessionFieldNumber) && !a->session().empty()) {
    s = ParseName(prefix + ".session", a->session(), kExerciseSessions).status();
  }
  if (s.ok() && Wants(fields, v1::Appreciation::kVisibilityFieldNumber)) {
    s = CheckVisibilityOf(prefix, Kind::kAppreciation, a);
  }
  return s;
}

absl::Status CheckReminder(v1::Reminder* r) {
  switch (r->kind()) {
    case v1::REMINDER_KIND_CHECK_IN:
    case v1::REMINDER_KIND_GOAL:
    case v1::REMINDER_KIND_CUSTOM:
      break;
    default:
      return absl::InvalidArgumentError("reminder.kind: must be CHECK_IN, GOAL or CUSTOM");
  }
  if (r->kind() == v1::REMINDER_KIND_CUSTOM) {
    if (auto s = CheckText("reminder.text", r->text(), kMaxTitleChars, true, TextLines::kOne);
        !s.ok()) {
      return s;
    }
  } else if (!r->text().empty()) {
    return absl::InvalidArgumentError("reminder.text: only a CUSTOM reminder has words of its own");
  }
  if (r->kind() == v1::REMINDER_KIND_GOAL) {
    if (auto id = ParseName("reminder.goal", r->goal(), kGoals); !id.ok()) return id.status();
  } else if (!r->goal().empty()) {
    return absl::InvalidArgumentError("reminder.goal: only a GOAL reminder names a goal");
  }
  if (auto s = ScheduleOf(*r); !s.ok()) return s.status();
  if (r->visibility() == v1::VISIBILITY_SHARED) {
    return absl::InvalidArgumentError(
        "reminder.visibility: a reminder is private to its person; it cannot be shared");
  }
  r->set_visibility(v1::VISIBILITY_PRIVATE);
  return absl::OkStatus();
}

}  // namespace attune
