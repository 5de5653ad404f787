#include "daemon/relay/relay.h"

#include <grpcpp/server_builder.h>
#include <sodium.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "attune/v1/sync.grpc.pb.h"
#include "common/grpc_status.h"
#include "daemon/base/log.h"
#include "daemon/base/private_dir.h"
#include "daemon/sync/peer_transport.h"
#include "daemon/sync/tls_credentials.h"
#include "daemon/vault/device_id.h"

namespace attune {
namespace {

constexpr int kStreamsPerConnection = 4;
constexpr int kHandshakeWithinMs = 5000;
constexpr size_t kMemoryBytes = 512 << 20;
constexpr absl::Duration kForgetEvery = absl::Hours(1);
// A stream must bring its Hello within this long; one device holds at most
// kStreamsPerDevice streams, and streams without a Hello yet (anyone's: a
// TLS key costs nothing to make) at most kStreamsBeforeHello in all.
constexpr absl::Duration kHelloWithin = absl::Seconds(10);
constexpr size_t kStreamsPerDevice = 4;
constexpr size_t kStreamsBeforeHello = 64;
constexpr size_t kConnectionsPerAddress = 64;

}  // namespace

// Pair is left to the generated base class: UNIMPLEMENTED (a relay invites
// no one and joins nothing).
class Relay::Service final : public v1::PeerService::Service {
 public:
  explicit Service(Relay* r) : r_(r) {}

  grpc::Status Sync(grpc::ServerContext* context,
                    grpc::ServerReaderWriter<v1::SyncMessage, v1::SyncMessage>* stream) override {
    auto tls = PeerDevice(*context);
    if (!tls.ok()) return ToGrpc(tls.status());
    {
      absl::MutexLock lock(&r_->mu_);
      if (r_->stopping_) return ToGrpc(absl::UnavailableError("the relay is stopping"));
      size_t same_device = 0, before_hello = 0;
      for (const auto& [call, in] : r_->inbound_) {
        same_device += in.device == *tls;
        before_hello += !in.helloed;
      }
      if (same_device >= kStreamsPerDevice || before_hello >= kStreamsBeforeHello) {
        return ToGrpc(absl::ResourceExhaustedError("too many sync streams open; try again later"));
      }
      r_->inbound_[context] = Inbound{*tls, absl::Now() + kHelloWithin, false};
    }
    ServerStream adapter(context, stream, [this, context] {
      absl::MutexLock lock(&r_->mu_);
      auto it = r_->inbound_.find(context);
      if (it != r_->inbound_.end()) it->second.helloed = true;
    });
    RelaySession session(RelaySessionEnv{r_->log_.get(), r_->clock_, r_->device_}, &adapter, *tls,
                         r_, [context] { context->TryCancel(); });
    absl::Status ended = session.Run();
    absl::MutexLock lock(&r_->mu_);
    r_->inbound_.erase(context);
    return ToGrpc(ended);
  }

 private:
  Relay* const r_;
};

Relay::Relay(RelayOptions options, const Clock* clock)
    : options_(std::move(options)), clock_(clock) {}

Relay::~Relay() { Stop(); }

absl::StatusOr<std::unique_ptr<Relay>> Relay::Start(const RelayOptions& options,
                                                    const Clock* clock) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialise");
  if (auto s = MakePrivateDir(options.data_dir, "relay data folder"); !s.ok()) return s;
  std::unique_ptr<Relay> r(new Relay(options, clock));
  auto db = Db::Open(DbOptions{.path = options.data_dir});
  if (!db.ok()) return db.status();
  r->db_ = std::move(*db);
  r->log_ = std::make_unique<RelayLog>(r->db_.get());
  if (auto s = r->log_->Load(); !s.ok()) return s;

  // The relay's own key: made once, kept in its database (readable only to
  // the relay's user: the folder is 0700). It signs nothing but TLS.
  KeySet keys;
  auto saved = r->log_->Key();
  if (!saved.ok()) return saved.status();
  if (saved->has_value()) {
    if ((*saved)->size() != crypto_sign_SECRETKEYBYTES) {
      return absl::DataLossError(
          "the relay's key in its data folder is damaged; devices pin it, so it is not replaced: "
          "restore the folder from a copy, or start a new relay in an empty folder (devices then "
          "need attune relay add with its new address)");
    }
    std::copy((*saved)->begin(), (*saved)->end(), keys.device_secret_key.data());
  } else {
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    crypto_sign_keypair(pk, keys.device_secret_key.data());
    if (auto s = r->log_->SaveKey(keys.device_secret_key.view()); !s.ok()) return s;
  }
  keys.device_public_key.assign(
      reinterpret_cast<const char*>(keys.device_secret_key.data()) + crypto_sign_SEEDBYTES,
      crypto_sign_PUBLICKEYBYTES);
  r->device_ = keys.device_public_key;
  auto identity = MakeTlsIdentity(keys);
  if (!identity.ok()) return identity.status();
  r->identity_ = std::move(*identity);

  for (const std::string& space : r->log_->Spaces()) {
    auto s = std::make_shared<RelaySpace>(r->db_.get(), space);
    if (auto loaded = s->members().Load(); !loaded.ok()) return loaded;
    r->spaces_[space] = std::move(s);
  }

  auto colon = options.listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(options.listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen: \"", options.listen, "\" is not host:port"));
  }
  GateLimits limits;
  limits.max_connections = static_cast<size_t>(options.max_streams);
  limits.max_per_address = std::min(kConnectionsPerAddress, limits.max_connections);
  auto gate = PeerGate::Listen(options.listen.substr(0, colon), port, limits);
  if (!gate.ok()) return gate.status();
  r->port_ = (*gate)->port();
  r->service_ = std::make_unique<Service>(r.get());
  grpc::ServerBuilder builder;
  auto door = builder.experimental().AddExternalConnectionAcceptor(
      grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD,
      PeerServerCredentials(r->identity_));
  // Each open stream holds one thread of the server (and one sender).
  ApplyPeerServerOptions(builder, kHandshakeWithinMs, kStreamsPerConnection,
                         options.max_streams + 16, kMemoryBytes, "attune-relay");
  builder.RegisterService(r->service_.get());
  r->server_ = builder.BuildAndStart();
  if (r->server_ == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot serve on ", options.listen));
  }
  r->gate_ = std::move(*gate);
  r->gate_->Start(std::move(door));
  Relay* self = r.get();
  r->watcher_ = std::thread([self] { self->Watch(); });
  return r;
}

void Relay::Watch() {
  absl::Time forgot = absl::InfinitePast();
  while (true) {
    if (absl::Now() - forgot >= kForgetEvery) {
      ForgetIdle();
      forgot = absl::Now();
    }
    absl::MutexLock lock(&mu_);
    auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping), absl::Seconds(1))) return;
    for (auto& [call, in] : inbound_) {
      if (!in.helloed && absl::Now() > in.hello_by) call->TryCancel();
    }
  }
}

std::string Relay::Address() const {
  auto colon = options_.listen.rfind(':');
  return absl::StrCat(FormatDeviceId(device_), "@", options_.listen.substr(0, colon), ":", port_);
}

absl::StatusOr<std::shared_ptr<RelaySpace>> Relay::Acquire(const std::string& space) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the relay is stopping");
  auto it = spaces_.find(space);
  if (it != spaces_.end()) {
    ++it->second->users;
    return it->second;
  }
  if (spaces_.size() >= options_.max_spaces) {
    return absl::ResourceExhaustedError("this relay holds as many spaces as it may");
  }
  // A new space: its membership starts empty, and the device's Hello brings
  // the chain of certificates back to the founder. The space is kept only
  // once the device proved a member (Keep); what a refused Hello stored is
  // deleted (Release).
  auto s = std::make_shared<RelaySpace>(db_.get(), space);
  if (auto loaded = s->members().Load(); !loaded.ok()) return loaded;
  s->users = 1;
  return s;
}

std::shared_ptr<RelaySpace> Relay::Keep(std::shared_ptr<RelaySpace> space) {
  absl::MutexLock lock(&mu_);
  auto [it, added] = spaces_.emplace(space->id(), space);
  if (!added && it->second != space) {
    --space->users;
    ++it->second->users;
  }
  return it->second;
}

void Relay::Release(const std::shared_ptr<RelaySpace>& space) {
  absl::MutexLock lock(&mu_);
  --space->users;
  if (spaces_.count(space->id()) > 0) return;
  // Never kept: the certificates and changes the refused Hello stored go.
  // (Another session's fresh state of the same id, not kept yet, loses its
  // rows too; its device is refused, or kept again, at its next Hello.)
  if (auto s = log_->Forget(space->id()); !s.ok()) {
    LogWarning(absl::StrCat("could not drop a refused space's rows: ", s.message()));
  }
}

void Relay::ForgetIdle() {
  const int64_t now = absl::ToUnixMillis(clock_->Now());
  const int64_t limit = absl::ToInt64Milliseconds(options_.forget_after);
  size_t forgot = 0;
  // Under the lock, so that no session acquires a space while it goes.
  absl::MutexLock lock(&mu_);
  for (auto it = spaces_.begin(); it != spaces_.end();) {
    int64_t visit = log_->LastVisit(it->first);
    if (it->second->users == 0 && now - visit > limit) {
      if (auto st = log_->Forget(it->first); !st.ok()) {
        LogWarning(absl::StrCat("could not forget an idle space: ", st.message()));
        ++it;
        continue;
      }
      ++forgot;
      it = spaces_.erase(it);
    } else {
      ++it;
    }
  }
  if (forgot > 0) LogInfo(absl::StrCat("forgot ", forgot, " idle space(s)"));
}

void Relay::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (gate_ != nullptr) gate_->Stop();
  if (server_ != nullptr) {
    // Streams never end on their own: they are cancelled at once (a device
    // dials again and resends what this relay did not store).
    server_->Shutdown(std::chrono::system_clock::now());
    server_->Wait();
  }
  if (watcher_.joinable()) watcher_.join();
}

absl::StatusOr<std::vector<RelaySpaceStats>> Relay::Stats(const std::string& data_dir) {
  auto db = Db::Open(DbOptions{.path = data_dir});
  if (!db.ok()) return db.status();
  RelayLog log(db->get());
  if (auto s = log.Load(); !s.ok()) return s;
  std::vector<RelaySpaceStats> out;
  for (const std::string& space : log.Spaces()) {
    out.push_back({space, log.HeadsOf(space), log.LastVisit(space)});
  }
  return out;
}

}  // namespace attune
