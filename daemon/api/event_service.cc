#include "daemon/api/event_service.h"

#include <grpc/support/time.h>
#include <pthread.h>

#include <algorithm>
#include <deque>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"

namespace attune {
namespace {

constexpr size_t kReadBatch = 64;

v1::Event ReloadEvent(uint64_t id) {
  v1::Event reload;
  reload.set_id(id);
  reload.mutable_reload()->set_reason(
      "more record changes happened since that id than the daemon keeps: get what you show "
      "again");
  return reload;
}

}  // namespace

// One Watch call, from the request gRPC matches to it until it is freed.
// Everything here runs on the service's queue thread (the constructor may
// run on the daemon's thread before that thread starts), so nothing is
// locked. At most one write or the finish is in flight at a time; the call
// is freed once gRPC said it is done and neither is in flight.
class EventServiceImpl::Watch {
 public:
  // Asks gRPC for the next Watch call; kRequest comes when one arrives.
  explicit Watch(EventServiceImpl* service)
      : hub_(service->hub_), vault_(service->vault_), writer_(&context_) {
    // Comes once the call is over (finished, cancelled, or cut by the
    // server's shutdown); not when the request itself fails.
    context_.AsyncNotifyWhenDone(&done_tag_);
    service->service_.RequestWatch(&context_, &request_, &writer_, service->cq_.get(),
                                   service->cq_.get(), &request_tag_);
  }

  // The call arrived.
  void Started() {
    Begin(request_.after_id());
    Pump();
  }

  // Writes the next event when none is in flight; on every hub wake-up and
  // after each write.
  void Pump() {
    if (writing_ || ended_) return;
    if (hub_->closed()) {
      End(grpc::Status(grpc::StatusCode::UNAVAILABLE, "attuned is stopping"));
      return;
    }
    while (true) {
      if (pending_.empty()) Refill();
      if (pending_.empty() || ended_) return;
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
    writer_.Write(current_, &write_tag_);
  }

  void WriteDone(bool ok) {
    writing_ = false;
    if (!ok) {
      // The call is dead (the client went away or it was cancelled): there
      // is no one to send a status to, and the done tag follows.
      ended_ = true;
      finish_deferred_ = false;
      return;
    }
    if (finish_deferred_) {
      finish_deferred_ = false;
      StartFinish();
      return;
    }
    Pump();
  }

  void FinishDone() { finishing_ = false; }

  // gRPC's done tag: nothing more is written.
  void Done() {
    done_ = true;
    ended_ = true;
    finish_deferred_ = false;
  }

  bool Freeable() const { return done_ && !writing_ && !finishing_; }

 private:
  // Where the stream starts: what is owed from the disk, and from where the
  // ring is followed.
  void Begin(uint64_t after) {
    const uint64_t last = hub_->LastDelivered();
    if (after > last) {
      End(grpc::Status(
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

  // Record changes with ids in (after, before) are to be sent from the disk:
  // now when the vault is unlocked, else after the next unlock.
  void Owe(uint64_t after, uint64_t before) {
    if (auto keys = vault_->Keys(); keys.ok()) {
      if (!hub_->ChangesKeptAfter(after)) {
        // Trimmed while they waited for the unlock.
        pending_.push_back(ReloadEvent(before - 1));
        return;
      }
      std::vector<v1::Event> kept;
      if (auto s = hub_->ReadKeptChanges(**keys, after, before, &kept); !s.ok()) {
        End(ToGrpc(s));
        return;
      }
      for (v1::Event& e : kept) pending_.push_back(std::move(e));
      return;
    }
    OweLater(after);
  }

  // Record changes above `after` wait for the next unlock; until then the
  // ring's record changes are skipped (the unlock sends them from the disk).
  void OweLater(uint64_t after) {
    if (!owed_ || after < owed_after_) owed_after_ = after;
    owed_ = true;
  }

  // Moves the next events from the hub into pending_, until there is one to
  // send or the hub has no more.
  void Refill() {
    while (pending_.empty() && !ended_) {
      std::vector<v1::Event> got;
      if (!hub_->ReadAfter(cursor_, kReadBatch, &got)) {
        End(grpc::Status(
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
        if (e.has_vault_changed() && e.vault_changed().state() == v1::VaultStatus::STATE_UNLOCKED &&
            owed_ && unlocked) {
          owed_ = false;
          Owe(owed_after_, e.id());
          if (ended_) return;
        }
        pending_.push_back(std::move(e));
      }
    }
  }

  // Where a cut watcher resumes without a gap: its last event, or before
  // the record changes it is owed.
  uint64_t ResumeId() const { return owed_ ? std::min(sent_, owed_after_) : sent_; }

  // Ends the call with `status` once: now, or when the write in flight
  // completes (the async API allows one write or the finish at a time).
  void End(const grpc::Status& status) {
    if (ended_) return;
    ended_ = true;
    status_ = status;
    if (writing_) {
      finish_deferred_ = true;
      return;
    }
    StartFinish();
  }

  void StartFinish() {
    finishing_ = true;
    writer_.Finish(status_, &finish_tag_);
  }

  EventHub* const hub_;
  const Vault* const vault_;

  grpc::ServerContext context_;
  v1::WatchRequest request_;
  grpc::ServerAsyncWriter<v1::Event> writer_;
  Tag request_tag_{this, Tag::kRequest};
  Tag write_tag_{this, Tag::kWrite};
  Tag finish_tag_{this, Tag::kFinish};
  Tag done_tag_{this, Tag::kDone};

  std::deque<v1::Event> pending_;
  v1::Event current_;    // the event being written
  uint64_t cursor_ = 0;  // the last hub event taken
  uint64_t sent_ = 0;    // the highest id written
  bool owed_ = false;
  uint64_t owed_after_ = 0;
  bool live_sent_ = false;
  bool writing_ = false;          // a write is in flight
  bool finishing_ = false;        // the finish is in flight
  bool ended_ = false;            // finished, being finished, or dead: nothing more to send
  bool finish_deferred_ = false;  // finish with status_ once the write completes
  grpc::Status status_;
  bool done_ = false;  // gRPC's done tag came
};

EventServiceImpl::~EventServiceImpl() { Stop(); }

void EventServiceImpl::AddTo(grpc::ServerBuilder* builder) {
  builder->RegisterService(&service_);
  // Not "frequently polled": with such a queue gRPC makes a server with
  // sync methods a hybrid one, whose sync queues stop polling and leave all
  // of the server's I/O to this queue's one thread. This queue carries only
  // the Watch calls and the wake-up alarm.
  cq_ = builder->AddCompletionQueue(/*is_frequently_polled=*/false);
}

void EventServiceImpl::Start() {
  token_ = hub_->Subscribe([this] { Wake(); });
  // The first request is asked for here, before the thread exists, so that
  // a queue shut down at once still finds it asked (and fails it).
  RequestNext();
  thread_ = std::thread([this] { Run(); });
  pthread_setname_np(thread_.native_handle(), "attuned-events");
}

void EventServiceImpl::Stop() {
  if (stopped_) return;
  stopped_ = true;
  // After this the notifier is not in Wake and never calls it again.
  if (token_ != 0) hub_->Unsubscribe(token_);
  {
    absl::MutexLock lock(&wake_mu_);
    closing_ = true;
  }
  if (cq_ == nullptr) return;
  cq_->Shutdown();
  if (thread_.joinable()) {
    thread_.join();
  } else {
    Run();  // never started: drains the queue here
  }
  // The queue gave every tag back, every done tag too: each started call
  // was freed. (Nothing is in flight now, so a leftover could be freed.)
  for (Watch* w : watches_) delete w;
  watches_.clear();
}

void EventServiceImpl::Run() {
  void* tag;
  bool ok;
  while (cq_->Next(&tag, &ok)) Handle(static_cast<Tag*>(tag), ok);
}

void EventServiceImpl::RequestNext() { new Watch(this); }

void EventServiceImpl::Handle(Tag* tag, bool ok) {
  if (tag->kind == Tag::kWake) {
    {
      absl::MutexLock lock(&wake_mu_);
      wake_pending_ = false;  // a wake-up from now on sets the alarm again
    }
    if (ok) {
      for (Watch* w : watches_) w->Pump();
    }
    return;
  }
  Watch* w = tag->watch;
  switch (tag->kind) {
    case Tag::kRequest:
      if (!ok) {
        // The server is shutting down: no call, and no done tag will come.
        delete w;
        return;
      }
      RequestNext();
      watches_.insert(w);
      {
        // Counted before the hub is read, so no delivery after the read
        // goes without a wake-up.
        absl::MutexLock lock(&wake_mu_);
        ++watching_;
      }
      w->Started();
      break;
    case Tag::kWrite:
      w->WriteDone(ok);
      break;
    case Tag::kFinish:
      w->FinishDone();
      break;
    case Tag::kDone:
      w->Done();
      break;
    case Tag::kWake:
      break;
  }
  if (w->Freeable()) {
    watches_.erase(w);
    delete w;
    absl::MutexLock lock(&wake_mu_);
    --watching_;
  }
}

void EventServiceImpl::Wake() {
  absl::MutexLock lock(&wake_mu_);
  if (wake_pending_ || closing_ || watching_ == 0) return;
  wake_pending_ = true;
  // Due in the past: gRPC runs the alarm at once, here, and it only carries
  // the wake-up onto the queue's thread. (A deadline of "now" is rounded up
  // to the next millisecond and goes through gRPC's timer thread.)
  wake_alarm_.Set(cq_.get(), gpr_inf_past(GPR_CLOCK_MONOTONIC), &wake_tag_);
}

}  // namespace attune
