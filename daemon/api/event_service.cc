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
    if (after == 0 || !hub_->ChangesKeptAfter(after)) {
      if (after != 0) pending_.push_back(ReloadEvent(last));
      cursor_ = last;
      sent_ = last;
      return;
    }
    const uint64_t floor = hub_->RingFloor();
    cursor_ = std::max(after, floor);
    sent_ = after;
    if (after < floor) Owe(after, floor + 1);
  }

  static v1::Event ReloadEvent(uint64_t id) {
    v1::Event reload;
    reload.set_id(id);
    reload.mutable_reload()->set_reason(
        "more record changes happened since that id than the daemon keeps: get what you show "
        "again");
    return reload;
  }

  // Record changes with ids in (after, before) are to be sent from the disk:
  // now when the vault is unlocked, else after the next unlock.
  void Owe(uint64_t after, uint64_t before) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (auto keys = vault_->Keys(); keys.ok()) {
      if (!hub_->ChangesKeptAfter(after)) {
        // Trimmed while they waited for the unlock.
        pending_.push_back(ReloadEvent(before - 1));
        return;
      }
      std::vector<v1::Event> kept;
      if (auto s = hub_->ReadKeptChanges(**keys, after, before, &kept); !s.ok()) {
        EndLocked(ToGrpc(s));
        return;
      }
      for (v1::Event& e : kept) pending_.push_back(std::move(e));
      return;
    }
    OweLater(after);
  }

  // Record changes above `after` wait for the next unlock; until then the
  // ring's record changes are skipped (the unlock sends them from the disk).
  void OweLater(uint64_t after) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!owed_ || after < owed_after_) owed_after_ = after;
    owed_ = true;
  }

  // Moves the next events from the hub into pending_, until there is one to
  // send or the hub has no more.
  void Refill() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    while (pending_.empty() && !done_) {
      std::vector<v1::Event> got;
      if (!hub_->ReadAfter(cursor_, kReadBatch, &got)) {
        EndLocked(grpc::Status(
            grpc::StatusCode::RESOURCE_EXHAUSTED,
            absl::StrCat("this watcher fell too far behind the daemon's events; Watch again with "
                         "after_id=",
                         ResumeId())));
        return;
      }
      if (got.empty()) {
        if (!live_sent_) {
          v1::Event live;
          live.set_id(cursor_);
          live.mutable_live();
          pending_.push_back(std::move(live));
          live_sent_ = true;
        }
        return;
      }
      const bool unlocked = vault_->state() == Vault::State::kUnlocked;
      for (v1::Event& e : got) {
        cursor_ = e.id();
        if (e.has_record_changed() && (owed_ || !unlocked)) {
          OweLater(e.id() - 1);
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
    }
  }

  // Where a cut watcher resumes without a gap: its last event, or before
  // the record changes it is owed.
  uint64_t ResumeId() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return owed_ ? std::min(sent_, owed_after_) : sent_;
  }

  void Pump() {
    absl::MutexLock lock(&mu_);
    if (writing_ || done_) return;
    if (hub_->closed()) {
      EndLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE, "attuned is stopping"));
      return;
    }
    while (true) {
      if (pending_.empty()) Refill();
      if (pending_.empty() || done_) return;
      // Locked since it was queued: a record change waits for the unlock.
      if (pending_.front().has_record_changed() && vault_->state() != Vault::State::kUnlocked) {
        OweLater(pending_.front().id() - 1);
        pending_.pop_front();
        continue;
      }
      break;
    }
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
