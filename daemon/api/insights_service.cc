#include "daemon/api/insights_service.h"

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "daemon/base/hex.h"
#include "daemon/records/check_in_seal.h"
#include "daemon/records/insights.h"
#include "daemon/records/record_ops.h"

namespace attune {
namespace {

constexpr int kDefaultWeeks = 12;
constexpr int kMaxWeeks = 104;

// Every visible record of `kind` as its message (`T` from `get`).
template <typename T>
absl::Status Collect(const ServiceContext& ctx, const KeySet& keys, Kind kind,
                     const T& (v1::Record::*get)() const, std::vector<T>* out) {
  return ctx.store->ForEach(keys, kind, [&](std::string_view, const v1::RecordState& state) {
    if (IsVisible(keys, state)) out->push_back((state.record().*get)());
    return true;
  });
}

// Every visible check-in, open where this device may read it: a partner's
// still sealed (reveal together) counts as a check-in of its day, without
// content.
absl::Status CollectCheckIns(const ServiceContext& ctx, const KeySet& keys,
                             std::vector<v1::CheckIn>* out) {
  absl::Status opened;
  auto s = ctx.store->ForEach(
      keys, Kind::kCheckIn, [&](std::string_view id, const v1::RecordState& state) {
        if (!IsVisible(keys, state)) return true;
        auto c = OpenCheckIn(keys, *ctx.store, id, state.record().check_in());
        if (!c.ok()) {
          opened = c.status();
          return false;
        }
        out->push_back(*std::move(c));
        return true;
      });
  return s.ok() ? opened : s;
}

}  // namespace

grpc::Status InsightsServiceImpl::GetInsights(grpc::ServerContext*,
                                              const v1::GetInsightsRequest* request,
                                              v1::Insights* response) {
  if (request->weeks() < 0 || request->weeks() > kMaxWeeks) {
    return ToGrpc(absl::InvalidArgumentError(absl::StrCat("weeks: 0 to ", kMaxWeeks)));
  }
  std::string zone_name;
  auto zone = ZoneOrLocal("time_zone", request->time_zone(), *ctx_.clock, &zone_name);
  if (!zone.ok()) return ToGrpc(zone.status());
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());

  InsightsInput in;
  in.me = ToHex((*keys)->member_id);
  in.now = ctx_.clock->Now();
  in.zone = *zone;
  in.weeks = request->weeks() == 0 ? kDefaultWeeks : request->weeks();
  for (absl::Status s :
       {CollectCheckIns(ctx_, **keys, &in.check_ins),
        Collect(ctx_, **keys, Kind::kAppreciation, &v1::Record::appreciation, &in.appreciations),
        Collect(ctx_, **keys, Kind::kExerciseSession, &v1::Record::exercise_session,
                &in.sessions)}) {
    if (!s.ok()) return ToGrpc(s);
  }
  *response = ComputeInsights(in);
  return grpc::Status::OK;
}

}  // namespace attune
