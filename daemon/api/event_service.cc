#include "daemon/api/event_service.h"

#include <deque>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/grpc_status.h"

namespace attune {
namespace {

constexpr size_t kReadBatch = 64;

// One Watch. Lives until OnDone. `Pump` writes the next event when no write
// is in flight; it runs on gRPC's threads and on the hub's wake-ups.
class Watcher final : public grpc::ServerWriteReactor<v1::Event> {
 public:
  Watcher(EventHub* hub, const Vault* vault, uint64_t after) : hub_(hub), vault_(vault) {
    {
      absl::MutexLock lock(&mu_);
      Begin(after);
    }
    token_ = hub_->Subscribe([this] { Pump(); });
    Pump();
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) EndLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
    }
    Pump();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    EndLocked(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    hub_->Unsubscribe(token_);
    delete this;
  }

 private:
  // Where the stream starts: what is owed from the disk, and from where the
  // ring is followed.
  void Begin(uint64_t after) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const uint64_t last = hub_->LastDelivered();
    if (after > last) {
      EndLocked(grpc::Status(
          grpc::StatusCode::INVALID_ARGUMENT,
          absl::StrCat("after_id: ", after, " is not an id this daemon gave (the last is ", last,
                       "); watch from 0, or from an event's id")));
      return;
    }
    if (after == 0) {
      cursor_ = last;
      return;
    }
    if (!hub_->ChangesKeptAfter(after)) {
      v1::Event reload;
      reload.set_id(last);
      reload.mutable_reload()->set_reason(
          "more record changes happened since that id than the daemon keeps: get what you show "
          "again");
      pending_.push_back(std::move(reload));
      cursor_ = last;
      return;
    }
    const uint64_t floor = hub_->RingFloor();
    cursor_ = std::max(after, floor);
    if (after < floor) Owe(after, floor + 1);
  }

  // Record changes with ids in (after, before) are to be sent from the disk.
  void Owe(uint64_t after, uint64_t before) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (auto keys = vault_->Keys(); keys.ok()) {
      std::vector<v1::Event> kept;
      if (auto s = hub_->ReadKeptChanges(**keys, after, before, &kept); !s.ok()) {
        EndLocked(ToGrpc(s));
        return;
      }
      for (v1::Event& e : kept) pending_.push_back(std::move(e));
      return;
    }
    // Locked: sent at the next unlock, before the unlock's own event.
    if (!owed_ || after < owed_after_) owed_after_ = after;
    owed_ = true;
  }

  // Moves the next events from the hub into pending_.
  void Refill() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::vector<v1::Event> got;
    if (!hub_->ReadAfter(cursor_, kReadBatch, &got)) {
      EndLocked(grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("this watcher fell too far behind the daemon's events; Watch again with "
                       "after_id=",
                       sent_)));
      return;
    }
    const bool unlocked = vault_->state() == Vault::State::kUnlocked;
    for (v1::Event& e : got) {
      cursor_ = e.id();
      if (e.has_record_changed() && !unlocked) {
        if (!owed_ || e.id() - 1 < owed_after_) owed_after_ = e.id() - 1;
        owed_ = true;
        continue;
      }
      if (e.has_vault_changed() && e.vault_changed().state() == v1::VaultStatus::UNLOCKED &&
          owed_ && unlocked) {
        owed_ = false;
        Owe(owed_after_, e.id());
        if (done_) return;
      }
      pending_.push_back(std::move(e));
    }
    if (got.empty() && !live_sent_) {
      v1::Event live;
      live.set_id(cursor_);
      live.mutable_live();
      pending_.push_back(std::move(live));
      live_sent_ = true;
    }
  }

  void Pump() {
    absl::MutexLock lock(&mu_);
    if (writing_ || done_) return;
    if (hub_->closed()) {
      EndLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "attuned is stopping"));
      return;
    }
    if (pending_.empty()) Refill();
    if (pending_.empty() || done_) return;
    current_ = std::move(pending_.front());
    pending_.pop_front();
    sent_ = std::max(sent_, current_.id());
    writing_ = true;
    StartWrite(&current_);
  }

  // Finishes once; a write in flight completes first (gRPC allows Finish
  // then, and OnWriteDone still comes).
  void EndLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (done_) return;
    done_ = true;
    Finish(status);
  }

  EventHub* const hub_;
  const Vault* const vault_;
  uint64_t token_ = 0;

  absl::Mutex mu_;
  std::deque<v1::Event> pending_ ABSL_GUARDED_BY(mu_);
  v1::Event current_ ABSL_GUARDED_BY(mu_);
  uint64_t cursor_ ABSL_GUARDED_BY(mu_) = 0;  // the last hub event taken
  uint64_t sent_ ABSL_GUARDED_BY(mu_) = 0;    // the highest id written
  bool owed_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t owed_after_ ABSL_GUARDED_BY(mu_) = 0;
  bool live_sent_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

grpc::ServerWriteReactor<v1::Event>* EventServiceImpl::Watch(grpc::CallbackServerContext*,
                                                             const v1::WatchRequest* request) {
  return new Watcher(hub_, vault_, request->after_id());
}

}  // namespace attune
