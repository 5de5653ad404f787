// daemon/sync/ is peer to peer sync: pairing, membership, TLS identity, the
// peer port and the streams, and the checks every peer's op passes.
//
// Peer sync of one daemon: the TLS listener for the Peer service, a dialer
// per member device that keeps a sync stream open (reconnecting with backoff
// after a network break, a restart or a sleep), pairing in both roles (its
// rules are pairing.h), and what `attune sync status` shows.
//
// The listener and dialers start once the vault is unlocked and the space has
// another member or an invite is open (TLS needs the device key). All methods
// are thread-safe.
#ifndef ATTUNE_DAEMON_SYNC_PEER_MANAGER_H_
#define ATTUNE_DAEMON_SYNC_PEER_MANAGER_H_

#include <grpcpp/server.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "attune/v1/api.pb.h"
#include "attune/v1/sync.grpc.pb.h"
#include "daemon/base/clock.h"
#include "daemon/store/event_hub.h"
#include "daemon/store/record_store.h"
#include "daemon/sync/invites.h"
#include "daemon/sync/lan_discovery.h"
#include "daemon/sync/membership.h"
#include "daemon/sync/peer_gate.h"
#include "daemon/sync/peer_status.h"
#include "daemon/sync/sync_session.h"
#include "daemon/sync/tls_identity.h"
#include "daemon/vault/vault.h"

namespace attune {

struct PeerOptions {
  // "host:port" to listen on for peers; port 0 picks a free port once and
  // keeps it across restarts. Empty: no listener (this device only dials).
  std::string listen = "0.0.0.0:27441";
  // "host:port" addresses this device tells peers to dial (in invites, in
  // the pairing answer and in every Hello), for a listener reached through
  // a NAT port mapping, a tunnel or a proxy. Empty: the listen address (each
  // interface's address when listening on every interface).
  std::vector<std::string> advertise;
  // LAN discovery (lan_discovery.h): announce where this device listens and
  // dial member devices heard on the same network.
  bool discovery = true;
};

class PeerManager {
 public:
  // Every pointer must outlive the manager.
  PeerManager(PeerOptions options, Db* db, RecordStore* store, Vault* vault, Membership* members,
              const Clock* clock);
  ~PeerManager();

  // Reads peer addresses. Call once before use.
  absl::Status Load();

  // Tells `hub` when a peer device comes online or goes offline
  // (PeerChanged), how a catch-up with one goes (SyncProgress), and when a
  // device is removed or a person leaves (MembershipChanged). Call once, before OnUnlock;
  // `hub` must outlive the manager.
  void SetEventHub(EventHub* hub);

  // After Init, Unlock or a join: makes sure this device is a member of its
  // space and, when there is someone to sync with (another member, an open
  // invite, a relay), starts listening and dialing.
  absl::Status OnUnlock(const std::shared_ptr<const KeySet>& keys);

  // SpaceService.
  // `own_device`: to link another device of this person (see
  // SpaceService.CreateInvite).
  absl::StatusOr<v1::Invite> CreateInvite(absl::Duration ttl, bool own_device = false);
  // `code` long or short; `addresses` where to reach the inviter with a
  // short one; `own_device` to become a device of the inviter's person
  // (see JoinSpaceRequest).
  absl::StatusOr<v1::JoinSpaceResponse> Join(const std::string& code,
                                             const std::vector<std::string>& addresses = {},
                                             bool own_device = false);
  v1::ListMembersResponse Members() const;
  // Removes a device for good and starts a new key epoch (see
  // SpaceService.RemoveDevice for the errors); `confirmed` is the caller's
  // yes to removing another person's only device.
  absl::StatusOr<v1::RemoveDeviceResponse> RemoveDevice(const std::string& device_id,
                                                        bool confirmed);
  // SpaceService.LeaveSpace.
  absl::StatusOr<v1::LeaveSpaceResponse> LeaveSpace();
  absl::StatusOr<v1::SafetyNumber> Safety(const std::string& device_id) const;
  // SyncService.
  v1::SyncStatus Status();
  // SyncService.AddRelay / RemoveRelay: `text` is "RELAY-ID@host:port";
  // `relay_id` a relay's readable id or a unique prefix of it.
  absl::StatusOr<v1::RelayStatus> AddRelay(const std::string& text);
  absl::StatusOr<v1::RemoveRelayResponse> RemoveRelay(const std::string& relay_id);

  // Closes every stream and the listener; in-flight calls get a few seconds.
  void Stop();

 private:
  class Service;
  friend class Service;

  absl::Status StartListener(const KeySet& keys) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void StartDialers() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts LAN discovery once (options_.discovery), announcing the
  // listener when there is one.
  void StartDiscovery(const KeySet& keys) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // LAN discovery heard `device` at `address`.
  void HeardOnLan(const std::string& device, const std::string& address);
  // Where peers should dial this device: options_.advertise, or the listen
  // addresses; none while the listener is off.
  std::vector<std::string> AdvertisedAddresses() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Keeps a stream open to a member device, or to a relay (`relay`) while
  // it is in relays_.
  void DialLoop(std::string device, bool relay = false);
  // Starts the dialer of each relay that has none yet.
  void StartRelayDialers() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  v1::RelayStatus RelayStatusOf(const std::string& relay, const std::string& address,
                                const PeerStatusBook::Peer* peer,
                                const RecordStore::VersionVector& vv) const;
  // Every relay used, "RELAY-ID@host:port" (told to joiners).
  std::vector<std::string> RelayAddresses() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stops using every relay (joining another space).
  absl::Status ForgetRelays();
  // Keeps `relay` at `address` (durably) and dials it.
  absl::Status UseRelay(const std::string& relay, const std::string& address);
  // Until Stop: cancels inbound streams whose Hello is late.
  void WatchHellos();
  SessionEnv Env(const v1::VaultIdentity& id);
  // After a space change arrived or was made: the vault's keys built again,
  // streams with removed devices ended, and a new key epoch started when a
  // removed device holds the newest key (space_rules.h).
  void OnSpaceChange();
  // Folds the views again (RecordStore::RebuildViews; while locked, asks for
  // it at the next unlock) when what they may count of the devices that are
  // not members (CurrentFoldLimits) changed since they were last folded, in
  // a way that matters for the ops held (FoldLimitsMatter); remembers the
  // limits in meta (LocalTable::kFoldLimits). `keys` may be null (locked).
  absl::Status RefoldIfLimitsChanged(const KeySet* keys);
  // Ends the streams, both ways, of devices that are no longer members.
  void CutRemoved();
  // Emits MembershipChanged for each removal not told of yet.
  void AnnounceRemovals() ABSL_EXCLUSIVE_LOCKS_REQUIRED(change_mu_);
  v1::Member Describe(const v1::MemberCertBody& body, const std::string& self) const;

  const PeerOptions options_;
  Db* const db_;
  RecordStore* const store_;
  Vault* const vault_;
  Membership* const members_;
  const Clock* const clock_;
  PeerStatusBook peers_;
  InviteBook invites_;
  std::unique_ptr<Service> service_;

  // One space change at a time is made here (RemoveDevice, OnSpaceChange).
  absl::Mutex change_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  // Removed devices MembershipChanged told of (those known at start count
  // as told).
  std::set<std::string> announced_ ABSL_GUARDED_BY(change_mu_);
  EventHub* hub_ = nullptr;  // set once by SetEventHub, before serving
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<TlsIdentity> identity_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<grpc::Server> server_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> listen_addresses_ ABSL_GUARDED_BY(mu_);
  int listen_port_ ABSL_GUARDED_BY(mu_) = 0;
  std::unique_ptr<LanDiscovery> discovery_ ABSL_GUARDED_BY(mu_);
  // Devices LAN discovery found somewhere new: their dialer stops waiting
  // out its backoff.
  std::set<std::string> nudged_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::thread> dialers_ ABSL_GUARDED_BY(mu_);
  // Dialers' calls in progress, so Stop can cancel them.
  std::map<std::string, grpc::ClientContext*> calls_ ABSL_GUARDED_BY(mu_);
  // Streams peers opened to us: Stop ends them at once, WatchHellos ends
  // those that sent no Hello in time, and Sync counts them for its caps.
  struct Inbound {
    std::string device;  // as TLS proved it
    bool member;         // when the stream opened
    absl::Time hello_by;
    bool helloed;
  };
  std::map<grpc::ServerContext*, Inbound> inbound_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<PeerGate> gate_ ABSL_GUARDED_BY(mu_);
  // The relays used: raw relay key -> "host:port" (LocalTable::kRelays).
  std::map<std::string, std::string> relays_ ABSL_GUARDED_BY(mu_);
  std::thread hello_watch_ ABSL_GUARDED_BY(mu_);
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_PEER_MANAGER_H_
