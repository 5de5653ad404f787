// A blind relay: a process that serves PeerService.Sync to the member
// devices of any number of spaces, keeps their shared ops (opaque envelopes,
// checked like every daemon checks them but never opened) and forwards them
// live and at catch-up, so two devices that never reach each other converge
// through it. It holds no space or personal key; its own Ed25519 key (its
// id, which devices pin) is its only secret. See SECURITY.md for what it
// learns and how long it keeps ops.
//
// Thread-safe.
#ifndef ATTUNE_DAEMON_RELAY_RELAY_H_
#define ATTUNE_DAEMON_RELAY_RELAY_H_

#include <grpcpp/server.h>

#include <map>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "daemon/base/clock.h"
#include "daemon/relay/relay_session.h"
#include "daemon/store/db.h"
#include "daemon/store/relay_log.h"
#include "daemon/sync/peer_gate.h"
#include "daemon/sync/tls_identity.h"

namespace attune {

struct RelayOptions {
  // Where the data lives: a RocksDB database, made private (0700).
  std::string data_dir;
  // "host:port"; port 0 picks a free one.
  std::string listen = "0.0.0.0:27443";
  // A space no member device visited for this long is forgotten whole
  // (its ops, certificates and changes).
  absl::Duration forget_after = absl::Hours(24 * 90);
  // Spaces held at most; a device of a new space past it is refused
  // (RESOURCE_EXHAUSTED).
  size_t max_spaces = 100000;
  // Sync streams open at once (each holds a thread while open).
  int max_streams = 2048;
};

// What `attune-relay stats` prints: per space, the ops held per author and
// the last visit.
struct RelaySpaceStats {
  std::string space;  // raw
  std::map<std::string, uint64_t> heads;
  int64_t last_visit_ms = 0;
};

class Relay : private SpaceDirectory {
 public:
  // Opens the data folder (making the relay's key on the first start),
  // listens and serves until Stop.
  static absl::StatusOr<std::unique_ptr<Relay>> Start(const RelayOptions& options,
                                                      const Clock* clock);
  ~Relay() override;

  // The relay's raw device key (its id).
  const std::string& device() const { return device_; }
  int port() const { return port_; }
  // "RELAY-ID@host:port" for the address it listens on (the host as given;
  // 0.0.0.0 stays as it is and the operator names the public one).
  std::string Address() const;

  // Forgets the spaces no member visited within forget_after (and no stream
  // is open for). Runs hourly on its own; tests call it.
  void ForgetIdle();

  // Ends every stream at once and stops listening; returns once every
  // session has returned.
  void Stop();

  // Reads a stopped relay's data folder.
  static absl::StatusOr<std::vector<RelaySpaceStats>> Stats(const std::string& data_dir);

 private:
  class Service;
  Relay(RelayOptions options, const Clock* clock);
  // SpaceDirectory.
  absl::StatusOr<std::shared_ptr<RelaySpace>> Acquire(const std::string& space) override;
  std::shared_ptr<RelaySpace> Keep(std::shared_ptr<RelaySpace> space) override;
  void Release(const std::shared_ptr<RelaySpace>& space) override;
  // Every second until Stop: ends the streams whose Hello is late, and
  // forgets idle spaces once an hour.
  void Watch();

  const RelayOptions options_;
  const Clock* const clock_;
  std::unique_ptr<Db> db_;
  std::unique_ptr<RelayLog> log_;
  std::string device_;
  TlsIdentity identity_;
  int port_ = 0;
  std::unique_ptr<Service> service_;
  std::unique_ptr<PeerGate> gate_;
  std::unique_ptr<grpc::Server> server_;

  absl::Mutex mu_;
  // The spaces kept (a device proved a member); RelaySpace::users too.
  std::map<std::string, std::shared_ptr<RelaySpace>> spaces_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Streams open now, for the caps a stranger meets and the Hello deadline.
  struct Inbound {
    std::string device;  // as TLS proved it
    absl::Time hello_by;
    bool helloed = false;
  };
  std::map<grpc::ServerContext*, Inbound> inbound_ ABSL_GUARDED_BY(mu_);
  std::thread watcher_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_RELAY_RELAY_H_
