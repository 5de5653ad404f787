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
    // Where LAN discovery heard it announce itself (one address per
    // network the two share), and when last.
    std::map<std::string, absl::Time> found_on_lan;
    int open_streams = 0;
    int inbound_streams = 0;
    absl::Time last_seen = absl::InfinitePast();
    RecordStore::VersionVector their_vv;  // as last known
    std::string last_error;
    // A catch-up under way: ops this device lacked of the peer's when it
    // began (raised when the peer writes meanwhile), and how many of them
    // have arrived.
    bool catching_up = false;
    uint64_t catch_up_expected = 0;
    uint64_t catch_up_received = 0;
    absl::Time catch_up_told = absl::InfinitePast();
  };

  explicit PeerStatusBook(Db* db) : saved_(db, LocalTable::kPeerAddresses) {}
  absl::Status Load();

  // Called, under the book's lock (it must not call back into the book),
  // when a peer gets its first open stream (online) or loses its last
  // (offline). Set once, before streams open.
  void SetOnlineChange(std::function<void(const std::string& device, bool online)> fn) {
    online_change_ = std::move(fn);
  }

  // Called, under the book's lock, with a catch-up's progress: when it
  // begins (received 0), at most every kProgressEvery while it goes on, and
  // when every op expected has arrived (received == expected). Set once,
  // before streams open.
  void SetProgress(
      std::function<void(const std::string& device, uint64_t received, uint64_t expected)> fn) {
    progress_ = std::move(fn);
  }
  static constexpr absl::Duration kProgressEvery = absl::Milliseconds(250);

  // Compares what this device holds (`ours`) with what the peer is known
  // to hold, and tells SetProgress()'s function how the catch-up goes.
  void NoteHoldings(const std::string& device, const RecordStore::VersionVector& ours,
                    absl::Time now);

  // Remembers where a peer listens (durably when it changed).
  void SetAddresses(const std::string& device, const std::vector<std::string>& addresses);
  // Where to dial a peer: where LAN discovery heard it within kFoundFor (most
  // recently heard first), then the addresses it told.
  std::vector<std::string> Addresses(const std::string& device, absl::Time now) const;
  // Remembers (in memory) where LAN discovery heard a peer; true when that
  // is news (an address not heard within kFoundFor).
  bool FoundOnLan(const std::string& device, const std::string& address, absl::Time now);
  static constexpr absl::Duration kFoundFor = absl::Minutes(5);

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
  std::function<void(const std::string& device, uint64_t received, uint64_t expected)> progress_;
  mutable absl::Mutex mu_;
  std::map<std::string, Peer> peers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_PEER_STATUS_H_
