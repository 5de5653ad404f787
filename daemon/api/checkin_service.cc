#include "daemon/api/checkin_service.h"

#include <sodium.h>

#include <algorithm>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "daemon/api/paging.h"
#include "daemon/base/hex.h"
#include "daemon/records/authorship.h"
#include "daemon/records/emotions.h"
#include "daemon/records/record_checks.h"
#include "daemon/records/record_ops.h"
#include "daemon/records/validation.h"

namespace attune {
namespace {

const std::vector<std::string> kUpdatable = {"high", "low",       "emotions", "connection_rating",
                                             "note", "visibility"};
constexpr int kMaxGenerations = 64;

// Marks the refusal to replace a check-in unasked; the payload is the day.
constexpr char kCheckInExistsPayload[] = "type.attune.dev/attune.v1.CheckInExists";

v1::CheckIn Present(const v1::RecordState& state, std::string_view id) {
  v1::CheckIn c = state.record().check_in();
  c.set_name(MakeName(kCheckIns, id));
  return c;
}

}  // namespace

bool IsCheckInExists(const absl::Status& status) {
  return absl::IsFailedPrecondition(status) && status.GetPayload(kCheckInExistsPayload).has_value();
}

std::string CheckInExistsDay(const absl::Status& status) {
  auto day = status.GetPayload(kCheckInExistsPayload);
  return day.has_value() ? std::string(*day) : std::string();
}

std::string CheckInId(const KeySet& keys, const std::string& day, int generation) {
  std::string input = absl::StrCat("attune-checkin-id-v1", keys.member_id, day,
                                   std::string(1, static_cast<char>(generation)));
  std::string id(kRawIdBytes, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(id.data()), id.size(),
                     reinterpret_cast<const unsigned char*>(input.data()), input.size(),
                     keys.personal_key.data(), keys.personal_key.size());
  return RecordIdOf(keys.member_id, std::move(id));
}

grpc::Status CheckInServiceImpl::CreateCheckIn(grpc::ServerContext*,
                                               const v1::CreateCheckInRequest* request,
                                               v1::CheckIn* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  auto written = WriteCheckIn(ctx_, **keys, request->check_in(), request->replace());
  if (!written.ok()) return ToGrpc(written.status());
  *response = *std::move(written);
  return grpc::Status::OK;
}

absl::StatusOr<v1::CheckIn> WriteCheckIn(const ServiceContext& ctx, const KeySet& keys,
                                         v1::CheckIn c, bool replace) {
  // A check-in of the same day written or deleted meanwhile: look again.
  return CommitWithRetry<v1::CheckIn>(
      [&]() -> absl::StatusOr<v1::CheckIn> {
        auto plan = PlanCheckIn(ctx, keys, c, replace);
        if (!plan.ok()) return plan.status();
        auto states = ctx.store->WriteAll(keys, std::move(plan->mutations));
        if (!states.ok()) return states.status();
        return Present(states->back(), plan->id);
      },
      "check_in: the day's check-in kept changing while this one was written; try again");
}

absl::StatusOr<bool> HasCheckIn(const ServiceContext& ctx, const KeySet& keys,
                                const std::string& day) {
  for (int generation = 0; generation < kMaxGenerations; ++generation) {
    auto state = ctx.store->Get(keys, Kind::kCheckIn, CheckInId(keys, day, generation));
    if (!state.ok()) return state.status();
    if (!state->has_value()) return false;
    if (IsLive(**state)) return true;
  }
  return false;
}

absl::StatusOr<PlannedWrite> PlanCheckIn(const ServiceContext& ctx, const KeySet& keys,
                                         v1::CheckIn c, bool replace) {
  if (auto s = CheckCheckIn("check_in", &c); !s.ok()) return s;
  std::string zone_name;
  auto zone = ZoneOrLocal("check_in.time_zone", c.time_zone(), *ctx.clock, &zone_name);
  if (!zone.ok()) return zone.status();
  c.set_time_zone(zone_name);
  absl::CivilDay today = absl::ToCivilDay(ctx.clock->Now(), *zone);
  if (c.day().empty()) {
    c.set_day(FormatDay(today));
  } else {
    auto day = ParseDay("check_in.day", c.day());
    if (!day.ok()) return day.status();
    if (*day > today + 1) {
      return absl::InvalidArgumentError(absl::StrCat("check_in.day: ", c.day(),
                                                     " is in the future (today is ",
                                                     FormatDay(today), " in ", zone_name, ")"));
    }
  }

  std::vector<uint32_t> content = {
      v1::CheckIn::kHighFieldNumber,     v1::CheckIn::kLowFieldNumber,
      v1::CheckIn::kEmotionsFieldNumber, v1::CheckIn::kConnectionRatingFieldNumber,
      v1::CheckIn::kNoteFieldNumber,     v1::CheckIn::kVisibilityFieldNumber,
      v1::CheckIn::kTimeZoneFieldNumber};
  for (int generation = 0; generation < kMaxGenerations; ++generation) {
    PlannedWrite plan;
    plan.id = CheckInId(keys, c.day(), generation);
    auto existing = ctx.store->Get(keys, Kind::kCheckIn, plan.id);
    if (!existing.ok()) return existing.status();
    if (!existing->has_value()) {
      v1::CheckIn fresh = c;
      plan.mutations.push_back(
          CreateMutation(ctx, keys, Kind::kCheckIn, plan.id, &fresh, Mutation::Require::kAbsent));
      return plan;
    }
    if (IsLive(**existing)) {
      if (!replace) {
        absl::Status refused = absl::FailedPreconditionError(absl::StrCat(
            "you have checked in for ", c.day(), " already; pass replace to replace it"));
        refused.SetPayload(kCheckInExistsPayload, absl::Cord(c.day()));
        return refused;
      }
      auto update = UpdateMutations(ctx, keys, Kind::kCheckIn, plan.id,
                                    MakeName(kCheckIns, plan.id), c, content);
      if (!update.ok()) return update.status();
      plan.mutations = *std::move(update);
      return plan;
    }
    // Deleted for good: the day's next check-in gets a new id.
  }
  return absl::AbortedError("check_in: too many check-ins were deleted for this day");
}

grpc::Status CheckInServiceImpl::GetCheckIn(grpc::ServerContext*,
                                            const v1::GetCheckInRequest* request,
                                            v1::CheckIn* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  auto id = ParseName("name", request->name(), kCheckIns);
  if (!id.ok()) return ToGrpc(id.status());
  auto state = GetLiveRecord(ctx_, **keys, Kind::kCheckIn, *id, request->name());
  if (!state.ok()) return ToGrpc(state.status());
  *response = Present(*state, *id);
  return grpc::Status::OK;
}

grpc::Status CheckInServiceImpl::ListCheckIns(grpc::ServerContext*,
                                              const v1::ListCheckInsRequest* request,
                                              v1::ListCheckInsResponse* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  auto pager = Pager<v1::CheckIn>::Make(request->page_token(), request->page_size(), 100);
  if (!pager.ok()) return ToGrpc(pager.status());
  std::string start = request->start_day(), end = request->end_day();
  if (!start.empty()) {
    if (auto d = ParseDay("start_day", start); !d.ok()) return ToGrpc(d.status());
  }
  if (!end.empty()) {
    if (auto d = ParseDay("end_day", end); !d.ok()) return ToGrpc(d.status());
  }
  if (!start.empty() && !end.empty() && end < start) {
    return ToGrpc(
        absl::InvalidArgumentError(absl::StrCat("end_day: ", end, " is before start_day ", start)));
  }
  auto s = ctx_.store->ForEach(
      **keys, Kind::kCheckIn, [&](std::string_view id, const v1::RecordState& state) {
        if (!IsVisible(**keys, state)) return true;
        const v1::CheckIn& c = state.record().check_in();
        if ((!start.empty() && c.day() < start) || (!end.empty() && c.day() > end)) {
          return true;
        }
        pager->Add(absl::StrCat(c.day(), "|", c.author(), "|", ToHex(id)), Present(state, id));
        return true;
      });
  if (!s.ok()) return ToGrpc(s);
  response->set_next_page_token(pager->Finish(response->mutable_check_ins()));
  return grpc::Status::OK;
}

grpc::Status CheckInServiceImpl::UpdateCheckIn(grpc::ServerContext*,
                                               const v1::UpdateCheckInRequest* request,
                                               v1::CheckIn* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  const std::string& name = request->check_in().name();
  auto id = ParseName("check_in.name", name, kCheckIns);
  if (!id.ok()) return ToGrpc(id.status());
  auto fields = MaskToFields(request->update_mask(), v1::CheckIn::descriptor(), kUpdatable);
  if (!fields.ok()) return ToGrpc(fields.status());
  v1::CheckIn changes = request->check_in();
  if (auto s = CheckCheckIn("check_in", &changes, &*fields); !s.ok()) return ToGrpc(s);
  auto state = UpdateRecord(ctx_, **keys, Kind::kCheckIn, *id, name, changes, *fields);
  if (!state.ok()) return ToGrpc(state.status());
  *response = Present(*state, *id);
  return grpc::Status::OK;
}

grpc::Status CheckInServiceImpl::DeleteCheckIn(grpc::ServerContext*,
                                               const v1::DeleteCheckInRequest* request,
                                               google::protobuf::Empty*) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  auto id = ParseName("name", request->name(), kCheckIns);
  if (!id.ok()) return ToGrpc(id.status());
  return ToGrpc(DeleteRecord(ctx_, **keys, Kind::kCheckIn, *id, request->name()));
}

grpc::Status CheckInServiceImpl::ListEmotions(grpc::ServerContext*, const v1::ListEmotionsRequest*,
                                              v1::ListEmotionsResponse* response) {
  *response = EmotionVocabulary();
  return grpc::Status::OK;
}

}  // namespace attune
