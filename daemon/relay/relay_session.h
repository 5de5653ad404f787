// daemon/relay/ is the blind relay (attune-relay): it holds and forwards the
// shared ops of the spaces its users' devices name, without any space or
// personal key (docs/ARCHITECTURE.md, "Relays").
//
// One space as the relay sees it, and one sync stream with a member device.
// The stream speaks PeerService.Sync like a daemon (sync.proto), from the
// listener's side: the device's Hello first, the relay's Hello back, then
// each side sends what the other lacks and new ops are pushed live.
#ifndef ATTUNE_DAEMON_RELAY_RELAY_SESSION_H_
#define ATTUNE_DAEMON_RELAY_RELAY_SESSION_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "attune/v1/sync.pb.h"
#include "daemon/base/clock.h"
#include "daemon/store/relay_log.h"
#include "daemon/sync/membership.h"
#include "daemon/sync/sync_session.h"

namespace attune {

// A space the relay serves: its membership (certificates and changes,
// judged by the same rules as every daemon: sync/space_rules.h) and a
// counter that moves whenever it holds more, for the streams that wait.
// Thread-safe.
class RelaySpace {
 public:
  // `db` must outlive the space.
  RelaySpace(Db* db, std::string id) : id_(std::move(id)), members_(db, id_) {}

  const std::string& id() const { return id_; }
  Membership& members() { return members_; }

  // Something new was stored: wakes the streams that wait.
  void Changed();
  // Returns the counter once it differs from `seen`, or after `timeout`.
  uint64_t WaitForChange(uint64_t seen, absl::Duration timeout) const;
  uint64_t Version() const;

  // Sessions holding the space (SpaceDirectory::Acquire to Release): a
  // space held is never forgotten. Read and written only under the
  // directory's lock.
  int users = 0;

 private:
  const std::string id_;
  Membership members_;
  mutable absl::Mutex mu_;
  uint64_t version_ ABSL_GUARDED_BY(mu_) = 0;
};

// Where sessions get the spaces they serve (the relay). Thread-safe.
class SpaceDirectory {
 public:
  virtual ~SpaceDirectory() = default;
  // The state of `space`, held for the caller until Release; a fresh one,
  // kept nowhere yet, for a space not served yet. RESOURCE_EXHAUSTED when
  // the relay holds as many spaces as it may, UNAVAILABLE when stopping.
  virtual absl::StatusOr<std::shared_ptr<RelaySpace>> Acquire(const std::string& space) = 0;
  // The device proved a member: returns the state kept from now on (this
  // one, or one another session kept meanwhile, then held instead).
  virtual std::shared_ptr<RelaySpace> Keep(std::shared_ptr<RelaySpace> space) = 0;
  // Done with `space`. When it was never kept (the Hello was refused),
  // whatever that Hello stored is deleted, unless another session kept the
  // space meanwhile.
  virtual void Release(const std::shared_ptr<RelaySpace>& space) = 0;
};

struct RelaySessionEnv {
  RelayLog* log;
  const Clock* clock;
  std::string relay_device;  // the relay's own key, its Hello's `device`
};

class RelaySession {
 public:
  // `tls_peer` is the device key the TLS handshake proved; `spaces` (which
  // must outlive the session) gives the space the device's Hello names.
  // `end_stream` cancels the call, so that a read or write blocked on the
  // other half returns when one half gives up.
  RelaySession(RelaySessionEnv env, MessageStream* stream, std::string tls_peer,
               SpaceDirectory* spaces, std::function<void()> end_stream);

  // Returns when the stream ends: OK when the device closed it or Stop()
  // was called, PERMISSION_DENIED when the device is not a member (or was
  // removed), INVALID_ARGUMENT / FAILED_PRECONDITION for a bad Hello.
  absl::Status Run();
  void Stop() { stop_ = true; }

 private:
  absl::Status CheckHello(const v1::Hello& hello);
  v1::SyncMessage MakeHello() const;
  void SendLoop();
  // Sends the device what it lacks; false once the stream broke.
  bool SendMissing(bool* sent_any);
  void Receive(const v1::OpBatch& batch);
  void MergeMembers(const v1::Members& m);

  RelaySessionEnv env_;
  MessageStream* const stream_;
  const std::string peer_;
  SpaceDirectory* const spaces_;
  std::function<void()> end_stream_;
  std::shared_ptr<RelaySpace> space_;
  std::atomic<bool> stop_{false};

  absl::Mutex mu_;
  // Per author: the highest seq the device holds, as far as we know.
  RelayLog::Heads their_vv_ ABSL_GUARDED_BY(mu_);
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_RELAY_RELAY_SESSION_H_
