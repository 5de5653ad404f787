#include "daemon/api/exercise_records.h"

#include <sodium.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "daemon/api/checkin_service.h"
#include "daemon/api/goal_service.h"
#include "daemon/api/record_ops.h"
#include "daemon/base/hex.h"
#include "daemon/base/log.h"
#include "daemon/plugins/step_check.h"

namespace attune {

absl::StatusOr<std::vector<v1::ExerciseSession>> FinishedSessions(const ServiceContext& ctx,
                                                                  const KeySet& keys,
                                                                  const std::string& exercise) {
  std::vector<v1::ExerciseSession> out;
  auto s = ctx.store->ForEach(keys, Kind::kExerciseSession,
                              [&](std::string_view id, const v1::RecordState& state) {
                                if (!IsLive(state)) return true;
                                const auto& rec = state.record().exercise_session();
                                if (!exercise.empty() && rec.exercise() != exercise) return true;
                                out.push_back(rec);
                                out.back().set_name(MakeName(kExerciseSessions, id));
                                return true;
                              });
  if (!s.ok()) return s;
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    absl::Time ta = FromProto(a.create_time()), tb = FromProto(b.create_time());
    return ta != tb ? ta > tb : a.name() > b.name();
  });
  return out;
}

absl::StatusOr<std::vector<v1::PluginRecord>> PluginRecordsOf(const ServiceContext& ctx,
                                                              const KeySet& keys,
                                                              const std::string& plugin_id) {
  std::vector<v1::PluginRecord> out;
  auto s = ctx.store->ForEach(keys, Kind::kPluginRecord,
                              [&](std::string_view id, const v1::RecordState& state) {
                                if (!IsLive(state)) return true;
                                const auto& rec = state.record().plugin_record();
                                if (rec.plugin() != plugin_id) return true;
                                out.push_back(rec);
                                out.back().set_name(MakeName(kPluginRecords, id));
                                return true;
                              });
  if (!s.ok()) return s;
  return out;
}

std::string PluginRecordId(const KeySet& keys, const std::string& plugin_id,
                           const std::string& key, v1::Visibility visibility) {
  std::string input = absl::StrCat("attune-plugin-record-v1", plugin_id, std::string(1, '\0'), key);
  const SecretBytes& k = visibility == v1::PRIVATE ? keys.personal_key : keys.space_key;
  std::string id(kRawIdBytes, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(id.data()), id.size(),
                     reinterpret_cast<const unsigned char*>(input.data()), input.size(),
                     k.data(), k.size());
  return id;
}

namespace {

// Writes the plugin's record under its key: creates it, or replaces data
// and visibility of the one there.
absl::StatusOr<std::string> WritePluginRecord(const ServiceContext& ctx, const KeySet& keys,
                                              const std::string& plugin_id,
                                              v1::PluginRecord rec) {
  rec.set_plugin(plugin_id);
  std::string id = PluginRecordId(keys, plugin_id, rec.key(), rec.visibility());
  std::string name = MakeName(kPluginRecords, id);
  auto existing = ctx.store->Get(keys, Kind::kPluginRecord, id);
  if (!existing.ok()) return existing.status();
  absl::StatusOr<v1::RecordState> state;
  if (existing->has_value() && IsLive(**existing)) {
    state = UpdateRecord(ctx, keys, Kind::kPluginRecord, id, name, rec,
                         {v1::PluginRecord::kDataFieldNumber});
  } else if (!existing->has_value()) {
    state = CreateRecord(ctx, keys, Kind::kPluginRecord, id, &rec, Mutation::Require::kAbsent);
  } else {
    return absl::FailedPreconditionError(
        absl::StrCat(name, " was deleted and cannot be written again"));
  }
  if (!state.ok()) return state.status();
  return name;
}

// One progress on every active goal naming the exercise. Goals whose days do
// not include today are skipped.
absl::StatusOr<std::vector<std::string>> CreditGoals(const ServiceContext& ctx,
                                                     const KeySet& keys,
                                                     const std::string& exercise,
                                                     const std::string& note) {
  std::vector<std::string> goals;
  auto s = ctx.store->ForEach(keys, Kind::kGoal,
                              [&](std::string_view id, const v1::RecordState& state) {
                                if (!IsLive(state)) return true;
                                const auto& g = state.record().goal();
                                if (g.archived() || g.exercise() != exercise) return true;
                                goals.push_back(MakeName(kGoals, id));
                                return true;
                              });
  if (!s.ok()) return s;
  std::vector<std::string> credited;
  for (const auto& goal : goals) {
    v1::GoalProgress p;
    p.set_note(note);
    auto logged = LogGoalProgress(ctx, keys, goal, p);
    if (absl::IsInvalidArgument(logged.status()) ||
        absl::IsFailedPrecondition(logged.status())) {
      continue;  // not running today (not started, over, archived meanwhile)
    }
    if (!logged.ok()) return logged.status();
    credited.push_back(goal);
  }
  return credited;
}

}  // namespace

absl::StatusOr<v1::ExerciseSession> StoreFinishedSession(
    const ServiceContext& ctx, const KeySet& keys, const LiveSessionData& session,
    const plugin::v1::FinishResponse& finish) {
  const std::string& plugin_id = session.plugin.manifest.id();
  std::string session_id = NewRecordId();
  std::string session_name = MakeName(kExerciseSessions, session_id);
  v1::ExerciseSession rec;
  std::string progress_note;

  // Check-ins first: they carry the one rule only the store checks.
  std::vector<const plugin::v1::OutputRecord*> ordered;
  for (const auto& r : finish.records()) {
    if (r.has_check_in()) ordered.push_back(&r);
  }
  for (const auto& r : finish.records()) {
    if (!r.has_check_in()) ordered.push_back(&r);
  }
  for (const plugin::v1::OutputRecord* r : ordered) {
    switch (r->record_case()) {
      case plugin::v1::OutputRecord::kCheckIn: {
        auto written = WriteCheckIn(ctx, keys, r->check_in());
        if (!written.ok()) return written.status();
        rec.add_records(written->name());
        break;
      }
      case plugin::v1::OutputRecord::kJournalEntry: {
        v1::JournalEntry e = r->journal_entry();
        std::string id = NewRecordId();
        auto state = CreateRecord(ctx, keys, Kind::kJournalEntry, id, &e,
                                  Mutation::Require::kAbsent);
        if (!state.ok()) return state.status();
        rec.add_records(MakeName(kJournalEntries, id));
        break;
      }
      case plugin::v1::OutputRecord::kAppreciation: {
        v1::Appreciation a = r->appreciation();
        a.set_session(session_name);
        std::string id = NewRecordId();
        auto state = CreateRecord(ctx, keys, Kind::kAppreciation, id, &a,
                                  Mutation::Require::kAbsent);
        if (!state.ok()) return state.status();
        rec.add_records(MakeName(kAppreciations, id));
        break;
      }
      case plugin::v1::OutputRecord::kGoalProgress:
        if (progress_note.empty()) progress_note = r->goal_progress().note();
        break;
      case plugin::v1::OutputRecord::kPluginRecord: {
        auto name = WritePluginRecord(ctx, keys, plugin_id, r->plugin_record());
        if (!name.ok()) return name.status();
        rec.add_records(*name);
        break;
      }
      case plugin::v1::OutputRecord::RECORD_NOT_SET:
        break;
    }
  }

  if (progress_note.empty()) progress_note = absl::StrCat("Did ", session.exercise.title());
  auto credited = CreditGoals(ctx, keys, session.exercise.id(), progress_note);
  if (!credited.ok()) return credited.status();
  for (const auto& g : *credited) rec.add_goals(g);

  rec.set_exercise(session.exercise.id());
  rec.set_title(session.exercise.title());
  rec.set_plugin(plugin_id);
  rec.set_plugin_version(session.plugin.manifest.version());
  rec.set_day(session.context.today());
  rec.set_time_zone(session.context.time_zone());
  rec.add_participants(session.context.first_name());
  if (session.exercise.mode() == v1::PAIR) {
    rec.add_participants(session.context.second_name().empty() ? "partner"
                                                                : session.context.second_name());
  }
  rec.set_summary(finish.summary());
  for (const auto& ex : session.transcript) {
    if (!IsInput(ex.step())) continue;
    v1::SessionAnswer* a = rec.add_answers();
    a->set_step(ex.step().key());
    a->set_question(ex.step().text().empty() ? ex.step().title() : ex.step().text());
    a->set_answer(AnswerText(ex.step(), ex.answer()));
  }
  for (const auto& item : finish.used_items()) rec.add_used_items(item);
  *rec.mutable_start_time() = ToProto(session.start_time);
  rec.set_visibility(session.visibility);
  auto state = CreateRecord(ctx, keys, Kind::kExerciseSession, session_id, &rec,
                            Mutation::Require::kAbsent);
  if (!state.ok()) return state.status();
  v1::ExerciseSession out = state->record().exercise_session();
  out.set_name(session_name);
  return out;
}

}  // namespace attune
