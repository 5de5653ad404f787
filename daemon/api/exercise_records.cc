#include "daemon/api/exercise_records.h"

#include <sodium.h>

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "daemon/api/checkin_service.h"
#include "daemon/api/goal_service.h"
#include "daemon/base/hex.h"
#include "daemon/base/log.h"
#include "daemon/plugins/step_check.h"
#include "daemon/records/authorship.h"
#include "daemon/records/member_settings.h"
#include "daemon/records/record_ops.h"

namespace attune {

absl::StatusOr<std::vector<v1::ExerciseSession>> FinishedSessions(const ServiceContext& ctx,
                                                                  const KeySet& keys,
                                                                  const std::string& exercise) {
  std::vector<v1::ExerciseSession> out;
  auto s = ctx.store->ForEach(keys, Kind::kExerciseSession,
                              [&](std::string_view id, const v1::RecordState& state) {
                                if (!IsVisible(keys, state)) return true;
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
  // By key: each member writes their own record under a key; the newest
  // one the person may see is the plugin's state for that key.
  std::map<std::string, v1::PluginRecord> by_key;
  auto s = ctx.store->ForEach(
      keys, Kind::kPluginRecord, [&](std::string_view id, const v1::RecordState& state) {
        if (!IsVisible(keys, state)) return true;
        const auto& rec = state.record().plugin_record();
        if (rec.plugin() != plugin_id) return true;
        auto [it, fresh] = by_key.try_emplace(rec.key(), rec);
        if (!fresh && FromProto(rec.update_time()) <= FromProto(it->second.update_time())) {
          return true;
        }
        it->second = rec;
        it->second.set_name(MakeName(kPluginRecords, id));
        return true;
      });
  if (!s.ok()) return s;
  std::vector<v1::PluginRecord> out;
  for (auto& [key, rec] : by_key) out.push_back(std::move(rec));
  return out;
}

std::string PluginRecordId(const KeySet& keys, const std::string& plugin_id, const std::string& key,
                           v1::Visibility visibility) {
  std::string input = absl::StrCat("attune-plugin-record-v1", plugin_id, std::string(1, '\0'), key);
  const SecretBytes& k = visibility == v1::VISIBILITY_PRIVATE ? keys.personal_key : keys.space_key;
  std::string id(kRawIdBytes, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(id.data()), id.size(),
                     reinterpret_cast<const unsigned char*>(input.data()), input.size(), k.data(),
                     k.size());
  return RecordIdOf(keys.member_id, std::move(id));
}

namespace {

// The less visible of two; an unset one counts as PRIVATE.
v1::Visibility Narrowest(v1::Visibility a, v1::Visibility b) {
  return a == v1::VISIBILITY_SHARED && b == v1::VISIBILITY_SHARED ? v1::VISIBILITY_SHARED
                                                                  : v1::VISIBILITY_PRIVATE;
}

// The writes that store the plugin's record under its key: create it, or
// replace data and visibility of the one there.
absl::StatusOr<PlannedWrite> PlanPluginRecord(const ServiceContext& ctx, const KeySet& keys,
                                              const std::string& plugin_id, v1::PluginRecord rec) {
  rec.set_plugin(plugin_id);
  PlannedWrite plan;
  plan.id = PluginRecordId(keys, plugin_id, rec.key(), rec.visibility());
  std::string name = MakeName(kPluginRecords, plan.id);
  auto existing = ctx.store->Get(keys, Kind::kPluginRecord, plan.id);
  if (!existing.ok()) return existing.status();
  if (existing->has_value() && IsLive(**existing)) {
    auto update = UpdateMutations(ctx, keys, Kind::kPluginRecord, plan.id, name, rec,
                                  {v1::PluginRecord::kDataFieldNumber});
    if (!update.ok()) return update.status();
    plan.mutations = *std::move(update);
  } else if (!existing->has_value()) {
    plan.mutations.push_back(
        CreateMutation(ctx, keys, Kind::kPluginRecord, plan.id, &rec, Mutation::Require::kAbsent));
  } else {
    return absl::FailedPreconditionError(
        absl::StrCat(name, " was deleted and cannot be written again"));
  }
  return plan;
}

// Keeps a session's record within one op: drops the questions, the last
// first, until it fits in kMaxRecordBytes. The person's answers are never
// dropped; what is left over then is the plugin's (labels of its choices,
// its summary): INVALID_ARGUMENT, nothing stored.
absl::Status FitSessionRecord(v1::ExerciseSession* rec) {
  // The whole record sized once, then by what each dropped question took
  // off its answer (its length prefix shrinking too is left uncounted).
  size_t size = rec->ByteSizeLong();
  for (int i = rec->answers_size() - 1; i >= 0 && size > kMaxRecordBytes; --i) {
    v1::SessionAnswer* a = rec->mutable_answers(i);
    const size_t before = a->ByteSizeLong();
    a->clear_question();
    size -= before - a->ByteSizeLong();
  }
  if (size = rec->ByteSizeLong(); size > kMaxRecordBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the session's record would be ", size / 1024, " KiB without its questions, more than the ",
        kMaxRecordBytes / 1024, " KiB one session keeps"));
  }
  return absl::OkStatus();
}

// One progress on every active goal naming the exercise; appends their
// writes to `writes` and returns the goals' names. Goals whose days do not
// include today are skipped.
absl::StatusOr<std::vector<std::string>> PlanGoalCredits(const ServiceContext& ctx,
                                                         const KeySet& keys,
                                                         const std::string& exercise,
                                                         const std::string& note,
                                                         std::vector<Mutation>* writes) {
  std::vector<std::string> goals, partners;
  auto s =
      ctx.store->ForEach(keys, Kind::kGoal, [&](std::string_view id, const v1::RecordState& state) {
        if (!IsVisible(keys, state)) return true;
        const auto& g = state.record().goal();
        if (g.archived() || g.exercise() != exercise) return true;
        (IdBelongsTo(id, keys.member_id) ? goals : partners).push_back(MakeName(kGoals, id));
        return true;
      });
  if (!s.ok()) return s;
  // The person's own goals first, then the partner's shared ones.
  goals.insert(goals.end(), partners.begin(), partners.end());
  std::vector<std::string> credited;
  for (const auto& goal : goals) {
    if (credited.size() >= kMaxGoalCredits) break;
    v1::GoalProgress p;
    p.set_note(note);
    auto plan = PlanGoalProgress(ctx, keys, goal, p);
    if (absl::IsInvalidArgument(plan.status()) || absl::IsFailedPrecondition(plan.status())) {
      continue;  // not running today (not started, over, archived meanwhile)
    }
    if (!plan.ok()) return plan.status();
    for (Mutation& m : plan->mutations) writes->push_back(std::move(m));
    credited.push_back(goal);
  }
  return credited;
}

// Plans every write of a finished session and commits them in one WriteAll.
absl::StatusOr<v1::ExerciseSession> TryStoreFinishedSession(
    const ServiceContext& ctx, const KeySet& keys, const LiveSessionData& session,
    const plugin::v1::FinishResponse& finish) {
  const std::string& plugin_id = session.plugin.manifest.id();
  std::string session_id = NewRecordIdOf(keys.member_id);
  std::string session_name = MakeName(kExerciseSessions, session_id);
  v1::ExerciseSession rec;
  std::string progress_note;
  std::vector<Mutation> writes;
  std::set<std::string> check_in_ids;
  auto together = RevealTogetherNow(keys, *ctx.store);
  if (!together.ok()) return together.status();

  // Visibility (see exercise_records.h): PRIVATE chosen at the start bounds
  // every record the session leaves, and a plugin cannot make one more
  // visible than that. The session record holds the person's answers: it is
  // shared only when the person chose so, or did not choose and did the
  // exercise together with the partner, and never when it left a private
  // record.
  const v1::Visibility bound =
      session.visibility == v1::VISIBILITY_PRIVATE ? v1::VISIBILITY_PRIVATE : v1::VISIBILITY_SHARED;
  v1::Visibility session_visibility = session.visibility == v1::VISIBILITY_SHARED ||
                                              (session.visibility == v1::VISIBILITY_UNSPECIFIED &&
                                               session.exercise.mode() == v1::EXERCISE_MODE_PAIR)
                                          ? v1::VISIBILITY_SHARED
                                          : v1::VISIBILITY_PRIVATE;
  auto bounded = [&](v1::Visibility v) {
    v = Narrowest(v, bound);
    session_visibility = Narrowest(session_visibility, v);
    return v;
  };

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
        v1::CheckIn c = r->check_in();
        c.set_visibility(bounded(c.visibility()));
        auto plan = PlanCheckIn(ctx, keys, c, session.replace_check_in, *together);
        if (!plan.ok()) return plan.status();
        if (!check_in_ids.insert(plan->id).second) {
          return absl::InvalidArgumentError("records: two check-ins for the same day");
        }
        rec.add_records(MakeName(kCheckIns, plan->id));
        for (Mutation& m : plan->mutations) writes.push_back(std::move(m));
        break;
      }
      case plugin::v1::OutputRecord::kJournalEntry: {
        v1::JournalEntry e = r->journal_entry();
        e.set_visibility(bounded(e.visibility()));
        std::string id = NewRecordIdOf(keys.member_id);
        writes.push_back(
            CreateMutation(ctx, keys, Kind::kJournalEntry, id, &e, Mutation::Require::kAbsent));
        rec.add_records(MakeName(kJournalEntries, id));
        break;
      }
      case plugin::v1::OutputRecord::kAppreciation: {
        v1::Appreciation a = r->appreciation();
        a.set_visibility(bounded(a.visibility()));
        a.set_session(session_name);
        std::string id = NewRecordIdOf(keys.member_id);
        writes.push_back(
            CreateMutation(ctx, keys, Kind::kAppreciation, id, &a, Mutation::Require::kAbsent));
        rec.add_records(MakeName(kAppreciations, id));
        break;
      }
      case plugin::v1::OutputRecord::kGoalProgress:
        if (progress_note.empty()) progress_note = r->goal_progress().note();
        break;
      case plugin::v1::OutputRecord::kPluginRecord: {
        v1::PluginRecord pr = r->plugin_record();
        pr.set_visibility(bounded(pr.visibility()));
        auto plan = PlanPluginRecord(ctx, keys, plugin_id, std::move(pr));
        if (!plan.ok()) return plan.status();
        rec.add_records(MakeName(kPluginRecords, plan->id));
        for (Mutation& m : plan->mutations) writes.push_back(std::move(m));
        break;
      }
      case plugin::v1::OutputRecord::RECORD_NOT_SET:
        break;
    }
  }

  // Reveal together: a check-in written alone is sealed for the partner until
  // they check in, and the session holds the same answers in the clear, so
  // it stays with its person. (Done together, the partner heard them.)
  if (!check_in_ids.empty() && session.exercise.mode() != v1::EXERCISE_MODE_PAIR &&
      session_visibility == v1::VISIBILITY_SHARED && together->on) {
    session_visibility = v1::VISIBILITY_PRIVATE;
  }

  if (progress_note.empty()) progress_note = absl::StrCat("Did ", session.exercise.title());
  auto credited = PlanGoalCredits(ctx, keys, session.exercise.id(), progress_note, &writes);
  if (!credited.ok()) return credited.status();
  for (const auto& g : *credited) rec.add_goals(g);

  rec.set_exercise(session.exercise.id());
  rec.set_title(session.exercise.title());
  rec.set_plugin(plugin_id);
  rec.set_plugin_version(session.served_version.empty() ? session.plugin.manifest.version()
                                                        : session.served_version);
  rec.set_day(session.context.today());
  rec.set_time_zone(session.context.time_zone());
  rec.add_participants(session.context.first_name());
  if (session.exercise.mode() == v1::EXERCISE_MODE_PAIR) {
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
  *rec.mutable_options() = session.context.options();
  *rec.mutable_start_time() = ToProto(session.start_time);
  rec.set_visibility(session_visibility);
  if (auto s = FitSessionRecord(&rec); !s.ok()) return s;
  writes.push_back(CreateMutation(ctx, keys, Kind::kExerciseSession, session_id, &rec,
                                  Mutation::Require::kAbsent));

  auto states = ctx.store->WriteAll(keys, std::move(writes));
  if (!states.ok()) return states.status();
  v1::ExerciseSession out = states->back().record().exercise_session();
  out.set_name(session_name);
  return out;
}

}  // namespace

absl::StatusOr<v1::ExerciseSession> StoreFinishedSession(const ServiceContext& ctx,
                                                         const KeySet& keys,
                                                         const LiveSessionData& session,
                                                         const plugin::v1::FinishResponse& finish) {
  // Another write changed one of the records between planning and the
  // commit (a check-in of the same day, a plugin record): plan again.
  using Stored = decltype(TryStoreFinishedSession(ctx, keys, session, finish))::value_type;
  // A session may replace the day's check-in: read, change and write under
  // the check-in lock, as the check-in service does.
  absl::MutexLock lock(&CheckInWriteMutex());
  return CommitWithRetry<Stored>(
      [&] { return TryStoreFinishedSession(ctx, keys, session, finish); },
      "the session's records kept changing while they were stored; finish it again");
}

}  // namespace attune
