// The reveal keeper: releases the keys of this person's sealed check-ins
// (reveal together, records/check_in_seal.h) when their time comes, on this
// device, which is the only place that can: the key is derived from the
// personal key, which never leaves the person's own devices.
//
// A check-in's key is released (a SHARED CheckInKey record, written once)
// when this device holds a check-in of every other member of the space for
// the same day, or when reveal together is off. It looks at unlock, when a
// check-in or a member's settings change (here or by sync) and when the
// members change; a check-in of the partner's that arrives while this
// device was offline is answered as soon as sync brings it. Its own thread
// (a Boost.Asio loop) does the work; wake-ups coalesce. Thread-safe.
#ifndef ATTUNE_DAEMON_API_REVEAL_KEEPER_H_
#define ATTUNE_DAEMON_API_REVEAL_KEEPER_H_

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "daemon/records/resource.h"

namespace attune {

class RevealKeeper {
 public:
  // `ctx` (vault, store, clock, events, member_ids) outlives the keeper.
  explicit RevealKeeper(ServiceContext ctx);
  ~RevealKeeper();  // Stop()

  // Reads every check-in and setting again and releases every key that is
  // due; returns how many it released (0 while locked). The keeper's thread
  // calls it at unlock and after a deletion; tests call it directly.
  absl::StatusOr<int> ReleaseDue() ABSL_LOCKS_EXCLUDED(mu_);

  // Starts the thread (after the event hub is open). Call once.
  void Start();
  // Stops the thread. Idempotent.
  void Stop();

 private:
  // What the keeper knows between looks, built by a full read and kept
  // current from the change events, so a burst of writes costs one record
  // read each, not a scan each.
  struct Known {
    std::shared_ptr<const KeySet> keys;                             // the unlock it was built for
    std::map<std::string, std::set<std::string>> others_by_day;     // day -> other authors
    std::map<std::string, std::vector<std::string>> sealed_by_day;  // day -> own unreleased ids
  };

  absl::Status Rebuild(const std::shared_ptr<const KeySet>& keys)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Note(const KeySet& keys, std::string_view id, const v1::RecordState& state)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<int> Release(const KeySet& keys) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Takes the check-ins named in `changed` into account (a full read when
  // the keys changed or `full`), then releases what is due.
  absl::StatusOr<int> Update(const std::set<std::string>& changed, bool full)
      ABSL_LOCKS_EXCLUDED(mu_);
  void Queue();
  void Look();

  ServiceContext ctx_;
  absl::Mutex mu_;
  Known known_ ABSL_GUARDED_BY(mu_);

  boost::asio::io_context io_;
  boost::asio::steady_timer retry_{io_};  // io thread only: a look after a failure
  std::thread thread_;
  uint64_t hub_token_ = 0;
  // io thread only: the last event looked at, and what changed since the
  // last look.
  uint64_t cursor_ = 0;
  std::set<std::string> changed_;
  bool full_ = true;
  std::atomic<bool> queued_{false};  // a Look is posted and has not started
  bool stopped_ = false;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_REVEAL_KEEPER_H_
