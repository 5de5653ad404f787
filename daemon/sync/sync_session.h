// One anti-entropy stream with one peer device, the same on both ends
// (docs/ARCHITECTURE.md, "Anti-entropy"): Hellos, then each side sends what the other
// lacks in batches, then new ops are pushed as they are stored, including
// ops of third devices (forwarding). Runs until the stream ends.
#ifndef ATTUNE_DAEMON_SYNC_SYNC_SESSION_H_
#define ATTUNE_DAEMON_SYNC_SYNC_SESSION_H_

#include <atomic>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "attune/v1/sync.pb.h"
#include "daemon/base/clock.h"
#include "daemon/store/record_store.h"
#include "daemon/sync/membership.h"
#include "daemon/sync/peer_status.h"
#include "daemon/vault/vault.h"

namespace attune {

inline constexpr uint32_t kProtocolVersion = 1;

// What a removed device is told when it dials, and what `attune sync status`
// shows about it: who removed it and when.
std::string RemovedMessage(const Membership& members, const std::string& device);

// A Members message carrying `certs` and `changes` (either may be empty),
// as sent when they grow or to tell a removed peer why.
v1::SyncMessage MembersMessage(std::vector<v1::MemberCert> certs,
                               std::vector<v1::SpaceChange> changes);

// The two directions of a gRPC stream, client or server side. Read and Write
// may be called from two threads at once (one reader, one writer).
class MessageStream {
 public:
  virtual ~MessageStream() = default;
  virtual bool Read(v1::SyncMessage* message) = 0;
  virtual bool Write(const v1::SyncMessage& message) = 0;
  virtual bool Cancelled() = 0;
};

// What a session works with; every pointer outlives the session.
struct SessionEnv {
  RecordStore* store;
  Membership* members;
  Vault* vault;
  PeerStatusBook* peers;
  const Clock* clock;
  std::string space_id;
  std::string self_device;
  std::vector<std::string> listen_addresses;
  // Called when a peer's Hello or Members taught us of new member devices.
  std::function<void()> on_new_members;
  // Called when a peer's Hello or Members brought space changes (removals,
  // key epochs) this device did not hold.
  std::function<void()> on_space_change;
  // The peer is a blind relay this device pinned (attune relay add), not a
  // member: it is taken without a certificate, is sent no addresses, no
  // private op and no private version vector, and what it brings (ops,
  // certificates, changes) is checked like anything a member forwards.
  bool peer_is_relay = false;
};

class SyncSession {
 public:
  // `tls_peer` is the device key the TLS handshake proved.
  SyncSession(SessionEnv env, MessageStream* stream, bool dialer, std::string tls_peer);

  // Returns when the stream ends: OK when the peer or Stop() closed it,
  // PERMISSION_DENIED / FAILED_PRECONDITION when the peer was refused.
  absl::Status Run();
  // Asks Run to return soon (thread-safe).
  void Stop() { stop_ = true; }

 private:
  // The member id of this device's person when the peer is another device
  // of that same person (whose private streams it may hold); nullopt
  // otherwise.
  std::optional<std::string> SharedPerson() const;
  // The private streams held of `member`'s devices (durable seqs).
  RecordStore::VersionVector OwnPersonsPrivateStreams(const std::string& member) const;
  v1::SyncMessage MakeHello() const;
  absl::Status CheckHello(const v1::Hello& hello);
  // Keeps the space changes a peer sent (Membership::MergeChanges).
  absl::Status MergeChanges(const google::protobuf::RepeatedPtrField<v1::SpaceChange>& changes);
  // `claimed` (the peer's entry for this device's stream `vis`) when `shown`
  // (from the Hello) is this device's own op of that stream at that seq,
  // signed by this device; why not otherwise.
  absl::StatusOr<uint64_t> ProvenOwnSeq(const v1::Op& shown, uint64_t claimed,
                                        v1::Visibility vis) const;
  void SendLoop();
  struct SendTally {
    size_t ops = 0;        // sent
    bool backlog = false;  // some stream has more to send than one batch held
  };
  // Sends the peer what it lacks of each stream of `vis` in `mine`, at most
  // one batch per stream; adds to *sent. False once the stream broke.
  bool SendMissing(v1::Visibility vis, const RecordStore::VersionVector& mine, SendTally* sent);
  // Checks a batch's ops (on all cores) and queues the good ones for
  // IngestLoop; waits while kIngestDepth batches are queued already.
  void Receive(const v1::OpBatch& batch);
  // Stores queued batches in order until the queue is closed and empty, so
  // the disk work of one batch overlaps the checks of the next; small
  // batches that wait meanwhile go in together (up to one full batch), in
  // one durable write.
  void IngestLoop();
  void Ingest(std::vector<RecordStore::RemoteOp> ops);

  SessionEnv env_;
  MessageStream* const stream_;
  const bool dialer_;
  const std::string peer_;
  std::atomic<bool> stop_{false};

  absl::Mutex mu_;
  // Per author: the highest seq the peer holds (as far as we know).
  RecordStore::VersionVector their_vv_ ABSL_GUARDED_BY(mu_);
  // Likewise for private streams; only ever filled for a peer of this
  // device's own person.
  RecordStore::VersionVector their_private_vv_ ABSL_GUARDED_BY(mu_);
  // SharedPerson() as CheckHello found it (a device's person never changes),
  // so the sender and each batch do not ask the membership and the vault
  // again. Set before the sender and ingester threads start; read-only then.
  std::optional<std::string> person_;

  absl::Mutex ingest_mu_;
  std::deque<std::vector<RecordStore::RemoteOp>> ingest_queue_ ABSL_GUARDED_BY(ingest_mu_);
  bool ingest_closed_ ABSL_GUARDED_BY(ingest_mu_) = false;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_SYNC_SESSION_H_
