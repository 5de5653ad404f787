#include "daemon/sync/peer_manager.h"

#include <arpa/inet.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/server_builder.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sodium.h>

#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "daemon/base/hex.h"
#include "daemon/base/log.h"
#include "daemon/records/validation.h"
#include "daemon/store/meta.h"
#include "daemon/store/vault_persistence.h"
#include "daemon/sync/fold_limits.h"
#include "daemon/sync/op_checker.h"
#include "daemon/sync/pairing.h"
#include "daemon/sync/peer_address.h"
#include "daemon/sync/peer_transport.h"
#include "daemon/sync/short_invite.h"
#include "daemon/sync/space_rules.h"
#include "daemon/sync/tls_credentials.h"
#include "daemon/vault/device_id.h"

namespace attune {
namespace {

constexpr absl::Duration kMaxBackoff = absl::Seconds(30);
constexpr absl::Duration kFirstBackoff = absl::Milliseconds(250);

// What anyone who reaches the peer port can hold of this daemon (SECURITY.md,
// "Availability"). TLS and HTTP/2 must be done within kHandshakeWithin and
// the Hello sent within kHelloWithin of opening a stream.
constexpr GateLimits kGateLimits{.max_connections = 128, .max_per_address = 16};
constexpr int kStreamsPerConnection = 4;
constexpr int kMaxPeerThreads = 64;
constexpr size_t kPeerMemoryBytes = 256 << 20;
constexpr int kHandshakeWithinMs = 5000;
constexpr absl::Duration kHelloWithin = absl::Seconds(10);
constexpr size_t kMaxStreamsPerDevice = 4;
constexpr size_t kMaxStrangerStreams = 8;
// Relays one device uses at most.
constexpr int kMaxRelays = 8;

// Connects `channel` (TCP, TLS with its verifier, HTTP/2), giving up at the
// first failed attempt, as a call without wait_for_ready would: true once
// it is ready.
bool ConnectOnce(grpc::Channel& channel, std::chrono::system_clock::time_point deadline) {
  grpc_connectivity_state state = channel.GetState(/*try_to_connect=*/true);
  while (state != GRPC_CHANNEL_READY) {
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN) return false;
    if (!channel.WaitForStateChange(state, deadline)) return false;
    state = channel.GetState(/*try_to_connect=*/true);
  }
  return true;
}

// Peer.Pair on `channel`, with the time pairing allows a call.
grpc::Status CallPair(const std::shared_ptr<grpc::Channel>& channel, const v1::PairRequest& request,
                      v1::PairResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(15));
  return v1::PeerService::NewStub(channel)->Pair(&context, request, response);
}

// Whether a Pair call never reached the inviter (try the next address).
bool Unreached(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ||
         status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
}

grpc::ChannelArguments PeerChannelArgs(const std::string& device) {
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride(PeerTargetName(device));
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  // gRPC gives each connection attempt at least this long (TCP, TLS and the
  // HTTP/2 settings): several round trips to a partner who may be far away.
  // Under 10 s, so a dead address leaves DialLoop time to try the next.
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 5000);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  args.SetMaxReceiveMessageSize(kMaxPeerMessageBytes);
  return args;
}

// IPv4 addresses of this machine's interfaces, loopback last.
std::vector<std::string> InterfaceAddresses() {
  std::vector<std::string> out, loopback;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return {"127.0.0.1"};
  for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN];
    auto* in = reinterpret_cast<sockaddr_in*>(a->ifa_addr);
    if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) == nullptr) continue;
    (std::string(text).rfind("127.", 0) == 0 ? loopback : out).push_back(text);
  }
  freeifaddrs(list);
  out.insert(out.end(), loopback.begin(), loopback.end());
  return out;
}

}  // namespace

// --- The Peer service ------------------------------------------------------

class PeerManager::Service : public v1::PeerService::Service {
 public:
  explicit Service(PeerManager* m) : m_(m) {}

  grpc::Status Pair(grpc::ServerContext* context, const v1::PairRequest* request,
                    v1::PairResponse* response) override {
    auto tls = PeerDevice(*context);
    if (!tls.ok()) return ToGrpc(tls.status());
    std::string who = FormatDeviceId(*tls);
    auto keys = m_->vault_->Keys();
    if (!keys.ok()) return ToGrpc(keys.status());
    if (auto s = AdmitJoiner(**keys, *tls, *request, m_->clock_->Now(), &m_->invites_, m_->members_,
                             response);
        !s.ok()) {
      LogWarning(absl::StrCat("pairing refused for device ", who, ": ", s.message()));
      return ToGrpc(s);
    }
    {
      absl::MutexLock lock(&m_->mu_);
      for (const auto& a : m_->AdvertisedAddresses()) response->add_inviter_addresses(a);
      for (const auto& r : m_->RelayAddresses()) response->add_relays(r);
      // A dialer for the new device too, so either side can mend a broken
      // stream (it dials once the joiner's Hello says where it listens).
      m_->StartDialers();
    }
    LogInfo(absl::StrCat(request->link_own_device() ? "linked another device of this person, "
                                                    : "paired with device ",
                         who));
    m_->store_->NotifyChange();  // open streams tell their peers of the new member
    return grpc::Status::OK;
  }

  grpc::Status Sync(grpc::ServerContext* context,
                    grpc::ServerReaderWriter<v1::SyncMessage, v1::SyncMessage>* stream) override {
    auto tls = PeerDevice(*context);
    if (!tls.ok()) return ToGrpc(tls.status());
    auto id = m_->vault_->identity();
    if (!id.has_value()) return ToGrpc(absl::FailedPreconditionError("no vault"));
    const bool member = m_->members_->IsMember(*tls);
    {
      absl::MutexLock lock(&m_->mu_);
      if (m_->stopping_) return ToGrpc(absl::UnavailableError("the daemon is stopping"));
      size_t same_device = 0, strangers = 0;
      for (const auto& [call, in] : m_->inbound_) {
        same_device += in.device == *tls;
        strangers += !in.member;
      }
      // Bounds on what one device, or everyone it does not know yet, can
      // hold open (a stranger's certificate costs nothing to make).
      if (same_device >= kMaxStreamsPerDevice || (!member && strangers >= kMaxStrangerStreams)) {
        return ToGrpc(absl::ResourceExhaustedError("too many sync streams open; try again later"));
      }
      m_->inbound_[context] = Inbound{*tls, member, absl::Now() + kHelloWithin, false};
    }
    ServerStream adapter(context, stream, [this, context] {
      absl::MutexLock lock(&m_->mu_);
      auto it = m_->inbound_.find(context);
      if (it != m_->inbound_.end()) it->second.helloed = true;
    });
    SyncSession session(m_->Env(*id), &adapter, /*dialer=*/false, *tls);
    absl::Status ended = session.Run();
    absl::MutexLock lock(&m_->mu_);
    m_->inbound_.erase(context);
    return ToGrpc(ended);
  }

 private:
  PeerManager* const m_;
};

// --- PeerManager -------------------------------------------------------------

PeerManager::PeerManager(PeerOptions options, Db* db, RecordStore* store, Vault* vault,
                         Membership* members, const Clock* clock)
    : options_(std::move(options)),
      db_(db),
      store_(store),
      vault_(vault),
      members_(members),
      clock_(clock),
      peers_(db),
      service_(std::make_unique<Service>(this)) {
  // The keys of later epochs: those the space changes and this device's
  // pairing sealed to it, for the space the keys are of.
  vault_->SetKeyringSource([this](const KeySet& keys) {
    Membership::Snapshot now = members_->Now();
    return BuildKeyring(keys, now.changes, now.view, members_->Grants(keys.space_id));
  });
}

PeerManager::~PeerManager() { Stop(); }

absl::Status PeerManager::Load() {
  vault_->RefreshEpochs();
  // A change stored just before a crash, before the views were folded
  // under its limits; and a data folder whose views predate the limits.
  if (auto s = RefoldIfLimitsChanged(nullptr); !s.ok()) return s;
  {
    absl::MutexLock change(&change_mu_);
    announced_ = members_->View().removed;
  }
  {
    absl::MutexLock lock(&mu_);
    auto s = LocalSettings(db_, LocalTable::kRelays)
                 .Scan([this](std::string_view name, std::string_view value)
                           ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
                             relays_[std::string(name)] = std::string(value);
                             return true;
                           });
    if (!s.ok()) return s;
  }
  return peers_.Load();
}

void PeerManager::SetEventHub(EventHub* hub) {
  hub_ = hub;
  peers_.SetOnlineChange([this, hub](const std::string& device, bool online) {
    v1::Event event;
    v1::PeerChanged* peer = event.mutable_peer_changed();
    peer->set_device_id(FormatDeviceId(device));
    auto body = members_->Find(device);
    if (!body.has_value()) return;  // a relay: no one's device
    peer->set_member_id(ToHex(body->member_id()));
    peer->set_display_name(body->display_name());
    peer->set_online(online);
    hub->Emit(std::move(event));
  });
  peers_.SetProgress([this, hub](const std::string& device, uint64_t received, uint64_t expected) {
    v1::Event event;
    v1::SyncProgress* progress = event.mutable_sync_progress();
    progress->set_device_id(FormatDeviceId(device));
    auto body = members_->Find(device);
    if (!body.has_value()) return;  // a relay
    progress->set_member_id(ToHex(body->member_id()));
    progress->set_display_name(body->display_name());
    progress->set_ops_received(received);
    progress->set_ops_expected(expected);
    hub->Emit(std::move(event));
  });
}

SessionEnv PeerManager::Env(const v1::VaultIdentity& id) {
  SessionEnv env;
  env.store = store_;
  env.members = members_;
  env.vault = vault_;
  env.peers = &peers_;
  env.clock = clock_;
  env.space_id = id.space_id();
  env.self_device = id.device_public_key();
  {
    absl::MutexLock lock(&mu_);
    env.listen_addresses = AdvertisedAddresses();
  }
  env.on_new_members = [this] {
    absl::MutexLock lock(&mu_);
    StartDialers();
  };
  env.on_space_change = [this] { OnSpaceChange(); };
  return env;
}

absl::Status PeerManager::RefoldIfLimitsChanged(const KeySet* keys) {
  auto id = vault_->identity();
  auto refolded = attune::RefoldIfLimitsChanged(
      *members_, store_, db_, id.has_value() ? id->device_public_key() : "", keys);
  if (!refolded.ok()) return refolded.status();
  if (*refolded) {
    LogInfo(
        "a removal changed which of a removed device's ops count (some were taken before it was "
        "known here): the records were folded again from the log");
  }
  return absl::OkStatus();
}

void PeerManager::OnSpaceChange() {
  absl::MutexLock change(&change_mu_);
  vault_->RefreshEpochs();
  CutRemoved();
  auto keys = vault_->Keys();
  if (auto s = RefoldIfLimitsChanged(keys.ok() ? keys->get() : nullptr); !s.ok()) {
    LogWarning(absl::StrCat("could not fold the records again after a removal: ", s.message()));
  }
  Membership::Snapshot snap = members_->Now();
  const SpaceView& view = snap.view;
  // This person's private ops seal under a key no removed device of theirs
  // holds: when there is none yet, this device makes one.
  bool personal_exposed = false;
  if (keys.ok()) {
    for (const auto& d : view.removed) {
      auto cert = snap.certs.find(d);
      personal_exposed |=
          cert != snap.certs.end() && cert->second.member_id() == (*keys)->member_id;
    }
    personal_exposed &= (*keys)->epochs == nullptr || (*keys)->epochs->sealing_personal == nullptr;
  }
  if (keys.ok() && (view.needs_new_epoch || personal_exposed) &&
      view.members.count((*keys)->device_public_key) > 0) {
    const uint64_t now = static_cast<uint64_t>(absl::ToUnixMillis(clock_->Now()));
    auto made = MakeSpaceChange(**keys, snap.certs, view, "", 0, 0, now);
    if (made.ok()) {
      auto merged = members_->MergeChanges((*keys)->space_id, {*made});
      if (merged.ok()) {
        vault_->RefreshEpochs();
        LogInfo(absl::StrCat("a removed device held the newest space key: started key epoch ",
                             members_->MaxEpoch()));
      } else {
        LogWarning(absl::StrCat("could not start a new key epoch: ", merged.status().message()));
      }
    } else {
      LogWarning(absl::StrCat("could not start a new key epoch: ", made.status().message()));
    }
  }
  AnnounceRemovals();
  store_->NotifyChange();  // open streams pass the change on
}

void PeerManager::AnnounceRemovals() {
  Membership::Snapshot snap = members_->Now();
  auto id = vault_->identity();
  const std::string self = id.has_value() ? id->device_public_key() : "";
  auto person = [&](const std::string& d) {
    auto it = snap.certs.find(d);
    return it == snap.certs.end() ? std::string() : it->second.member_id();
  };
  for (size_t i : snap.view.counting) {
    const auto& c = snap.changes[i].body;
    const std::string& d = c.removed_device();
    if (d.empty() || !announced_.insert(d).second) continue;
    auto cert = snap.certs.find(d);
    if (cert == snap.certs.end() || hub_ == nullptr) continue;
    v1::Event event;
    v1::MembershipChanged* m = event.mutable_membership_changed();
    *m->mutable_device() = Describe(cert->second, self);
    m->mutable_device()->set_removed_by_device_id(FormatDeviceId(c.made_by()));
    m->mutable_device()->set_removed_at_ms(static_cast<int64_t>(c.made_at_ms()));
    m->set_by_own_person(person(c.made_by()) == person(d));
    bool gone = true;
    for (const auto& member : snap.view.members) gone &= person(member) != person(d);
    m->set_person_gone(gone);
    hub_->Emit(std::move(event));
  }
}

absl::StatusOr<v1::LeaveSpaceResponse> PeerManager::LeaveSpace() {
  auto keys = vault_->Keys();
  if (!keys.ok()) return keys.status();
  const KeySet& k = **keys;
  absl::MutexLock change(&change_mu_);
  Membership::Snapshot snap = members_->Now();
  if (snap.view.members.count(k.device_public_key) == 0) {
    return absl::FailedPreconditionError(
        "this device is no longer a member of the space: there is nothing to leave");
  }
  bool others = false;
  for (const auto& d : snap.view.members) {
    auto cert = snap.certs.find(d);
    others |= cert != snap.certs.end() && cert->second.member_id() != k.member_id;
  }
  if (!others) {
    return absl::FailedPreconditionError(
        "no one else is in this space yet: there is nothing to leave (attune pair invite starts "
        "sharing it)");
  }
  // Every device of this person, this one last; no keys: the others start
  // the next epoch, which the leaver never gets.
  std::vector<std::string> own;
  for (const auto& d : snap.view.members) {
    auto cert = snap.certs.find(d);
    if (cert != snap.certs.end() && cert->second.member_id() == k.member_id &&
        d != k.device_public_key) {
      own.push_back(d);
    }
  }
  own.push_back(k.device_public_key);
  auto shared = store_->SharedVersionVector();
  auto priv = store_->PrivateVersionVector();
  const uint64_t now = static_cast<uint64_t>(absl::ToUnixMillis(clock_->Now()));
  v1::LeaveSpaceResponse out;
  for (const auto& d : own) {
    // One at a time, each judged before the next is made: this device's
    // own removal, last, then lists the others as removals that still
    // count (kept_removals), so its own removal does not undo them.
    snap = members_->Now();
    auto made = MakeSpaceChange(k, snap.certs, snap.view, d, shared[d], priv[d], now,
                                /*start_epoch=*/false);
    if (!made.ok()) return made.status();
    auto merged = members_->MergeChanges(k.space_id, {*made});
    if (!merged.ok()) return merged.status();
    *out.add_removed() = Describe(snap.certs.at(d), k.device_public_key);
  }
  if (members_->IsMember(k.device_public_key)) {
    return absl::InternalError("the leaving was made but does not count here");
  }
  if (auto s = RefoldIfLimitsChanged(&k); !s.ok()) return s;
  AnnounceRemovals();
  // The streams open now carry the news to the other side (each member's
  // daemon then refuses this device and ends them).
  store_->NotifyChange();
  LogInfo("left the space: this person's devices are removed from it");
  return out;
}

void PeerManager::CutRemoved() {
  absl::MutexLock lock(&mu_);
  for (auto& [device, call] : calls_) {
    if (relays_.count(device) == 0 && !members_->IsMember(device)) call->TryCancel();
  }
  for (auto& [call, in] : inbound_) {
    if (!members_->IsMember(in.device)) call->TryCancel();
  }
}

absl::StatusOr<v1::RemoveDeviceResponse> PeerManager::RemoveDevice(const std::string& device_id,
                                                                   bool confirmed) {
  auto device = ParseDeviceId(device_id);
  if (!device.ok()) return device.status();
  auto keys = vault_->Keys();
  if (!keys.ok()) return keys.status();
  const KeySet& k = **keys;
  absl::MutexLock change(&change_mu_);
  Membership::Snapshot snap = members_->Now();
  const auto& certs = snap.certs;
  const SpaceView& view = snap.view;
  auto target = certs.find(*device);
  if (target == certs.end()) {
    return absl::NotFoundError(
        absl::StrCat("device_id: ", device_id, " is not a device of this space (attune members)"));
  }
  const uint64_t now = static_cast<uint64_t>(absl::ToUnixMillis(clock_->Now()));
  if (view.members.count(k.device_public_key) == 0) {
    return absl::FailedPreconditionError("this device is no longer a member of the space");
  }
  if (auto why = WhyMayNotRemove(certs, k.device_public_key, *device, view.let_go); !why.empty()) {
    return absl::PermissionDeniedError(absl::StrCat("device_id: ", why));
  }
  const bool other_person = target->second.member_id() != k.member_id;
  if (other_person && !confirmed) {
    return absl::FailedPreconditionError(absl::StrCat(
        "device ", device_id, " is ", target->second.display_name(),
        "'s only device: removing it ends their part in the space until they pair again; "
        "confirm to go ahead (attune device remove --yes)"));
  }
  // What this device holds of the removed device's ops stays; anything it
  // writes later is refused everywhere.
  auto shared = store_->SharedVersionVector();
  auto priv = store_->PrivateVersionVector();
  uint64_t last_shared = shared.count(*device) > 0 ? shared[*device] : 0;
  uint64_t last_private = priv.count(*device) > 0 ? priv[*device] : 0;
  auto made = MakeSpaceChange(k, certs, view, *device, last_shared, last_private, now);
  if (!made.ok()) {
    if (view.removed.count(*device) > 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("device_id: ", RemovedMessage(*members_, *device)));
    }
    return made.status();
  }
  auto merged = members_->MergeChanges(k.space_id, {*made});
  if (!merged.ok()) return merged.status();
  if (!members_->IsRemoved(*device)) {
    return absl::InternalError("the removal was made but does not count here");
  }
  vault_->RefreshEpochs();
  // Ops of the device folded here but not yet on the disk when its cut-off
  // was read count no longer.
  if (auto now_keys = vault_->Keys(); now_keys.ok()) {
    if (auto s = RefoldIfLimitsChanged(now_keys->get()); !s.ok()) return s;
  }
  CutRemoved();
  AnnounceRemovals();
  store_->NotifyChange();  // open streams pass the removal on
  LogInfo(absl::StrCat("removed device ", FormatDeviceId(*device).substr(0, 15),
                       "…; new ops are sealed under key epoch ", members_->MaxEpoch()));
  v1::RemoveDeviceResponse out;
  *out.mutable_removed() = Describe(target->second, k.device_public_key);
  if (auto now_keys = vault_->Keys(); now_keys.ok()) {
    out.set_key_epoch((*now_keys)->SealingEpoch());
  }
  out.set_last_shared_seq(last_shared);
  out.set_last_private_seq(last_private);
  return out;
}

absl::Status PeerManager::OnUnlock(const std::shared_ptr<const KeySet>& keys) {
  if (auto s =
          members_->EnsureFounder(*keys, static_cast<uint64_t>(absl::ToUnixMillis(clock_->Now())));
      !s.ok()) {
    return s;
  }
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::OkStatus();
  bool others = members_->Bodies().size() > 1;
  if (!others && !invites_.HasOpenInvites(clock_->Now()) && relays_.empty()) {
    return absl::OkStatus();
  }
  if (auto s = StartListener(*keys); !s.ok()) return s;
  StartDiscovery(*keys);
  StartDialers();
  return absl::OkStatus();
}

void PeerManager::StartDiscovery(const KeySet& keys) {
  if (!options_.discovery || discovery_ != nullptr || stopping_) return;
  LanDiscoveryOptions o;
  o.listen_host = options_.listen.substr(0, options_.listen.rfind(':'));
  o.listen_port = server_ != nullptr ? static_cast<uint16_t>(listen_port_) : 0;
  auto discovery = std::make_unique<LanDiscovery>(
      o, keys, clock_, [this](const std::string& d) { return members_->IsMember(d); },
      [this](const std::string& d, const std::string& a) { HeardOnLan(d, a); });
  if (auto s = discovery->Start(); !s.ok()) {
    LogWarning(absl::StrCat("LAN discovery is off: ", s.message()));
  }
  discovery_ = std::move(discovery);  // kept either way: its status says why it is off
}

void PeerManager::HeardOnLan(const std::string& device, const std::string& address) {
  if (!peers_.FoundOnLan(device, address, clock_->Now())) return;
  LogInfo(absl::StrCat("found device ", FormatDeviceId(device).substr(0, 15), " on the LAN at ",
                       address));
  absl::MutexLock lock(&mu_);
  nudged_.insert(device);
}

absl::Status PeerManager::StartListener(const KeySet& keys) {
  if (!identity_.has_value()) {
    auto identity = MakeTlsIdentity(keys);
    if (!identity.ok()) return identity.status();
    identity_ = std::move(*identity);
  }
  if (server_ != nullptr || options_.listen.empty()) return absl::OkStatus();
  auto colon = options_.listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(options_.listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--peer-listen: \"", options_.listen, "\" is not host:port"));
  }
  std::string host = options_.listen.substr(0, colon);
  if (port == 0) {  // reuse the port picked the first time, if there was one
    auto saved = LocalSettings(db_, LocalTable::kPeerPort).Get("");
    int saved_port = 0;
    if (saved.ok() && saved->has_value() && absl::SimpleAtoi(**saved, &saved_port)) {
      port = saved_port;
    }
  }
  auto gate = PeerGate::Listen(host, port, kGateLimits);
  if (!gate.ok() && port != 0 && options_.listen.substr(colon + 1) == "0") {
    gate = PeerGate::Listen(host, 0, kGateLimits);  // the saved port is taken now: pick another
  }
  if (!gate.ok()) return gate.status();
  const int selected = (*gate)->port();
  // The gate accepts; this server does TLS and HTTP/2 on what it hands over.
  grpc::ServerBuilder builder;
  auto door = builder.experimental().AddExternalConnectionAcceptor(
      grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD,
      PeerServerCredentials(*identity_));
  ApplyPeerServerOptions(builder, kHandshakeWithinMs, kStreamsPerConnection, kMaxPeerThreads,
                         kPeerMemoryBytes, "attune-peer-port");
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot serve peers on ", options_.listen));
  }
  gate_ = std::move(*gate);
  gate_->Start(std::move(door));
  hello_watch_ = std::thread([this] { WatchHellos(); });
  if (options_.listen.substr(colon + 1) == "0") {
    (void)LocalSettings(db_, LocalTable::kPeerPort).Put("", std::to_string(selected));
  }
  listen_port_ = selected;
  listen_addresses_.clear();
  if (host == "0.0.0.0" || host == "[::]" || host.empty()) {
    for (const auto& a : InterfaceAddresses()) {
      listen_addresses_.push_back(absl::StrCat(a, ":", selected));
    }
  } else {
    listen_addresses_.push_back(absl::StrCat(host, ":", selected));
  }
  LogInfo(absl::StrCat("listening for peers on ", host, ":", selected));
  return absl::OkStatus();
}

std::vector<std::string> PeerManager::AdvertisedAddresses() const {
  if (server_ == nullptr) return {};
  return options_.advertise.empty() ? listen_addresses_ : options_.advertise;
}

void PeerManager::StartDialers() {
  if (stopping_ || !identity_.has_value()) return;
  auto id = vault_->identity();
  if (!id.has_value()) return;
  for (const auto& body : members_->Bodies()) {
    if (body.device() == id->device_public_key() || dialers_.count(body.device()) > 0) {
      continue;
    }
    dialers_.emplace(body.device(), std::thread([this, d = body.device()] { DialLoop(d); }));
  }
  StartRelayDialers();
}

void PeerManager::StartRelayDialers() {
  if (stopping_ || !identity_.has_value()) return;
  for (const auto& [relay, address] : relays_) {
    if (dialers_.count(relay) > 0) continue;
    dialers_.emplace(relay, std::thread([this, d = relay] { DialLoop(d, /*relay=*/true); }));
  }
}

void PeerManager::DialLoop(std::string device, bool relay) {
  absl::Duration backoff = kFirstBackoff;
  auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
  while (true) {
    std::optional<TlsIdentity> identity;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      identity = identity_;
    }
    auto id = vault_->identity();
    std::vector<std::string> addresses;
    if (relay) {
      absl::MutexLock lock(&mu_);
      auto it = relays_.find(device);
      if (it != relays_.end()) addresses.push_back(it->second);
    } else {
      addresses = peers_.Addresses(device, clock_->Now());
    }
    // A removed device is not dialed again; a relay no longer used waits
    // here should it be added again. A device that left its space uses no
    // relay of it.
    bool skip = relay ? (id.has_value() && members_->IsRemoved(id->device_public_key()))
                      : (peers_.HasInbound(device) || !members_->IsMember(device));
    if (skip || addresses.empty() || !id.has_value()) {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping), absl::Seconds(1));
      continue;
    }
    absl::Time started = clock_->Now();
    // Whether a stream got past the Hellos: the peer was there and took us.
    bool reached = false;
    for (const std::string& address : addresses) {
      auto channel = grpc::CreateCustomChannel(address, PeerChannelCredentials(*identity, device),
                                               PeerChannelArgs(device));
      grpc::ClientContext context;
      {
        absl::MutexLock lock(&mu_);
        if (stopping_) return;
        calls_[device] = &context;
      }
      auto stub = v1::PeerService::NewStub(channel);
      auto stream = stub->Sync(&context);
      ClientStream adapter(stream.get());
      SessionEnv env = Env(*id);
      env.peer_is_relay = relay;
      SyncSession session(std::move(env), &adapter, /*dialer=*/true, device);
      absl::Status ended = session.Run();
      // A peer this side refused may be blocked writing to us: the call is
      // cancelled, not waited for. (UNAVAILABLE: the peer ended it, and
      // Finish brings its reason.)
      if (!ended.ok() && !absl::IsUnavailable(ended)) context.TryCancel();
      stream->WritesDone();
      grpc::Status finished = stream->Finish();
      {
        absl::MutexLock lock(&mu_);
        calls_.erase(device);
      }
      if (!ended.ok() || !finished.ok()) {
        std::string error =
            !finished.ok() ? finished.error_message() : std::string(ended.message());
        peers_.SetError(device, absl::StrCat(address, ": ", error));
      }
      if (ended.ok()) reached = true;
      if (reached || clock_->Now() - started > absl::Seconds(10)) break;  // a real session
    }
    // After a stream that worked, dial again soon: a flaky network cuts
    // streams that work, and each of them moved ops. Only a peer that cannot
    // be reached at all is tried less and less often.
    backoff = reached || clock_->Now() - started > absl::Seconds(10)
                  ? kFirstBackoff
                  : std::min(backoff * 2, kMaxBackoff);
    auto woken = [this, &device]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return stopping_ || nudged_.count(device) > 0;
    };
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&woken), backoff);
    if (nudged_.erase(device) > 0) backoff = kFirstBackoff;  // found somewhere new: try it now
  }
}

absl::StatusOr<v1::Invite> PeerManager::CreateInvite(absl::Duration ttl, bool own_device) {
  auto keys = vault_->Keys();
  if (!keys.ok()) return keys.status();
  if (members_->IsRemoved((*keys)->device_public_key)) {
    return absl::FailedPreconditionError(
        "this device left its space or was removed from it, so it cannot invite anyone into it; "
        "to share again, join the other person's space with the code their attune pair invite "
        "shows (attune pair join CODE)");
  }
  if (auto s =
          members_->EnsureFounder(**keys, static_cast<uint64_t>(absl::ToUnixMillis(clock_->Now())));
      !s.ok()) {
    return s;
  }
  std::vector<std::string> addresses;
  {
    absl::MutexLock lock(&mu_);
    if (options_.listen.empty()) {
      return absl::FailedPreconditionError(
          "this daemon does not listen for peers: start attuned with --peer-listen");
    }
    if (auto s = StartListener(**keys); !s.ok()) return s;
    StartDiscovery(**keys);
    addresses = AdvertisedAddresses();
  }
  std::string short_code;
  v1::InviteCode code = invites_.Create((*keys)->device_public_key, addresses, clock_->Now(), ttl,
                                        &short_code, own_device);
  v1::Invite invite;
  invite.set_code(EncodeInviteCode(code));
  invite.set_short_code(short_code);
  invite.set_expires_at_ms(static_cast<int64_t>(code.expires_at_ms()));
  invite.set_own_device(own_device);
  for (const auto& a : addresses) invite.add_addresses(a);
  LogInfo(own_device ? "created an invite to link another device of this person"
                     : "created a pairing invite");
  return invite;
}

absl::StatusOr<v1::JoinSpaceResponse> PeerManager::Join(
    const std::string& text, const std::vector<std::string>& typed_addresses, bool own_device) {
  auto keys = vault_->Keys();
  if (!keys.ok()) return keys.status();
  const KeySet& k = **keys;
  // A linked device writes as its person from then on: anything it wrote
  // before would be a stranger's records in the space.
  auto nothing_written = [&]() -> absl::Status {
    if (!own_device) return absl::OkStatus();
    auto count = store_->OwnOpCount(k);
    if (!count.ok()) return count.status();
    if (*count == 0) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat(
        "this device has written ", *count,
        " change(s) of its own already, and a linked device becomes its person's: only a device "
        "that has written nothing can be linked (start it with a new data folder, or export "
        "what it holds first)"));
  };
  if (auto s = nothing_written(); !s.ok()) return s;
  auto identity = MakeTlsIdentity(k);
  if (!identity.ok()) return identity.status();
  v1::InviteCode code;
  v1::PairResponse response;
  grpc::Status status(grpc::StatusCode::UNAVAILABLE, "the invite names no address");
  if (IsShortInviteText(text)) {
    // The short form: the address is typed beside it, and the inviter's key
    // is known only by the pin, checked in the TLS handshake before the
    // proof is sent.
    auto short_code = DecodeShortInvite(text);
    if (!short_code.ok()) return short_code.status();
    if (typed_addresses.empty()) {
      return absl::InvalidArgumentError(
          "addresses: a short code needs the inviter's address beside it (host:port, as their "
          "attune pair invite shows)");
    }
    for (const auto& a : typed_addresses) {
      if (!IsWellFormedPeerAddress(a)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "addresses: '",
            a.size() <= 300 && IsPlainText(a, TextLines::kOne) ? a : "(not plain, or too long)",
            "' is not host:port (for example 192.168.1.20:27441)"));
      }
    }
    if (ShortInvitePins(*short_code, k.device_public_key)) {
      return absl::InvalidArgumentError("code: this is this device's own invite");
    }
    code.set_invite_id(ShortInviteId());
    code.set_secret(ShortInviteKey(short_code->secret));
    code.set_expires_at_ms(static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
    for (const auto& a : typed_addresses) code.add_addresses(a);
    if (auto s = CheckCanJoin(k, code, clock_->Now(), *members_, own_device); !s.ok()) return s;
    bool refused = false;
    for (const auto& address : typed_addresses) {
      auto seen = std::make_shared<SeenDevice>();
      const ShortInvite pin = *short_code;
      // dns:/// so that a typed "unix:27441" names a host, not a socket.
      auto channel = grpc::CreateCustomChannel(
          "dns:///" + address,
          PeerChannelCredentialsFor(
              *identity, [pin](const std::string& device) { return ShortInvitePins(pin, device); },
              seen),
          PeerChannelArgs(""));
      const bool connected =
          ConnectOnce(*channel, std::chrono::system_clock::now() + std::chrono::seconds(15));
      if (!connected || seen->Accepted().empty()) {
        refused = refused || seen->RefusedOne();
        status = grpc::Status(grpc::StatusCode::UNAVAILABLE, "not reached");
        continue;
      }
      code.set_inviter_device(seen->Accepted());
      status = CallPair(channel, JoinRequest(k, code, own_device), &response);
      if (!Unreached(status)) break;
    }
    if (refused && code.inviter_device().empty()) {
      return absl::UnauthenticatedError(absl::StrCat(
          "the device at ", typed_addresses.size() == 1 ? typed_addresses[0] : "those addresses",
          " is not the one that made this code: check the code and the address (nothing of the "
          "code was sent to it)"));
    }
  } else {
    auto decoded = DecodeInviteCode(text);
    if (!decoded.ok()) return decoded.status();
    code = *std::move(decoded);
    if (auto s = CheckCanJoin(k, code, clock_->Now(), *members_, own_device); !s.ok()) return s;
    const v1::PairRequest request = JoinRequest(k, code, own_device);
    for (const auto& address : code.addresses()) {
      auto channel = grpc::CreateCustomChannel(
          address, PeerChannelCredentials(*identity, code.inviter_device()),
          PeerChannelArgs(code.inviter_device()));
      status = CallPair(channel, request, &response);
      if (!Unreached(status)) break;
    }
  }
  if (Unreached(status)) {
    return absl::UnavailableError(absl::StrCat("could not reach the inviter at ", code.addresses(0),
                                               ": is their attuned running and reachable?"));
  }
  if (!status.ok()) {
    return FromGrpc(status);
  }
  auto space_key = OpenSpaceKey(k, response.sealed_space_key());
  if (!space_key.ok()) return space_key.status();
  // Before anything is saved: this device's certificate must name the
  // person it will be, this device's own for a partner's invite, the
  // inviter's when linking (a modified inviter could otherwise make it
  // someone else's device, its ops refused and its private ops misdirected).
  std::optional<v1::MemberCertBody> mine, inviter;
  for (const auto& cert : response.members()) {
    v1::MemberCertBody body;
    if (!body.ParseFromString(cert.body())) continue;
    if (body.device() == k.device_public_key) mine = body;
    if (body.device() == code.inviter_device()) inviter = body;
  }
  if (!mine.has_value()) {
    return absl::PermissionDeniedError(
        "the inviter's member list does not include this device; nothing was changed here");
  }
  if (!own_device && mine->member_id() != k.member_id) {
    return absl::PermissionDeniedError(
        "the inviter certified this device as another person's device; nothing was changed here");
  }
  // Linking: the person this device now belongs to, as the inviter
  // certified it (the inviter's own person), and their personal key.
  std::optional<Vault::AdoptedPerson> person;
  absl::StatusOr<SecretBytes> personal_key = absl::UnknownError("unused");
  if (own_device) {
    if (!mine.has_value() || !inviter.has_value() || mine->member_id() != inviter->member_id() ||
        response.sealed_personal_key().empty()) {
      return absl::PermissionDeniedError(
          "the inviter did not link this device as a device of its own person");
    }
    personal_key = OpenSealedKey(k, response.sealed_personal_key(), "personal key");
    if (!personal_key.ok()) return personal_key.status();
    person = Vault::AdoptedPerson{mine->member_id(), mine->display_name(), &*personal_key};
  }
  // The epoch keys first: the vault builds its keys with them, so this
  // device's ops are sealed again under the space's newest epoch.
  std::vector<v1::SealedEpochKey> grants(response.epoch_keys().begin(),
                                         response.epoch_keys().end());
  // A personal key comes only with linking one's own device: one from a
  // partner's device would seal this person's private ops under a key the
  // partner knows.
  if (!own_device) {
    for (auto& g : grants) g.clear_sealed_personal_key();
  }
  if (auto s = members_->SaveGrants(response.space_id(), grants); !s.ok()) return s;
  // The new vault and this device's ops sealed again for the new space are
  // stored in one write: a crash leaves the device in its old space, able to
  // pair again, or in the new one with ops it can open, never in between.
  auto adopted = vault_->AdoptSpace(
      response.space_id(), *space_key, response.key_epoch(),
      [&](std::string_view vault_file, const KeySet& new_keys) {
        Batch vault;
        MetaVaultPersistence::PutVaultFile(vault_file, &vault);
        return store_->ResealOwnOps(k, new_keys, std::move(vault), /*only_if_empty=*/own_device);
      },
      person.has_value() ? &*person : nullptr);
  if (!adopted.ok()) return adopted.status();
  // The inviter's addresses are stored before the member list: a device that
  // restarts knowing its members also knows where to reach the inviter (and
  // one that does not know them pairs again).
  // Shown by attune peers: InviterAddresses drops any with a control
  // character.
  const std::vector<std::string> addresses = InviterAddresses(response, code);
  peers_.SetAddresses(code.inviter_device(), addresses);
  std::vector<v1::MemberCert> certs(response.members().begin(), response.members().end());
  const bool shared_before = members_->CertBodies().size() > 1;
  auto merged = members_->Merge(response.space_id(), certs, /*replace=*/true);
  if (!merged.ok()) return merged.status();
  // The relays of a space this device shared with others before are no
  // one's choice here: dropped (those a device alone added are its own
  // person's choice, and kept). The inviter's relays are used from now on
  // (well-formed ones that are no member's key, a few at most).
  if (shared_before) {
    if (auto s = ForgetRelays(); !s.ok()) return s;
  }
  for (int i = 0; i < response.relays_size() && i < kMaxRelays; ++i) {
    auto relay = ParseRelayAddress(response.relays(i));
    if (relay.ok() && !members_->Find(relay->device).has_value()) {
      (void)UseRelay(relay->device, relay->address);
    }
  }
  std::vector<v1::SpaceChange> changes(response.changes().begin(), response.changes().end());
  if (auto s = members_->MergeChanges(response.space_id(), changes); !s.ok()) return s.status();
  vault_->RefreshEpochs();
  adopted = vault_->Keys();
  if (!adopted.ok()) return adopted.status();
  // Checked before the save; again on the list as merged (its chains).
  auto certified = members_->Find(k.device_public_key);
  if (!certified.has_value()) {
    return absl::InternalError("the inviter's member list does not include this device");
  }
  if (certified->member_id() != (*adopted)->member_id) {
    return absl::InternalError("this device's certificate names another person than its vault");
  }
  if (auto s = OnUnlock(*adopted); !s.ok()) return s;
  LogInfo(absl::StrCat(own_device ? "linked as another device of the person of device "
                                  : "joined the space of device ",
                       FormatDeviceId(code.inviter_device())));

  v1::JoinSpaceResponse out;
  if (auto inviter = members_->Find(code.inviter_device()); inviter.has_value()) {
    *out.mutable_inviter() = Describe(*inviter, k.device_public_key);
  }
  out.set_safety_number(SafetyNumber(k.device_public_key, code.inviter_device()));
  out.set_own_device(own_device);
  return out;
}

v1::Member PeerManager::Describe(const v1::MemberCertBody& body, const std::string& self) const {
  v1::Member m;
  m.set_device_id(FormatDeviceId(body.device()));
  m.set_member_id(ToHex(body.member_id()));
  m.set_display_name(body.display_name());
  m.set_this_device(body.device() == self);
  m.set_added_by_device_id(FormatDeviceId(body.added_by()));
  return m;
}

v1::ListMembersResponse PeerManager::Members() const {
  v1::ListMembersResponse out;
  auto id = vault_->identity();
  std::string self = id.has_value() ? id->device_public_key() : "";
  for (const auto& body : members_->Bodies()) *out.add_members() = Describe(body, self);
  // Removed devices after, each with who removed it and when.
  Membership::Snapshot snap = members_->Now();
  for (size_t i : snap.view.counting) {
    const auto& c = snap.changes[i].body;
    if (c.removed_device().empty()) continue;
    auto body = members_->Find(c.removed_device());
    if (!body.has_value()) continue;
    bool listed = false;
    for (const auto& m : out.removed()) listed |= m.device_id() == FormatDeviceId(body->device());
    if (listed) continue;
    v1::Member* m = out.add_removed();
    *m = Describe(*body, self);
    m->set_removed_by_device_id(FormatDeviceId(c.made_by()));
    m->set_removed_at_ms(static_cast<int64_t>(c.made_at_ms()));
  }
  return out;
}

absl::StatusOr<v1::SafetyNumber> PeerManager::Safety(const std::string& device_id) const {
  auto id = vault_->identity();
  if (!id.has_value()) return absl::FailedPreconditionError(kUninitializedMessage);
  std::string other;
  if (device_id.empty()) {
    for (const auto& body : members_->Bodies()) {
      if (body.device() == id->device_public_key()) continue;
      if (!other.empty()) {
        return absl::InvalidArgumentError(
            "device_id: there are several other devices; name one (attune members)");
      }
      other = body.device();
    }
    if (other.empty()) {
      return absl::FailedPreconditionError("no other device yet: pair first");
    }
  } else {
    auto parsed = ParseDeviceId(device_id);
    if (!parsed.ok()) return parsed.status();
    other = *parsed;
  }
  auto body = members_->Find(other);
  if (!body.has_value()) return absl::NotFoundError("that device is not a member");
  v1::SafetyNumber out;
  *out.mutable_peer() = Describe(*body, id->device_public_key());
  out.set_digits(SafetyNumber(id->device_public_key(), other));
  return out;
}

std::vector<std::string> PeerManager::RelayAddresses() const {
  std::vector<std::string> out;
  for (const auto& [relay, address] : relays_) {
    out.push_back(FormatRelayAddress({relay, address}));
  }
  return out;
}

absl::Status PeerManager::ForgetRelays() {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> names;
  for (const auto& [relay, address] : relays_) names.push_back(relay);
  if (auto s = LocalSettings(db_, LocalTable::kRelays).Write(names, {}); !s.ok()) return s;
  for (const std::string& relay : names) {
    relays_.erase(relay);
    if (auto call = calls_.find(relay); call != calls_.end()) call->second->TryCancel();
  }
  return absl::OkStatus();
}

absl::Status PeerManager::UseRelay(const std::string& relay, const std::string& address) {
  absl::MutexLock lock(&mu_);
  if (relays_.count(relay) == 0 && relays_.size() >= static_cast<size_t>(kMaxRelays)) {
    return absl::ResourceExhaustedError(
        absl::StrCat("this device uses ", kMaxRelays, " relays already; remove one first"));
  }
  if (auto s = LocalSettings(db_, LocalTable::kRelays).Put(relay, address); !s.ok()) return s;
  relays_[relay] = address;
  StartRelayDialers();
  // A dialer waiting out its backoff tries the new address now.
  nudged_.insert(relay);
  return absl::OkStatus();
}

absl::StatusOr<v1::RelayStatus> PeerManager::AddRelay(const std::string& text) {
  auto relay = ParseRelayAddress(text);
  if (!relay.ok())
    return absl::InvalidArgumentError(absl::StrCat("address: ", relay.status().message()));
  auto id = vault_->identity();
  if (!id.has_value()) return absl::FailedPreconditionError(kUninitializedMessage);
  if (members_->Find(relay->device).has_value()) {
    return absl::InvalidArgumentError(
        "address: that id is a member device of this space, not a relay");
  }
  if (auto s = UseRelay(relay->device, relay->address); !s.ok()) return s;
  // Dialed from now on, even by a device alone in its space so far.
  if (auto keys = vault_->Keys(); keys.ok()) {
    if (auto s = OnUnlock(*keys); !s.ok()) return s;
  }
  LogInfo(absl::StrCat("using relay ", FormatDeviceId(relay->device).substr(0, 15), "… at ",
                       relay->address));
  store_->NotifyChange();
  auto snapshot = peers_.Snapshot();
  auto it = snapshot.find(relay->device);
  return RelayStatusOf(relay->device, relay->address, it == snapshot.end() ? nullptr : &it->second,
                       store_->SharedVersionVector());
}

absl::StatusOr<v1::RemoveRelayResponse> PeerManager::RemoveRelay(const std::string& relay_id) {
  std::string prefix;
  for (char c : relay_id) {
    if (c != '-' && c != ' ')
      prefix.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  absl::MutexLock lock(&mu_);
  std::string found;
  for (const auto& [relay, address] : relays_) {
    std::string readable;
    for (char c : FormatDeviceId(relay)) {
      if (c != '-') readable.push_back(c);
    }
    if (!prefix.empty() && readable.rfind(prefix, 0) == 0) {
      if (!found.empty()) {
        return absl::InvalidArgumentError("relay_id: several relays start so; give more of the id");
      }
      found = relay;
    }
  }
  if (found.empty()) {
    return absl::NotFoundError(
        "relay_id: this device uses no relay with that id (attune sync status lists them)");
  }
  if (auto s = LocalSettings(db_, LocalTable::kRelays).Write({found}, {}); !s.ok()) return s;
  relays_.erase(found);
  if (auto call = calls_.find(found); call != calls_.end()) call->second->TryCancel();
  v1::RemoveRelayResponse out;
  out.set_relay_id(FormatDeviceId(found));
  return out;
}

v1::RelayStatus PeerManager::RelayStatusOf(const std::string& relay, const std::string& address,
                                           const PeerStatusBook::Peer* peer,
                                           const RecordStore::VersionVector& vv) const {
  v1::RelayStatus r;
  r.set_relay_id(FormatDeviceId(relay));
  r.set_address(address);
  if (peer == nullptr) return r;
  r.set_online(peer->open_streams > 0);
  if (peer->last_seen != absl::InfinitePast())
    r.set_last_seen_ms(absl::ToUnixMillis(peer->last_seen));
  uint64_t lacks = 0;
  for (const auto& [d, seq] : vv) {
    auto t = peer->their_vv.find(d);
    uint64_t theirs = t == peer->their_vv.end() ? 0 : t->second;
    if (seq > theirs) lacks += seq - theirs;
  }
  r.set_ops_it_lacks(lacks);
  r.set_last_error(peer->last_error);
  return r;
}

v1::SyncStatus PeerManager::Status() {
  v1::SyncStatus out;
  auto vv = store_->SharedVersionVector();
  auto snapshot = peers_.Snapshot();
  auto id = vault_->identity();
  std::string self = id.has_value() ? id->device_public_key() : "";
  uint64_t total = 0;
  for (const auto& [d, seq] : vv) total += seq;
  out.set_shared_ops(total);
  out.set_write_block(store_->WriteBlock());
  if (auto keys = vault_->Keys(); keys.ok()) out.set_key_epoch((*keys)->SealingEpoch());
  if (members_->IsRemoved(self)) out.set_removed(RemovedMessage(*members_, self));
  for (const auto& body : members_->Bodies()) {
    if (body.device() == self) continue;
    v1::PeerStatus* p = out.add_peers();
    *p->mutable_peer() = Describe(body, self);
    auto it = snapshot.find(body.device());
    if (it == snapshot.end()) continue;
    const PeerStatusBook::Peer& peer = it->second;
    p->set_online(peer.open_streams > 0);
    if (peer.last_seen != absl::InfinitePast()) {
      p->set_last_seen_ms(absl::ToUnixMillis(peer.last_seen));
    }
    uint64_t they_lack = 0, we_lack = 0;
    for (const auto& [d, seq] : vv) {
      auto t = peer.their_vv.find(d);
      uint64_t theirs = t == peer.their_vv.end() ? 0 : t->second;
      if (seq > theirs) they_lack += seq - theirs;
    }
    for (const auto& [d, theirs] : peer.their_vv) {
      auto o = vv.find(d);
      uint64_t ours = o == vv.end() ? 0 : o->second;
      if (theirs > ours) we_lack += theirs - ours;
    }
    p->set_ops_they_lack(they_lack);
    p->set_ops_we_lack(we_lack);
    for (const auto& a : peer.addresses) p->add_addresses(a);
    p->set_last_error(peer.last_error);
    for (const auto& [address, at] : peer.found_on_lan) {
      if (clock_->Now() - at < PeerStatusBook::kFoundFor) p->add_found_on_lan(address);
    }
  }
  absl::MutexLock lock(&mu_);
  for (const auto& [relay, address] : relays_) {
    auto it = snapshot.find(relay);
    *out.add_relays() =
        RelayStatusOf(relay, address, it == snapshot.end() ? nullptr : &it->second, vv);
  }
  for (const auto& a : listen_addresses_) out.add_listen_addresses(a);
  if (discovery_ != nullptr) {
    *out.mutable_lan_discovery() = discovery_->Status();
  } else if (!options_.discovery) {
    out.mutable_lan_discovery()->set_note(
        "turned off (attuned --no-discovery, or discovery = false in its settings file)");
  } else {
    out.mutable_lan_discovery()->set_note(
        "starts once the vault is unlocked and the space has another device or an open invite");
  }
  return out;
}

void PeerManager::WatchHellos() {
  auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
  absl::MutexLock lock(&mu_);
  while (!mu_.AwaitWithTimeout(absl::Condition(&stopping), absl::Seconds(1))) {
    const absl::Time now = absl::Now();
    for (auto& [call, in] : inbound_) {
      if (in.helloed || now < in.hello_by) continue;
      in.helloed = true;  // cancelled once
      LogWarning(absl::StrCat("device ", FormatDeviceId(in.device).substr(0, 15),
                              " sent no Hello within ", absl::FormatDuration(kHelloWithin),
                              "; closed its stream"));
      call->TryCancel();
    }
  }
}

void PeerManager::Stop() {
  std::map<std::string, std::thread> dialers;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<PeerGate> gate;
  std::unique_ptr<LanDiscovery> discovery;
  std::thread hello_watch;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ && dialers_.empty() && server_ == nullptr) return;
    stopping_ = true;
    for (auto& [d, call] : calls_) call->TryCancel();
    for (auto& [call, in] : inbound_) call->TryCancel();
    dialers.swap(dialers_);
    server = std::move(server_);
    gate = std::move(gate_);
    hello_watch.swap(hello_watch_);
    discovery = std::move(discovery_);
  }
  // Outside the lock: its thread may be in HeardOnLan, waiting for it.
  if (discovery != nullptr) discovery->Stop();
  if (gate != nullptr) gate->Stop();
  if (hello_watch.joinable()) hello_watch.join();
  if (server != nullptr) {
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }
  for (auto& [d, t] : dialers) t.join();
}

}  // namespace attune
