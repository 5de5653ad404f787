#include "daemon/api/goal_service.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/grpc_status.h"
#include "daemon/api/paging.h"
#include "daemon/base/hex.h"
#include "daemon/records/authorship.h"
#include "daemon/records/goal_status.h"
#include "daemon/records/kinds.h"
#include "daemon/records/record_checks.h"
#include "daemon/records/record_ops.h"
#include "daemon/records/validation.h"

namespace attune {
namespace {

const std::vector<std::string> kUpdatable = {"title",    "exercise",  "target_per_period",
                                             "period",   "periods",   "start_day",
                                             "archived", "visibility"};
v1::Goal Present(const v1::RecordState& state, std::string_view id) {
  v1::Goal g = state.record().goal();
  g.set_name(MakeName(kGoals, id));
  return g;
}

absl::CivilDay Today(const Clock& clock, const std::string& zone_name) {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(zone_name, &zone)) zone = clock.LocalZone();
  return absl::ToCivilDay(clock.Now(), zone);
}

// Every progress record of the goal.
absl::StatusOr<std::vector<v1::GoalProgress>> ProgressOf(const ServiceContext& ctx,
                                                         const KeySet& keys,
                                                         const std::string& goal_name) {
  std::vector<v1::GoalProgress> out;
  std::string prefix = absl::StrCat(goal_name, "/progress/");
  auto s = ctx.store->ForEach(
      keys, Kind::kGoalProgress, [&](std::string_view, const v1::RecordState& state) {
        if (IsLive(state) && state.record().goal_progress().name().rfind(prefix, 0) == 0) {
          out.push_back(state.record().goal_progress());
        }
        return true;
      });
  if (!s.ok()) return s;
  return out;
}

}  // namespace

absl::Status GoalServiceImpl::CheckInstalled(const std::string& exercise) const {
  if (exercise.empty()) return absl::OkStatus();
  std::vector<std::string> installed;
  if (exercises_) installed = exercises_();
  if (std::find(installed.begin(), installed.end(), exercise) != installed.end()) {
    return absl::OkStatus();
  }
  std::sort(installed.begin(), installed.end());
  return absl::InvalidArgumentError(
      absl::StrCat("goal.exercise: no installed plugin offers \"", exercise, "\" (",
                   installed.empty() ? std::string("no exercises are installed")
                                     : absl::StrCat("installed: ", absl::StrJoin(installed, ", ")),
                   ")"));
}

grpc::Status GoalServiceImpl::CreateGoal(grpc::ServerContext*, const v1::CreateGoalRequest* request,
                                         v1::Goal* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  v1::Goal g = request->goal();
  if (auto s = CheckGoal(&g); !s.ok()) return ToGrpc(s);
  if (auto s = CheckInstalled(g.exercise()); !s.ok()) return ToGrpc(s);
  std::string zone_name;
  auto zone = ZoneOrLocal("goal.time_zone", g.time_zone(), *ctx_.clock, &zone_name);
  if (!zone.ok()) return ToGrpc(zone.status());
  g.set_time_zone(zone_name);
  if (g.start_day().empty()) {
    g.set_start_day(FormatDay(absl::ToCivilDay(ctx_.clock->Now(), *zone)));
  }
  g.set_archived(false);
  std::string id = NewRecordIdOf((*keys)->member_id);
  auto state = CreateRecord(ctx_, **keys, Kind::kGoal, id, &g, Mutation::Require::kAbsent);
  if (!state.ok()) return ToGrpc(state.status());
  *response = Present(*state, id);
  return grpc::Status::OK;
}

grpc::Status GoalServiceImpl::GetGoal(grpc::ServerContext*, const v1::GetGoalRequest* request,
                                      v1::Goal* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  auto id = ParseName("name", request->name(), kGoals);
  if (!id.ok()) return ToGrpc(id.status());
  auto state = GetLiveRecord(ctx_, **keys, Kind::kGoal, *id, request->name());
  if (!state.ok()) return ToGrpc(state.status());
  *response = Present(*state, *id);
  return grpc::Status::OK;
}

grpc::Status GoalServiceImpl::ListGoals(grpc::ServerContext*, const v1::ListGoalsRequest* request,
                                        v1::ListGoalsResponse* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  auto pager = Pager<v1::Goal>::Make(request->page_token(), request->page_size(), 100);
  if (!pager.ok()) return ToGrpc(pager.status());
  auto s = ctx_.store->ForEach(
      **keys, Kind::kGoal, [&](std::string_view id, const v1::RecordState& state) {
        if (!IsVisible(**keys, state)) return true;
        if (state.record().goal().archived() && !request->include_archived()) return true;
        v1::Goal g = Present(state, id);
        std::string key = NewestFirstKey(FromProto(g.create_time()), ToHex(id));
        pager->Add(std::move(key), std::move(g));
        return true;
      });
  if (!s.ok()) return ToGrpc(s);
  response->set_next_page_token(pager->Finish(response->mutable_goals()));
  return grpc::Status::OK;
}

grpc::Status GoalServiceImpl::UpdateGoal(grpc::ServerContext*, const v1::UpdateGoalRequest* request,
                                         v1::Goal* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  const std::string& name = request->goal().name();
  auto id = ParseName("goal.name", name, kGoals);
  if (!id.ok()) return ToGrpc(id.status());
  auto fields = MaskToFields(request->update_mask(), v1::Goal::descriptor(), kUpdatable);
  if (!fields.ok()) return ToGrpc(fields.status());
  v1::Goal changes = request->goal();
  if (auto s = CheckGoal(&changes, &*fields); !s.ok()) return ToGrpc(s);
  if (std::find(fields->begin(), fields->end(), v1::Goal::kExerciseFieldNumber) != fields->end()) {
    if (auto s = CheckInstalled(changes.exercise()); !s.ok()) return ToGrpc(s);
  }
  auto state = UpdateRecord(ctx_, **keys, Kind::kGoal, *id, name, changes, *fields);
  if (!state.ok()) return ToGrpc(state.status());
  *response = Present(*state, *id);
  return grpc::Status::OK;
}

grpc::Status GoalServiceImpl::DeleteGoal(grpc::ServerContext*, const v1::DeleteGoalRequest* request,
                                         google::protobuf::Empty*) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  auto id = ParseName("name", request->name(), kGoals);
  if (!id.ok()) return ToGrpc(id.status());
  return ToGrpc(DeleteRecord(ctx_, **keys, Kind::kGoal, *id, request->name()));
}

grpc::Status GoalServiceImpl::ArchiveGoal(grpc::ServerContext*,
                                          const v1::ArchiveGoalRequest* request,
                                          v1::Goal* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  auto id = ParseName("name", request->name(), kGoals);
  if (!id.ok()) return ToGrpc(id.status());
  v1::Goal changes;
  changes.set_archived(request->archived());
  auto state = UpdateRecord(ctx_, **keys, Kind::kGoal, *id, request->name(), changes,
                            {v1::Goal::kArchivedFieldNumber});
  if (!state.ok()) return ToGrpc(state.status());
  *response = Present(*state, *id);
  return grpc::Status::OK;
}

grpc::Status GoalServiceImpl::LogProgress(grpc::ServerContext*,
                                          const v1::LogProgressRequest* request,
                                          v1::GoalProgress* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  auto logged = LogGoalProgress(ctx_, **keys, request->parent(), request->progress());
  if (!logged.ok()) return ToGrpc(logged.status());
  *response = *std::move(logged);
  return grpc::Status::OK;
}

absl::StatusOr<v1::GoalProgress> LogGoalProgress(const ServiceContext& ctx, const KeySet& keys,
                                                 const std::string& parent, v1::GoalProgress p) {
  auto plan = PlanGoalProgress(ctx, keys, parent, std::move(p));
  if (!plan.ok()) return plan.status();
  auto states = ctx.store->WriteAll(keys, std::move(plan->mutations));
  if (!states.ok()) return states.status();
  return states->back().record().goal_progress();
}

absl::StatusOr<PlannedWrite> PlanGoalProgress(const ServiceContext& ctx, const KeySet& keys,
                                              const std::string& parent, v1::GoalProgress p) {
  auto goal_id = ParseName("parent", parent, kGoals);
  if (!goal_id.ok()) return goal_id.status();
  if (auto s = CheckText("progress.note", p.note(), kMaxShortTextChars, false, TextLines::kMany);
      !s.ok()) {
    return s;
  }
  auto goal_state = GetLiveRecord(ctx, keys, Kind::kGoal, *goal_id, parent);
  if (!goal_state.ok()) return goal_state.status();
  const v1::Goal& goal = goal_state->record().goal();
  if (goal.archived()) {
    return absl::FailedPreconditionError(
        "the goal is archived: run attune goal archive --undo first");
  }
  absl::CivilDay today = Today(*ctx.clock, goal.time_zone());
  absl::CivilDay day = today;
  if (!p.day().empty()) {
    auto parsed = ParseDay("progress.day", p.day());
    if (!parsed.ok()) return parsed.status();
    day = *parsed;
  }
  auto start = ParseDay("goal.start_day", goal.start_day());
  if (!start.ok()) return start.status();
  absl::CivilDay end = GoalEndDay(*start, goal);
  if (day > today) {
    return absl::InvalidArgumentError(absl::StrCat(
        "progress.day: ", FormatDay(day), " is in the future (today is ", FormatDay(today), ")"));
  }
  if (day < *start || day > end) {
    return absl::InvalidArgumentError(absl::StrCat("progress.day: ", FormatDay(day),
                                                   " is outside the goal (", FormatDay(*start),
                                                   " to ", FormatDay(end), ")"));
  }
  p.set_day(FormatDay(day));
  PlannedWrite plan;
  plan.id = NewRecordIdOf(keys.member_id);
  p.set_name(absl::StrCat(parent, "/progress/", ToHex(plan.id)));
  // Progress is as private as its goal.
  plan.mutations.push_back(CreateMutation(ctx, keys, Kind::kGoalProgress, plan.id, &p,
                                          Mutation::Require::kAbsent, goal.visibility()));
  return plan;
}

grpc::Status GoalServiceImpl::GetGoalStatus(grpc::ServerContext*,
                                            const v1::GetGoalStatusRequest* request,
                                            v1::GoalStatus* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  auto id = ParseName("name", request->name(), kGoals);
  if (!id.ok()) return ToGrpc(id.status());
  auto state = GetLiveRecord(ctx_, **keys, Kind::kGoal, *id, request->name());
  if (!state.ok()) return ToGrpc(state.status());
  v1::Goal goal = Present(*state, *id);
  auto progress = ProgressOf(ctx_, **keys, goal.name());
  if (!progress.ok()) return ToGrpc(progress.status());
  auto status = ComputeGoalStatus(goal, *progress, Today(*ctx_.clock, goal.time_zone()),
                                  {ToHex((*keys)->member_id), goal.author()});
  if (!status.ok()) return ToGrpc(status.status());
  auto& parts = *status->mutable_contributions();
  for (auto& c : parts) {
    if (ctx_.member_name) c.set_display_name(ctx_.member_name(c.member()));
  }
  std::sort(parts.begin(), parts.end(), [](const auto& a, const auto& b) {
    return std::make_tuple(-a.count(), a.display_name(), a.member()) <
           std::make_tuple(-b.count(), b.display_name(), b.member());
  });
  *response = std::move(*status);
  return grpc::Status::OK;
}

grpc::Status GoalServiceImpl::UndoProgress(grpc::ServerContext*,
                                           const v1::UndoProgressRequest* request,
                                           v1::GoalProgress* response) {
  auto undone = Undo(*request);
  if (!undone.ok()) return ToGrpc(undone.status());
  *response = *std::move(undone);
  return grpc::Status::OK;
}

absl::StatusOr<v1::GoalProgress> GoalServiceImpl::Undo(const v1::UndoProgressRequest& request) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return keys.status();
  const std::string& parent = request.parent();
  auto goal_id = ParseName("parent", parent, kGoals);
  if (!goal_id.ok()) return goal_id.status();
  const std::string collection = absl::StrCat(parent, "/progress");
  if (!request.name().empty()) {
    if (auto id = ParseName("name", request.name(), collection); !id.ok()) return id.status();
  }
  auto goal_state = GetLiveRecord(ctx_, **keys, Kind::kGoal, *goal_id, parent);
  if (!goal_state.ok()) return goal_state.status();
  const std::string me = ToHex((*keys)->member_id);

  // The progress named, or the caller's latest on the goal.
  std::string id;
  std::optional<v1::RecordState> found;
  const std::string prefix = collection + "/";
  auto s = ctx_.store->ForEach(
      **keys, Kind::kGoalProgress, [&](std::string_view raw, const v1::RecordState& state) {
        if (!IsLive(state)) return true;
        const v1::GoalProgress& p = state.record().goal_progress();
        if (p.name().rfind(prefix, 0) != 0) return true;
        if (!request.name().empty()) {
          if (p.name() != request.name()) return true;
        } else if (p.author() != me) {
          return true;
        } else if (found.has_value()) {
          const auto& best = found->record().goal_progress().create_time();
          if (std::make_pair(p.create_time().seconds(), p.create_time().nanos()) <=
              std::make_pair(best.seconds(), best.nanos())) {
            return true;
          }
        }
        id = std::string(raw);
        found = state;
        return true;
      });
  if (!s.ok()) return s;
  if (!found.has_value()) {
    if (!request.name().empty()) {
      return absl::NotFoundError(absl::StrCat(request.name(), " not found"));
    }
    return absl::NotFoundError(absl::StrCat("you have logged no progress on ", parent, " to undo"));
  }
  if (auto denied = CheckAuthor(ctx_, **keys, Kind::kGoalProgress, *found); !denied.ok()) {
    return denied;
  }
  Mutation m;
  m.body.set_kind(static_cast<uint32_t>(Kind::kGoalProgress));
  m.body.set_record_id(id);
  m.body.set_tombstone(true);
  // Progress is as private as its goal: the tombstone goes where it went.
  const v1::Visibility goal_visibility = goal_state->record().goal().visibility();
  m.visibility =
      goal_visibility == v1::VISIBILITY_SHARED ? v1::VISIBILITY_SHARED : v1::VISIBILITY_PRIVATE;
  m.require = Mutation::Require::kLive;
  auto written = ctx_.store->Write(**keys, std::move(m));
  if (!written.ok()) {
    if (absl::IsNotFound(written.status())) {
      return absl::NotFoundError(
          absl::StrCat(found->record().goal_progress().name(), " not found"));
    }
    return written.status();
  }
  return found->record().goal_progress();
}

}  // namespace attune
