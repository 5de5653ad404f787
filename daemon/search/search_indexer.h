// SearchIndexer: keeps a SearchIndex of what a person can read here current,
// and answers searches from it.
//
// Its own thread sleeps until the event hub delivers something (or a search
// asks). Then, while the vault is unlocked, it builds the index once for the
// vault's keys (every visible journal entry, check-in and appreciation, in
// one transaction, outside the lock searches take) and afterwards only
// re-reads the records the hub names as changed; when the vault is locked,
// or its keys are not the ones the index was built with, it drops the index,
// and SQLite wipes the memory it held (search_index.h). Every hit is checked
// against the store again before it is returned, so a record deleted or made
// private is never shown, even in the moment before the index hears of it.
//
// Threads: Start and Stop on the daemon's thread; Search on any (gRPC's). The
// hub's notifier only sets a flag under a lock of its own: it never waits for
// a build or a search.
#ifndef ATTUNE_DAEMON_SEARCH_SEARCH_INDEXER_H_
#define ATTUNE_DAEMON_SEARCH_SEARCH_INDEXER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "daemon/search/search_index.h"
#include "daemon/store/event_hub.h"
#include "daemon/store/record_store.h"
#include "daemon/vault/vault.h"

namespace attune {

// The record kinds search covers, as RecordChanged.kind names them.
inline constexpr const char* kSearchedKinds[] = {"journal_entry", "check_in", "appreciation"};

class SearchIndexer {
 public:
  // All three must outlive this object.
  SearchIndexer(EventHub* hub, const Vault* vault, const RecordStore* store)
      : hub_(hub), vault_(vault), store_(store) {}
  // Stops, if Stop was not called.
  ~SearchIndexer();
  SearchIndexer(const SearchIndexer&) = delete;
  SearchIndexer& operator=(const SearchIndexer&) = delete;

  // Subscribes to the hub and starts the thread (which builds the index at
  // once when the vault is unlocked).
  void Start();
  // Unsubscribes, stops the thread and drops the index. Idempotent.
  void Stop();

  // SearchIndex::Query on the current index, without the hits that are no
  // longer visible. FAILED_PRECONDITION (the vault's message) while locked
  // or uninitialised; the build's error when the index could not be built
  // (each search tries again); UNAVAILABLE when the index is not ready within
  // 60 s or attuned is stopping.
  absl::StatusOr<std::vector<SearchIndex::Hit>> Search(const std::string& query,
                                                       const std::vector<std::string>& kinds,
                                                       int offset, int limit);

 private:
  // Record changes read from the hub and not yet in the index: (kind, name).
  using Changed = std::set<std::pair<std::string, std::string>>;

  bool WakeOrStop() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(wake_mu_) { return wake_ || stop_; }
  bool UrgentOrStop() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(wake_mu_) {
    return urgent_ || lagging_ || stop_;
  }
  // Asks the thread to look at the hub and the vault again: at once when
  // `urgent` (a search waits for it, or the vault changed), else once the
  // changes pause (GatherChanges), so that a burst of writes is indexed in
  // one look and transaction after it, not while it competes for the cores.
  // `lagging` only has the thread read the hub's events meanwhile.
  void Kick(bool urgent = false, bool lagging = false);
  void Run();
  // On the thread, after a wake: returns once a look is due, reading the
  // hub's events into `changed` meanwhile whenever they pile up.
  void GatherChanges(Changed* changed, bool* rebuild);
  // Whether a quarter of what the hub keeps in memory is unread, well
  // before its memory would pass over it (any thread).
  bool Lagging() const;
  // Reads every event the hub delivered after cursor_ into `changed`; when
  // the hub's memory passed over some, starts over from the store
  // (`*rebuild`, `changed` cleared).
  void ReadEvents(Changed* changed, bool* rebuild);
  // One look: reads the hub, then builds, refreshes or drops the index.
  void Look(Changed* changed, bool* rebuild);
  // A new index from the store with `keys`.
  absl::StatusOr<std::unique_ptr<SearchIndex>> Build(const KeySet& keys) const;
  // Re-reads the record `name` of `kind` and puts it in `index`, or takes it
  // out when it is gone or not visible.
  absl::Status Refresh(const KeySet& keys, SearchIndex* index, const std::string& kind,
                       const std::string& name) const;
  // Whether the record a hit names is still there and visible.
  bool StillVisible(const KeySet& keys, const SearchDoc& doc) const;

  EventHub* const hub_;
  const Vault* const vault_;
  const RecordStore* const store_;
  uint64_t token_ = 0;  // the hub subscription
  // Set by the subscription's filter on the hub's notifier thread when the
  // vault changed; the next wake-up is then urgent.
  std::atomic<bool> vault_changed_{false};
  std::thread thread_;
  bool stopped_ = false;  // the daemon's thread only

  // The thread's wake-up; the hub's notifier takes only this lock.
  mutable absl::Mutex wake_mu_;
  bool wake_ ABSL_GUARDED_BY(wake_mu_) = false;
  bool urgent_ ABSL_GUARDED_BY(wake_mu_) = false;
  bool lagging_ ABSL_GUARDED_BY(wake_mu_) = false;
  bool stop_ ABSL_GUARDED_BY(wake_mu_) = false;

  mutable absl::Mutex mu_;
  std::unique_ptr<SearchIndex> index_ ABSL_GUARDED_BY(mu_);
  // The keys the index was built with (compared, never dereferenced).
  const KeySet* built_for_ ABSL_GUARDED_BY(mu_) = nullptr;
  // The last build's error; OK after a good one.
  absl::Status failed_ ABSL_GUARDED_BY(mu_);
  // Looks finished, so a search can wait for the one it asked for.
  uint64_t looks_ ABSL_GUARDED_BY(mu_) = 0;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;  // the thread is gone or going
  // The hub event the last finished look read through (cursor_ then).
  uint64_t read_through_ ABSL_GUARDED_BY(mu_) = 0;
  // The last hub event read: written by the thread only, read by the hub's
  // notifier too (Lagging).
  std::atomic<uint64_t> cursor_{0};
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_SEARCH_SEARCH_INDEXER_H_
