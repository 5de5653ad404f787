// SearchIndexer: keeps a SearchIndex of what a person can read here current,
// and answers searches from it.
//
// Its own thread sleeps until the event hub delivers something. Then, while
// the vault is unlocked, it builds the index once (every visible journal
// entry, check-in and appreciation, in one transaction) and afterwards only
// re-reads the records the hub names as changed; when the vault is locked it
// drops the index, and SQLite wipes the memory it held (search_index.h).
//
// Threads: Start and Stop on the daemon's thread; Search on any (gRPC's); the
// hub's notifier only sets a flag. The index is guarded by one mutex: a
// search waits for a build under way.
#ifndef ATTUNE_DAEMON_SEARCH_SEARCH_INDEXER_H_
#define ATTUNE_DAEMON_SEARCH_SEARCH_INDEXER_H_

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

  // SearchIndex::Query on the current index. FAILED_PRECONDITION (the
  // vault's message) while locked or uninitialised; UNAVAILABLE when the
  // index is not ready within 60 s of an unlock (a build that slow means
  // something is wrong) or the indexer stopped.
  absl::StatusOr<std::vector<SearchIndex::Hit>> Search(const std::string& query,
                                                       const std::vector<std::string>& kinds,
                                                       int offset, int limit);

  // How many records the index holds; 0 when there is none. For tests.
  size_t IndexedCount();

 private:
  bool WakeOrStop() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return wake_ || stop_; }
  // A search can go on: the index is there, or it will not come.
  bool ReadyOrNot() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Run();
  // Builds a new index from the store with `keys` and replaces the old.
  absl::Status Rebuild(const KeySet& keys) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Re-reads the record `name` of `kind` and puts it in the index, or takes
  // it out when it is gone or not visible.
  absl::Status Refresh(const KeySet& keys, const std::string& kind, const std::string& name)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  EventHub* const hub_;
  const Vault* const vault_;
  const RecordStore* const store_;
  uint64_t token_ = 0;  // the hub subscription
  std::thread thread_;
  bool stopped_ = false;  // the daemon's thread only

  mutable absl::Mutex mu_;
  std::unique_ptr<SearchIndex> index_ ABSL_GUARDED_BY(mu_);
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  // The thread only: the last hub event read.
  uint64_t cursor_ = 0;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_SEARCH_SEARCH_INDEXER_H_
