#include "daemon/api/checkin_service.h"

#include <sodium.h>

#include <algorithm>
#include <map>
#include <optional>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "daemon/api/paging.h"
#include "daemon/base/hex.h"
#include "daemon/records/authorship.h"
#include "daemon/records/check_in_seal.h"
#include "daemon/records/emotions.h"
#include "daemon/records/kinds.h"
#include "daemon/records/member_settings.h"
#include "daemon/records/record_checks.h"
#include "daemon/records/record_ops.h"
#include "daemon/records/validation.h"
#include "google/protobuf/util/field_mask_util.h"

namespace attune {
namespace {

const std::vector<std::string> kUpdatable = {"high", "low",       "emotions", "connection_rating",
                                             "note", "visibility"};
constexpr int kMaxGenerations = 64;

// Marks the refusal to replace a check-in unasked; the payload is the day.
constexpr char kCheckInExistsPayload[] = "type.attune.dev/attune.v1.CheckInExists";

constexpr char kKeptChanging[] =
    "check_in: the day's check-in kept changing while this one was written; try again";

// The visibility of this person's own live check-in for `day`; nullopt
// when they have none.
absl::StatusOr<std::optional<v1::Visibility>> OwnCheckInVisibility(const ServiceContext& ctx,
                                                                   const KeySet& keys,
                                                                   const std::string& day) {
  for (int generation = 0; generation < kMaxGenerations; ++generation) {
    auto state = ctx.store->Get(keys, Kind::kCheckIn, CheckInId(keys, day, generation));
    if (!state.ok()) return state.status();
    if (!state->has_value()) return std::nullopt;
    if (IsLive(**state)) return VisibilityOf((*state)->record().check_in());
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<v1::CheckIn> PresentCheckIn(const ServiceContext& ctx, const KeySet& keys,
                                           std::string_view id, const v1::RecordState& state) {
  auto c = OpenCheckIn(keys, *ctx.store, id, state.record().check_in());
  if (!c.ok()) return c.status();
  c->set_name(MakeName(kCheckIns, id));
  if (c->reveal() == v1::REVEAL_WAITING_FOR_YOURS) {
    auto own = OwnCheckInVisibility(ctx, keys, c->day());
    if (!own.ok()) return own.status();
    if (own->has_value()) {
      c->set_reveal(**own == v1::VISIBILITY_SHARED ? v1::REVEAL_WAITING_FOR_AUTHOR
                                                   : v1::REVEAL_YOURS_IS_PRIVATE);
    }
  }
  return c;
}

absl::Mutex& CheckInWriteMutex() {
  static absl::Mutex* mu = new absl::Mutex();
  return *mu;
}

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

absl::StatusOr<v1::CheckIn> WriteCheckIn(const ServiceContext& ctx, const KeySet& keys,
                                         v1::CheckIn c, bool replace) {
  // A check-in of the same day written or deleted meanwhile: look again.
  return CommitWithRetry<v1::CheckIn>(
      [&]() -> absl::StatusOr<v1::CheckIn> {
        // A replace is read and planned under the lock, which goes once the
        // write is in the log (not on the disk yet), so check-ins share
        // fdatasyncs. A first check-in needs none: the store refuses a second
        // one of the day's id (Require::kAbsent), and the keeper reads what
        // is in the log.
        std::optional<absl::ReleasableMutexLock> lock;
        if (replace) lock.emplace(&CheckInWriteMutex());
        auto together = RevealTogetherNow(keys, *ctx.store);
        if (!together.ok()) return together.status();
        auto plan = PlanCheckIn(ctx, keys, c, replace, *together);
        if (!plan.ok()) return plan.status();
        // Without a lock there is nothing to do once appended: no hook,
        // so this thread is not woken for one.
        std::function<void()> release;
        if (lock) release = [&] { lock->Release(); };
        auto states = ctx.store->WriteAll(keys, std::move(plan->mutations), release);
        if (!states.ok()) return states.status();
        return PresentCheckIn(ctx, keys, plan->id, states->back());
      },
      kKeptChanging);
}

namespace {

// One try of WriteCheckInAsync's first check-in of a day; `attempt` counts
// them as CommitWithRetry does, and the same refusals try again.
void AttemptCheckIn(const ServiceContext* ctx, std::shared_ptr<const KeySet> keys, v1::CheckIn c,
                    int attempt, absl::AnyInvocable<void(absl::StatusOr<v1::CheckIn>)> done,
                    RecordStore::Lead lead) {
  while (attempt < kMaxCommitAttempts) {
    auto together = RevealTogetherNow(*keys, *ctx->store);
    absl::StatusOr<PlannedWrite> plan =
        together.ok() ? PlanCheckIn(*ctx, *keys, c, /*replace=*/false, *together)
                      : absl::StatusOr<PlannedWrite>(together.status());
    if (!plan.ok() && ShouldPlanAgain(plan.status())) {
      ++attempt;
      continue;
    }
    if (!plan.ok()) return done(plan.status());
    std::string id = plan->id;
    ctx->store->WriteAllAsync(
        keys, std::move(plan->mutations),
        [ctx, keys, c = std::move(c), attempt, id = std::move(id),
         done = std::move(done)](absl::StatusOr<std::vector<v1::RecordState>> states) mutable {
          if (!states.ok() && ShouldPlanAgain(states.status())) {
            return AttemptCheckIn(ctx, std::move(keys), std::move(c), attempt + 1, std::move(done),
                                  RecordStore::Lead::kNow);
          }
          if (!states.ok()) return done(states.status());
          done(PresentCheckIn(*ctx, *keys, id, states->back()));
        },
        lead);
    return;
  }
  done(absl::AbortedError(kKeptChanging));
}

}  // namespace

void WriteCheckInAsync(const ServiceContext* ctx, std::shared_ptr<const KeySet> keys,
                       v1::CheckIn check_in, bool replace,
                       absl::AnyInvocable<void(absl::StatusOr<v1::CheckIn>)> done,
                       RecordStore::Lead lead) {
  if (replace) return done(WriteCheckIn(*ctx, *keys, std::move(check_in), true));
  AttemptCheckIn(ctx, std::move(keys), std::move(check_in), 0, std::move(done), lead);
}

absl::StatusOr<bool> HasCheckIn(const ServiceContext& ctx, const KeySet& keys,
                                const std::string& day) {
  auto own = OwnCheckInVisibility(ctx, keys, day);
  if (!own.ok()) return own.status();
  return own->has_value();
}

absl::StatusOr<PlannedWrite> PlanCheckIn(const ServiceContext& ctx, const KeySet& keys,
                                         v1::CheckIn c, bool replace,
                                         const RevealTogether& together) {
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

  std::vector<uint32_t> content = CheckInContentFields();
  content.push_back(v1::CheckIn::kVisibilityFieldNumber);
  content.push_back(v1::CheckIn::kTimeZoneFieldNumber);
  for (int generation = 0; generation < kMaxGenerations; ++generation) {
    PlannedWrite plan;
    plan.id = CheckInId(keys, c.day(), generation);
    auto existing = ctx.store->Get(keys, Kind::kCheckIn, plan.id);
    if (!existing.ok()) return existing.status();
    // Reveal together: a shared check-in's words are stored only sealed.
    v1::CheckIn stored = c;
    SealCheckInForWrite(keys, plan.id, together.on, &stored);
    if (!existing->has_value()) {
      plan.mutations.push_back(
          CreateMutation(ctx, keys, Kind::kCheckIn, plan.id, &stored, Mutation::Require::kAbsent));
      return plan;
    }
    if (IsLive(**existing)) {
      if (!replace) {
        absl::Status refused = absl::FailedPreconditionError(absl::StrCat(
            "you have checked in for ", c.day(), " already; pass replace to replace it"));
        refused.SetPayload(kCheckInExistsPayload, absl::Cord(c.day()));
        return refused;
      }
      auto update =
          UpdateMutationsOf(ctx, keys, Kind::kCheckIn, plan.id, **existing, stored, content);
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
  auto c = PresentCheckIn(ctx_, **keys, *id, *state);
  if (!c.ok()) return ToGrpc(c.status());
  *response = *std::move(c);
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
  // Paged as stored; only the page is opened and presented (a key lookup, a
  // decryption), so listing a long history page by page stays linear.
  auto s = ctx_.store->ForEach(
      **keys, Kind::kCheckIn, [&](std::string_view id, const v1::RecordState& state) {
        if (!IsVisible(**keys, state)) return true;
        const v1::CheckIn& c = state.record().check_in();
        if ((!start.empty() && c.day() < start) || (!end.empty() && c.day() > end)) {
          return true;
        }
        v1::CheckIn stored = c;
        stored.set_name(MakeName(kCheckIns, id));
        pager->Add(absl::StrCat(c.day(), "|", c.author(), "|", ToHex(id)), std::move(stored));
        return true;
      });
  if (!s.ok()) return ToGrpc(s);
  response->set_next_page_token(pager->Finish(response->mutable_check_ins()));
  for (v1::CheckIn& c : *response->mutable_check_ins()) {
    auto id = ParseName("name", c.name(), kCheckIns);
    if (!id.ok()) return ToGrpc(id.status());
    v1::RecordState state;
    *state.mutable_record()->mutable_check_in() = std::move(c);
    auto shown = PresentCheckIn(ctx_, **keys, *id, state);
    if (!shown.ok()) return ToGrpc(shown.status());
    c = *std::move(shown);
  }
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
  // Read, change and write under this daemon's check-in lock: a sealed
  // check-in is written whole, so two updates at once must not each write
  // back what the other changed. Released once the write is in the log.
  absl::ReleasableMutexLock lock(&CheckInWriteMutex());
  auto current = GetLiveRecord(ctx_, **keys, Kind::kCheckIn, *id, name);
  if (!current.ok()) return ToGrpc(current.status());
  if (auto s = CheckAuthor(ctx_, **keys, Kind::kCheckIn, *current); !s.ok()) return ToGrpc(s);
  auto together = RevealTogetherNow(**keys, *ctx_.store);
  if (!together.ok()) return ToGrpc(together.status());
  const v1::CheckIn& stored = current->record().check_in();
  const v1::Visibility visibility = std::find(fields->begin(), fields->end(),
                                              v1::CheckIn::kVisibilityFieldNumber) != fields->end()
                                        ? changes.visibility()
                                        : VisibilityOf(stored);
  absl::StatusOr<std::vector<Mutation>> mutations;
  if (stored.has_sealed_content() || (together->on && visibility == v1::VISIBILITY_SHARED)) {
    // Sealed before or after: the whole content is written again (sealed
    // when shared, records/check_in_seal.h), the changes applied to it.
    auto whole = OpenCheckIn(**keys, *ctx_.store, *id, stored);
    if (!whole.ok()) return ToGrpc(whole.status());
    if (stored.has_sealed_content() && whole->reveal() != v1::REVEAL_OPEN) {
      return ToGrpc(absl::DataLossError(absl::StrCat(
          name, ": its sealed words do not open on this device; nothing was changed")));
    }
    google::protobuf::FieldMask mask;
    for (uint32_t number : *fields) {
      mask.add_paths(v1::CheckIn::descriptor()->FindFieldByNumber(number)->name());
    }
    google::protobuf::util::FieldMaskUtil::MergeOptions options;
    options.set_replace_repeated_fields(true);
    google::protobuf::util::FieldMaskUtil::MergeMessageTo(changes, mask, options, &*whole);
    SealCheckInForWrite(**keys, *id, together->on, &*whole);
    std::vector<uint32_t> written = *fields;
    for (uint32_t number : CheckInContentFields()) {
      if (std::find(written.begin(), written.end(), number) == written.end()) {
        written.push_back(number);
      }
    }
    mutations = UpdateMutationsOf(ctx_, **keys, Kind::kCheckIn, *id, *current, *whole, written);
  } else {
    // Neither sealed nor to be sealed: the ops' visibility comes from the
    // state read above, so no words go in the clear on a shared op while
    // reveal together is on (the plain path is then a PRIVATE check-in's).
    mutations = UpdateMutationsOf(ctx_, **keys, Kind::kCheckIn, *id, *current, changes, *fields);
  }
  if (!mutations.ok()) return ToGrpc(mutations.status());
  auto states = ctx_.store->WriteAll(**keys, *std::move(mutations), [&] { lock.Release(); });
  if (!states.ok() && absl::IsNotFound(states.status())) {
    return ToGrpc(absl::NotFoundError(absl::StrCat(name, " not found")));
  }
  if (!states.ok()) return ToGrpc(states.status());
  absl::StatusOr<v1::RecordState> state = std::move(states->back());
  if (!state.ok()) return ToGrpc(state.status());
  auto c = PresentCheckIn(ctx_, **keys, *id, *state);
  if (!c.ok()) return ToGrpc(c.status());
  *response = *std::move(c);
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

grpc::Status CheckInServiceImpl::BatchCreateCheckIns(grpc::ServerContext*,
                                                     const v1::BatchCreateCheckInsRequest* request,
                                                     v1::BatchCreateCheckInsResponse* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  if (auto s = CheckBatchSize(request->requests_size()); !s.ok()) return ToGrpc(s);
  std::vector<std::string> ids;
  // Every request is planned (and so checked) before anything is written;
  // then one WriteAll stores them all or none.
  auto states = CommitWithRetry<std::vector<v1::RecordState>>(
      [&]() -> absl::StatusOr<std::vector<v1::RecordState>> {
        absl::ReleasableMutexLock lock(&CheckInWriteMutex());  // until in the log
        std::vector<Mutation> writes;
        std::vector<size_t> last;  // each request's last mutation
        std::map<std::string, int> first_of_day;
        ids.clear();
        auto together = RevealTogetherNow(**keys, *ctx_.store);
        if (!together.ok()) return together.status();
        for (int i = 0; i < request->requests_size(); ++i) {
          const v1::CreateCheckInRequest& r = request->requests(i);
          auto plan = PlanCheckIn(ctx_, **keys, r.check_in(), r.replace(), *together);
          if (!plan.ok()) return InBatch(i, plan.status());
          if (auto [at, fresh] = first_of_day.emplace(plan->id, i); !fresh) {
            return absl::InvalidArgumentError(
                absl::StrCat("requests[", i, "]: a second check-in for the day of requests[",
                             at->second, "]; a batch holds one per day"));
          }
          ids.push_back(plan->id);
          for (Mutation& m : plan->mutations) writes.push_back(std::move(m));
          last.push_back(writes.size() - 1);
        }
        auto written = ctx_.store->WriteAll(**keys, std::move(writes), [&] { lock.Release(); });
        if (!written.ok()) return written.status();
        std::vector<v1::RecordState> out;
        for (size_t at : last) out.push_back(std::move((*written)[at]));
        return out;
      },
      "check_ins: the days' check-ins kept changing while the batch was written; try again");
  if (!states.ok()) return ToGrpc(states.status());
  for (size_t i = 0; i < states->size(); ++i) {
    auto c = PresentCheckIn(ctx_, **keys, ids[i], (*states)[i]);
    if (!c.ok()) return ToGrpc(c.status());
    *response->add_check_ins() = *std::move(c);
  }
  return grpc::Status::OK;
}

grpc::Status CheckInServiceImpl::ListEmotions(grpc::ServerContext*, const v1::ListEmotionsRequest*,
                                              v1::ListEmotionsResponse* response) {
  *response = EmotionVocabulary();
  return grpc::Status::OK;
}

}  // namespace attune
