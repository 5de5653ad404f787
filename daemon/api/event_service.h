// EventService (api.proto): each Watch replays what the client missed from
// the EventHub, then follows the hub live.
//
// Served on gRPC's async API, not its callback API: a callback service
// makes gRPC start threads that poll on a timer even while nothing happens
// (on an idle daemon, several wake-ups a second). Here every Watch runs on
// one completion queue owned by this service, drained by one thread of its
// own that blocks in Next() without a deadline: it sleeps while no watcher
// has anything to do. An idle watcher holds no thread and is woken only by
// new events.
//
// Threads:
// - The queue's thread does everything a Watch does: it starts it, reads
//   the hub, writes, finishes, and frees it. A call's state is touched on
//   no other thread, so it needs no lock.
// - The hub's notifier thread only asks for a wake-up: it sets an alarm on
//   the queue (at most one pending), and the queue's thread then moves
//   every open Watch on.
// - The daemon's thread calls AddTo, Start and Stop, in that order.
#ifndef ATTUNE_DAEMON_API_EVENT_SERVICE_H_
#define ATTUNE_DAEMON_API_EVENT_SERVICE_H_

#include <grpcpp/alarm.h>
#include <grpcpp/server_builder.h>

#include <cstdint>
#include <memory>
#include <set>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "attune/v1/api.grpc.pb.h"
#include "daemon/store/event_hub.h"
#include "daemon/vault/vault.h"

namespace attune {

class EventServiceImpl {
 public:
  // `hub` and `vault` must outlive this. Close the hub before the server
  // shuts down, so that open watches end with UNAVAILABLE.
  EventServiceImpl(EventHub* hub, const Vault* vault) : hub_(hub), vault_(vault) {}
  // Stops, if Stop was not called (the server must be shut down or never
  // started by then).
  ~EventServiceImpl();
  EventServiceImpl(const EventServiceImpl&) = delete;
  EventServiceImpl& operator=(const EventServiceImpl&) = delete;

  // Before builder->BuildAndStart(): registers the service and adds the
  // completion queue. The server must be destroyed before this object.
  void AddTo(grpc::ServerBuilder* builder);
  // Once the server is started: subscribes to the hub and starts the
  // queue's thread, which takes the first call.
  void Start();
  // Once server->Shutdown() has returned (every call is over then: the
  // shutdown's grace ends in cancelling them): unsubscribes from the hub,
  // shuts the queue down, drains it and joins its thread. Idempotent. With
  // the server still serving it would wait for ever: the queue holds the
  // request for the next call until the server shuts down.
  void Stop();

 private:
  class Watch;  // one call; event_service.cc

  // What a tag on the queue stands for: an event of a Watch, or the alarm.
  struct Tag {
    enum Kind { kRequest, kWrite, kFinish, kDone, kWake };
    Watch* watch;  // null for kWake
    Kind kind;
  };

  // The queue's thread.
  void Run();
  // On the queue's thread: asks gRPC for the next Watch call.
  void RequestNext();
  // On the queue's thread: what `tag` says happened.
  void Handle(Tag* tag, bool ok);
  // On the hub's notifier thread: a wake-up for every Watch.
  void Wake();

  EventHub* const hub_;
  const Vault* const vault_;
  v1::EventService::AsyncService service_;
  std::unique_ptr<grpc::ServerCompletionQueue> cq_;
  std::thread thread_;
  uint64_t token_ = 0;  // the hub subscription; 0: none
  bool stopped_ = false;

  // The queue's thread only.
  std::set<Watch*> watches_;  // the started ones, not yet freed

  Tag wake_tag_{nullptr, Tag::kWake};
  absl::Mutex wake_mu_;
  grpc::Alarm wake_alarm_ ABSL_GUARDED_BY(wake_mu_);
  // The alarm is set and its tag not yet taken from the queue.
  bool wake_pending_ ABSL_GUARDED_BY(wake_mu_) = false;
  // The queue is (about to be) shut down: no more alarms on it.
  bool closing_ ABSL_GUARDED_BY(wake_mu_) = false;
  // Started watches not yet over: with none, a hub wake-up wakes no one.
  int watching_ ABSL_GUARDED_BY(wake_mu_) = 0;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_EVENT_SERVICE_H_
