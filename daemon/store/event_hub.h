// The daemon's events (v1::Event, api.proto's EventService): ids, the order
// watchers see them in, what is kept to replay, and the wake-ups of watchers.
//
// Ids grow across restarts: the high 32 bits are the daemon's start number
// (kept in meta, raised at every Open), the low 32 bits count the events of
// that run. Record changes take their id while the store commits them
// (Reserve, then Stage into the commit's batch) and are delivered once the
// batch is durable (Publish); other events are delivered at once (Emit).
// Watchers always see events in id order: a delivered event waits behind
// any lower id still reserved.
//
// Kept: every delivered event in memory, the last `ring_events`; record
// changes on the disk too, the last `kept_changes` (sealed with the data
// key, bound to their key, in meta), so they replay across restarts.
//
// Thread-safe. Writers never wait for watchers: delivering appends to the
// ring and signals the hub's one notifier thread, which calls each
// subscriber's wake function (never on a producer's thread, so a producer
// may emit while holding its own locks). The notifier sleeps while nothing
// is delivered.
#ifndef ATTUNE_DAEMON_STORE_EVENT_HUB_H_
#define ATTUNE_DAEMON_STORE_EVENT_HUB_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "attune/v1/api.pb.h"
#include "daemon/base/clock.h"
#include "daemon/store/db.h"
#include "daemon/vault/keys.h"

namespace attune {

class EventHub {
 public:
  struct Options {
    size_t ring_events = 4096;
    size_t kept_changes = 10000;
  };

  // Raises the start number durably and reads which record changes are
  // kept. `db` and `clock` must outlive the hub.
  static absl::StatusOr<std::unique_ptr<EventHub>> Open(Db* db, const Clock* clock,
                                                        Options options);

  // --- Producers ----------------------------------------------------------
  // Gives `event` the next id and the time, and delivers it. After Close,
  // nothing is delivered.
  void Emit(v1::Event event);

  // For the record store, under its commit lock: the next id, held back
  // from delivery until Publish or Abandon names it.
  uint64_t Reserve();
  // Adds `event` (id reserved, record_changed set), sealed, to the commit's
  // `batch`, and the removal of the oldest kept changes past the limit. Sets
  // the event's time.
  void Stage(const KeySet& keys, v1::Event* event, Batch* batch);
  // Delivers events whose ids were reserved (their batch is durable).
  void Publish(std::vector<v1::Event> events);
  // Gives up reserved ids (their batch was not written).
  void Abandon(const std::vector<uint64_t>& ids);

  // --- Watchers -----------------------------------------------------------
  // The id of the last delivered event; before this run's first, the
  // lowest id of this run minus one (above every earlier run's ids).
  uint64_t LastDelivered() const;
  // Every delivered event with an id above this is in memory.
  uint64_t RingFloor() const;
  // How many delivered events are kept in memory (Options::ring_events).
  size_t RingCapacity() const { return options_.ring_events; }
  // Up to `max` delivered events with ids above `after`, in order; false
  // when some of them already left memory (after < RingFloor()).
  bool ReadAfter(uint64_t after, size_t max, std::vector<v1::Event>* out) const;
  // For a watcher inside the daemon that keeps its own cursor: calls `fn`
  // with every delivered event after *cursor, in order, moving *cursor past
  // each. Returns false when some of them had left memory already: then
  // *cursor is moved to LastDelivered(), and the watcher must look at
  // everything afresh.
  bool Drain(uint64_t* cursor, const std::function<void(const v1::Event&)>& fn) const;
  // False when record changes with ids above `after` were removed from the
  // disk (too many since): a watcher from there must reload.
  bool ChangesKeptAfter(uint64_t after) const;
  // The kept record changes with after < id < before, in order, opened with
  // `keys`.
  absl::Status ReadKeptChanges(const KeySet& keys, uint64_t after, uint64_t before,
                               std::vector<v1::Event>* out) const;

  // `wake` is called on the hub's notifier thread after events are
  // delivered and when the hub closes; it may call the hub's readers. One
  // call may stand for several deliveries. With `wants`, only when one of
  // the events delivered since the last call passes it (or some left memory
  // before the notifier saw them, or the hub closes): a watcher that cares
  // about a few kinds is not woken, nor its thread, for every write. Events
  // delivered before Subscribe are not asked about: a watcher that set its
  // cursor before subscribing looks once after it. `wants` is asked about
  // every event delivered after Subscribe that is still in memory when the
  // notifier runs, once each; it runs on the notifier thread under the
  // hub's lock: it must be quick and must not call the hub.
  uint64_t Subscribe(std::function<void()> wake,
                     std::function<bool(const v1::Event&)> wants = nullptr);
  void Unsubscribe(uint64_t token);
  // No more events: watchers are woken and find closed() true.
  void Close();
  bool closed() const;

  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

 private:
  // `base`: the start number << 32; this run's ids are above it.
  EventHub(Db* db, const Clock* clock, Options options, uint64_t base);
  // Moves published events that no reservation holds back into the ring.
  // Returns whether anything was delivered.
  bool DeliverLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Asks the notifier to wake every subscriber.
  void WakeAll();
  // The notifier thread's loop.
  void Notify();
  bool WakeOrStop() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(wake_mu_) { return wake_ || stop_; }

  Db* const db_;
  const Clock* const clock_;
  const Options options_;

  mutable absl::Mutex mu_;
  uint64_t next_ ABSL_GUARDED_BY(mu_);
  std::set<uint64_t> reserved_ ABSL_GUARDED_BY(mu_);
  std::map<uint64_t, v1::Event> ready_ ABSL_GUARDED_BY(mu_);
  std::deque<v1::Event> ring_ ABSL_GUARDED_BY(mu_);
  uint64_t ring_floor_ ABSL_GUARDED_BY(mu_);
  uint64_t last_delivered_ ABSL_GUARDED_BY(mu_);
  // Ids of the record changes on the disk, oldest first (staged ones too).
  std::deque<uint64_t> kept_ ABSL_GUARDED_BY(mu_);
  // The highest id removed from the disk; 0: none.
  uint64_t trimmed_through_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;

  // Held by the notifier while it calls wake functions (which take their
  // watcher's lock, then mu_): taken before those, never after.
  mutable absl::Mutex subscribers_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  uint64_t next_token_ ABSL_GUARDED_BY(subscribers_mu_) = 1;
  struct Subscriber {
    std::function<void()> wake;
    std::function<bool(const v1::Event&)> wants;  // null: every delivery
    uint64_t seen = 0;                            // the last event `wants` was asked about
    uint64_t woken_at = 0;                        // the last event delivered when last woken
  };
  std::map<uint64_t, Subscriber> subscribers_ ABSL_GUARDED_BY(subscribers_mu_);
  // Under mu_: whether an event after *seen passes `wants` (true too when
  // some left memory before), moving *seen to the last delivered.
  bool WantsAnyLocked(const std::function<bool(const v1::Event&)>& wants, uint64_t* seen) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex wake_mu_;
  bool wake_ ABSL_GUARDED_BY(wake_mu_) = false;
  bool stop_ ABSL_GUARDED_BY(wake_mu_) = false;
  std::thread notifier_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_STORE_EVENT_HUB_H_
