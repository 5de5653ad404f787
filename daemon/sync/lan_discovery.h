// Local discovery: announces where this device listens by UDP multicast on
// the networks it listens on, and hears the announcements of the space's
// other devices there (the datagram and its checks: lan_announcement.h).
//
// Which networks: a listener on every interface (0.0.0.0) announces on each
// IPv4 interface that is up and does multicast, loopback aside; a listener
// on one address announces on that address's interface only (127.0.0.1:
// loopback, so daemons on one machine find each other and nothing leaves
// it). Interfaces are looked up again before each round, so a laptop that
// joins a Wi-Fi network is found there within one interval.
//
// Thread-safe. One thread of its own sends and receives; `on_heard` is
// called on it.
#ifndef ATTUNE_DAEMON_SYNC_LAN_DISCOVERY_H_
#define ATTUNE_DAEMON_SYNC_LAN_DISCOVERY_H_

#include <functional>
#include <map>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "attune/v1/api.pb.h"
#include "daemon/base/clock.h"
#include "daemon/sync/lan_announcement.h"
#include "daemon/vault/keys.h"

namespace attune {

struct LanDiscoveryOptions {
  // The peer listener's host ("0.0.0.0", "127.0.0.1") and port; port 0:
  // not listening, so nothing is announced (announcements are still heard).
  std::string listen_host;
  uint16_t listen_port = 0;
  absl::Duration interval = absl::Seconds(30);
  // The least time between two rounds when answering a newcomer.
  absl::Duration answer_gap = absl::Seconds(1);
};

class LanDiscovery {
 public:
  // `is_member` and `on_heard(device, "ip:port")` are called on the
  // discovery thread, never under its lock. The device key is copied from
  // `keys`: nothing else of the vault is kept.
  LanDiscovery(LanDiscoveryOptions options, const KeySet& keys, const Clock* clock,
               std::function<bool(const std::string&)> is_member,
               std::function<void(const std::string& device, const std::string& address)> on_heard);
  ~LanDiscovery();

  // Opens the socket and starts the thread. An error (the port is taken by
  // a program that does not share it) leaves discovery off; the daemon goes
  // on without it.
  absl::Status Start();
  // Stops the thread; returns once it has ended.
  void Stop();

  // What `attune sync status` shows.
  v1::LanDiscovery Status() const;

 private:
  struct Interface {
    std::string name;
    std::string address;  // dotted IPv4
  };
  std::vector<Interface> Interfaces() const;
  void Run();
  // Joins the group on interfaces new since the last round and announces on
  // each (with the discovery thread's socket).
  void Announce();
  void Receive();

  const LanDiscoveryOptions options_;
  const std::string device_;
  const SecretBytes secret_;
  const Clock* const clock_;
  const std::function<void(const std::string&, const std::string&)> on_heard_;
  AnnouncementChecker checker_;  // discovery thread only
  int socket_ = -1;
  uint64_t last_sent_ms_ = 0;  // discovery thread only
  // A member device heard for the first time in a while: announce again
  // soon (at most every answer_gap), so that it learns of this one too
  // without waiting out its interval. Discovery thread only.
  std::map<std::string, absl::Time> heard_at_;
  bool answer_due_ = false;
  int stop_pipe_[2] = {-1, -1};
  std::thread thread_;

  mutable absl::Mutex mu_;
  v1::LanDiscovery status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_LAN_DISCOVERY_H_
