// What this daemon knows of each peer device: where it listens, whether a
// stream is open, when it was last seen, how far its log is, the last error.
// Addresses are kept in the meta column family; the rest lives in memory.
// Thread-safe.
#ifndef ATTUNE_DAEMON_SYNC_PEER_STATUS_H_
#define ATTUNE_DAEMON_SYNC_PEER_STATUS_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/store/meta.h"
#include "daemon/store/record_store.h"

namespace attune {

class PeerStatusBook {
 public:
  struct Peer {
    std::vector<std::string> addresses;
    int open_streams = 0;
    int inbound_streams = 0;
    absl::Time last_seen = absl::InfinitePast();
    RecordStore::VersionVector their_vv;  // as last known
    std::string last_error;
  };

  explicit PeerStatusBook(Db* db) : saved_(db, LocalTable::kPeerAddresses) {}
  absl::Status Load();

  // Called, under the book's lock (it must not call back into the book),
  // when a peer gets its first open stream (online) or loses its last
  // (offline). Set once, before streams open.
  void SetOnlineChange(std::function<void(const std::string& device, bool online)> fn) {
    online_change_ = std::move(fn);
  }

  // Remembers where a peer listens (durably when it changed).
  void SetAddresses(const std::string& device, const std::vector<std::string>& addresses);
  std::vector<std::string> Addresses(const std::string& device) const;

  void StreamOpened(const std::string& device, bool inbound, absl::Time now);
  void StreamClosed(const std::string& device, bool inbound, absl::Time now,
                    const std::string& error);
  void SetError(const std::string& device, const std::string& error);
  // Raises the peer's known holdings (never lowers them).
  void Observe(const std::string& device, const RecordStore::VersionVector& vv);
  bool HasInbound(const std::string& device) const;

  std::map<std::string, Peer> Snapshot() const;

 private:
  LocalSettings saved_;
  std::function<void(const std::string& device, bool online)> online_change_;
  mutable absl::Mutex mu_;
  std::map<std::string, Peer> peers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_PEER_STATUS_H_
