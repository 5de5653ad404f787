// attune.v1.CheckInService: the daily check-in, one per member per day.
#ifndef ATTUNE_DAEMON_API_CHECKIN_SERVICE_H_
#define ATTUNE_DAEMON_API_CHECKIN_SERVICE_H_

#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "attune/v1/api.grpc.pb.h"
#include "daemon/records/member_settings.h"
#include "daemon/records/record_ops.h"
#include "daemon/records/resource.h"

namespace attune {

// The id of a member's check-in for a day: a keyed hash (with the member's
// personal key) of member, day and generation, so every device of the member
// derives the same id and the id reveals nothing. A deleted check-in's
// generation is never reused; the next one takes generation + 1.
std::string CheckInId(const KeySet& keys, const std::string& day, int generation);

// Writes a member's check-in for its day (today in its zone when empty),
// or, when `replace`, replaces the content of that day's check-in: what
// CreateCheckIn does. INVALID_ARGUMENT naming the field for bad input;
// FAILED_PRECONDITION "you have checked in for DAY already; pass replace to
// replace it" when the day has the member's check-in and `replace` is false
// (IsCheckInExists tells this refusal apart). Nothing is stored then.
absl::StatusOr<v1::CheckIn> WriteCheckIn(const ServiceContext& ctx, const KeySet& keys,
                                         v1::CheckIn check_in, bool replace);

// WriteCheckIn for a server that replies from wherever the write is made
// durable (api/write_front.h): `done` gets what WriteCheckIn would return,
// exactly once, on this thread or on the thread that commits the write
// (RecordStore::WriteAllAsync). A first check-in of the day does not wait
// for the disk here. A replace reads and writes under CheckInWriteMutex,
// which must be let go on the thread that took it, so it is WriteCheckIn
// itself: this thread waits for its fdatasync. `ctx` must outlive `done`.
// `lead` as for WriteAllAsync (for the first try; a retry leads at once).
void WriteCheckInAsync(const ServiceContext* ctx, std::shared_ptr<const KeySet> keys,
                       v1::CheckIn check_in, bool replace,
                       absl::AnyInvocable<void(absl::StatusOr<v1::CheckIn>)> done,
                       RecordStore::Lead lead = RecordStore::Lead::kNow);

// What WriteCheckIn would write for `check_in`, with the same checks and
// errors, without writing it (see PlannedWrite). `together` is reveal
// together as the caller read it (RevealTogetherNow), once for however many
// check-ins it plans: a shared check-in is sealed while it is on.
absl::StatusOr<PlannedWrite> PlanCheckIn(const ServiceContext& ctx, const KeySet& keys,
                                         v1::CheckIn check_in, bool replace,
                                         const RevealTogether& together);

// Whether the member of `keys` has a live check-in for `day` ("YYYY-MM-DD")
// on this device, whichever generation of the day's id it has.
absl::StatusOr<bool> HasCheckIn(const ServiceContext& ctx, const KeySet& keys,
                                const std::string& day);

// A stored check-in (`state`, check-in `id`) as this person may see it:
// named, its content open or sealed (records/check_in_seal.h), and for a
// partner's sealed one, why it waits (reveal: WAITING_FOR_YOURS,
// YOURS_IS_PRIVATE or WAITING_FOR_AUTHOR).
absl::StatusOr<v1::CheckIn> PresentCheckIn(const ServiceContext& ctx, const KeySet& keys,
                                           std::string_view id, const v1::RecordState& state);

// Held by every read-change-write of a check-in on this daemon (a replace
// or an update writes a sealed check-in's whole content).
absl::Mutex& CheckInWriteMutex();

// Whether `status` is the refusal to replace a day's check-in unasked (see
// WriteCheckIn); its day is then CheckInExistsDay(status).
bool IsCheckInExists(const absl::Status& status);
std::string CheckInExistsDay(const absl::Status& status);

// Thread-safe; called on gRPC's threads. CreateCheckIn is served by the
// write front (api/write_front.h), with WriteCheckInAsync.
class CheckInServiceImpl final
    : public v1::CheckInService::WithAsyncMethod_CreateCheckIn<v1::CheckInService::Service> {
 public:
  explicit CheckInServiceImpl(ServiceContext ctx) : ctx_(ctx) {}

  grpc::Status GetCheckIn(grpc::ServerContext*, const v1::GetCheckInRequest* request,
                          v1::CheckIn* response) override;
  grpc::Status ListCheckIns(grpc::ServerContext*, const v1::ListCheckInsRequest* request,
                            v1::ListCheckInsResponse* response) override;
  grpc::Status UpdateCheckIn(grpc::ServerContext*, const v1::UpdateCheckInRequest* request,
                             v1::CheckIn* response) override;
  grpc::Status DeleteCheckIn(grpc::ServerContext*, const v1::DeleteCheckInRequest* request,
                             google::protobuf::Empty* response) override;
  grpc::Status ListEmotions(grpc::ServerContext*, const v1::ListEmotionsRequest*,
                            v1::ListEmotionsResponse* response) override;
  grpc::Status BatchCreateCheckIns(grpc::ServerContext*,
                                   const v1::BatchCreateCheckInsRequest* request,
                                   v1::BatchCreateCheckInsResponse* response) override;

 private:
  ServiceContext ctx_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_CHECKIN_SERVICE_H_
