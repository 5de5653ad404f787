#include "daemon/api/reminder_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "daemon/base/hex.h"
#include "daemon/records/authorship.h"
#include "daemon/records/kinds.h"
#include "daemon/records/record_checks.h"
#include "daemon/records/record_ops.h"
#include "daemon/store/merge.h"
#include "google/protobuf/util/time_util.h"

namespace attune {
namespace {

// The person's own live reminders, with their ids.
absl::StatusOr<std::vector<std::pair<std::string, v1::Reminder>>> OwnReminders(
    const ServiceContext& ctx, const KeySet& keys) {
  std::vector<std::pair<std::string, v1::Reminder>> out;
  const std::string me = ToHex(keys.member_id);
  auto s = ctx.store->ForEach(keys, Kind::kReminder,
                              [&](std::string_view id, const v1::RecordState& state) {
                                if (IsLive(state) && state.record().reminder().author() == me) {
                                  v1::Reminder r = state.record().reminder();
                                  r.set_name(MakeName(kReminders, id));
                                  out.emplace_back(std::string(id), std::move(r));
                                }
                                return true;
                              });
  if (!s.ok()) return s;
  return out;
}

// The person's own live reminder `name`, or NOT_FOUND.
absl::StatusOr<v1::Reminder> OwnReminder(const ServiceContext& ctx, const KeySet& keys,
                                         const std::string& name, std::string* id_out) {
  auto id = ParseName("name", name, kReminders);
  if (!id.ok()) return id.status();
  auto state = GetLiveRecord(ctx, keys, Kind::kReminder, *id, name);
  if (!state.ok()) return state.status();
  if (state->record().reminder().author() != ToHex(keys.member_id)) {
    return absl::NotFoundError(absl::StrCat(name, " not found"));
  }
  v1::Reminder r = state->record().reminder();
  r.set_name(name);
  if (id_out != nullptr) *id_out = *id;
  return r;
}

}  // namespace

grpc::Status ReminderServiceImpl::CreateReminder(grpc::ServerContext*,
                                                 const v1::CreateReminderRequest* request,
                                                 v1::Reminder* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  v1::Reminder r = request->reminder();
  std::string zone_name;
  auto zone = ZoneOrLocal("reminder.time_zone", r.time_zone(), *ctx_.clock, &zone_name);
  if (!zone.ok()) return ToGrpc(zone.status());
  r.set_time_zone(zone_name);
  if (auto s = CheckReminder(&r); !s.ok()) return ToGrpc(s);
  if (r.kind() == v1::REMINDER_KIND_GOAL) {
    auto goal_id = ParseName("reminder.goal", r.goal(), kGoals);
    if (!goal_id.ok()) return ToGrpc(goal_id.status());
    auto goal = GetLiveRecord(ctx_, **keys, Kind::kGoal, *goal_id, r.goal());
    if (!goal.ok()) {
      return ToGrpc(absl::InvalidArgumentError(
          absl::StrCat("reminder.goal: ", r.goal(), " is no goal this device holds")));
    }
  }
  auto existing = OwnReminders(ctx_, **keys);
  if (!existing.ok()) return ToGrpc(existing.status());
  if (static_cast<int>(existing->size()) >= kMaxReminders) {
    return ToGrpc(absl::InvalidArgumentError(absl::StrCat(
        "reminder: you have ", kMaxReminders, " reminders, the most there may be; remove one")));
  }
  const std::string id = NewRecordIdOf((*keys)->member_id);
  auto state = CreateRecord(ctx_, **keys, Kind::kReminder, id, &r, Mutation::Require::kAbsent);
  if (!state.ok()) return ToGrpc(state.status());
  *response = state->record().reminder();
  response->set_name(MakeName(kReminders, id));
  scheduler_->Wake();
  return grpc::Status::OK;
}

grpc::Status ReminderServiceImpl::GetReminder(grpc::ServerContext*,
                                              const v1::GetReminderRequest* request,
                                              v1::Reminder* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  auto r = OwnReminder(ctx_, **keys, request->name(), nullptr);
  if (!r.ok()) return ToGrpc(r.status());
  *response = *std::move(r);
  return grpc::Status::OK;
}

grpc::Status ReminderServiceImpl::ListReminders(grpc::ServerContext*,
                                                const v1::ListRemindersRequest*,
                                                v1::ListRemindersResponse* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  auto all = OwnReminders(ctx_, **keys);
  if (!all.ok()) return ToGrpc(all.status());
  std::stable_sort(all->begin(), all->end(), [](const auto& a, const auto& b) {
    return a.second.time_of_day() < b.second.time_of_day();
  });
  for (auto& [id, r] : *all) {
    auto next = scheduler_->NextDue(r);
    *response->add_next_due_times() =
        next.has_value()
            ? google::protobuf::util::TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(*next))
            : google::protobuf::Timestamp();
    *response->add_reminders() = std::move(r);
  }
  return grpc::Status::OK;
}

grpc::Status ReminderServiceImpl::DeleteReminder(grpc::ServerContext*,
                                                 const v1::DeleteReminderRequest* request,
                                                 google::protobuf::Empty*) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  std::string id;
  auto r = OwnReminder(ctx_, **keys, request->name(), &id);
  if (!r.ok()) return ToGrpc(r.status());
  if (auto s = DeleteRecord(ctx_, **keys, Kind::kReminder, id, request->name()); !s.ok()) {
    return ToGrpc(s);
  }
  scheduler_->Wake();
  return grpc::Status::OK;
}

}  // namespace attune
