#include "daemon/relay/relay.h"

#include <grpcpp/resource_quota.h>
#include <grpcpp/server_builder.h>
#include <sodium.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "attune/v1/sync.grpc.pb.h"
#include "common/grpc_status.h"
#include "daemon/base/log.h"
#include "daemon/base/private_dir.h"
#include "daemon/sync/tls_credentials.h"
#include "daemon/vault/device_id.h"

namespace attune {
namespace {

constexpr int kMaxMessageBytes = 8 << 20;
constexpr int kStreamsPerConnection = 4;
constexpr int kHandshakeWithinMs = 5000;
constexpr size_t kMemoryBytes = 512 << 20;
constexpr absl::Duration kForgetEvery = absl::Hours(1);

class ServerStream : public MessageStream {
 public:
  ServerStream(grpc::ServerContext* context,
               grpc::ServerReaderWriter<v1::SyncMessage, v1::SyncMessage>* stream)
      : context_(context), stream_(stream) {}
  bool Read(v1::SyncMessage* m) override { return stream_->Read(m); }
  bool Write(const v1::SyncMessage& m) override { return stream_->Write(m); }
  bool Cancelled() override { return context_->IsCancelled(); }

 private:
  grpc::ServerContext* context_;
  grpc::ServerReaderWriter<v1::SyncMessage, v1::SyncMessage>* stream_;
};

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
    ServerStream adapter(context, stream);
    RelaySession session(
        RelaySessionEnv{r_->log_.get(), r_->clock_, r_->device_}, &adapter, *tls,
        [this](const std::string& space) { return r_->FindSpace(space); },
        [this](std::shared_ptr<RelaySpace> s) { return r_->KeepSpace(std::move(s)); },
        [context] { context->TryCancel(); });
    return ToGrpc(session.Run());
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
  if (saved->has_value() && (*saved)->size() == crypto_sign_SECRETKEYBYTES) {
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
  limits.max_per_address = static_cast<size_t>(options.max_streams);
  auto gate = PeerGate::Listen(options.listen.substr(0, colon), port, limits);
  if (!gate.ok()) return gate.status();
  r->port_ = (*gate)->port();
  r->service_ = std::make_unique<Service>(r.get());
  grpc::ServerBuilder builder;
  auto door = builder.experimental().AddExternalConnectionAcceptor(
      grpc::ServerBuilder::experimental_type::ExternalConnectionType::FROM_FD,
      PeerServerCredentials(r->identity_));
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS, kHandshakeWithinMs);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, kStreamsPerConnection);
  grpc::ResourceQuota quota("attune-relay");
  // Each open stream holds one thread of the server (and one sender).
  quota.SetMaxThreads(options.max_streams + 16);
  quota.Resize(kMemoryBytes);
  builder.SetResourceQuota(quota);
  builder.RegisterService(r->service_.get());
  r->server_ = builder.BuildAndStart();
  if (r->server_ == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot serve on ", options.listen));
  }
  r->gate_ = std::move(*gate);
  r->gate_->Start(std::move(door));
  Relay* self = r.get();
  r->forgetter_ = std::thread([self] {
    while (true) {
      self->ForgetIdle();
      absl::MutexLock lock(&self->mu_);
      auto stopping = [self]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) { return self->stopping_; };
      if (self->mu_.AwaitWithTimeout(absl::Condition(&stopping), kForgetEvery)) return;
    }
  });
  return r;
}

std::string Relay::Address() const {
  auto colon = options_.listen.rfind(':');
  return absl::StrCat(FormatDeviceId(device_), "@", options_.listen.substr(0, colon), ":", port_);
}

absl::StatusOr<std::shared_ptr<RelaySpace>> Relay::FindSpace(const std::string& space) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the relay is stopping");
  auto it = spaces_.find(space);
  if (it != spaces_.end()) return it->second;
  if (spaces_.size() >= options_.max_spaces) {
    return absl::ResourceExhaustedError("this relay holds as many spaces as it may");
  }
  // A new space: its membership starts empty, and the device's Hello brings
  // the chain of certificates back to the founder. Nothing is stored unless
  // that chain holds, and the space is kept only once the device proved a
  // member (KeepSpace): a stranger's made-up space ids cost nothing here.
  auto s = std::make_shared<RelaySpace>(db_.get(), space);
  if (auto loaded = s->members().Load(); !loaded.ok()) return loaded;
  return s;
}

std::shared_ptr<RelaySpace> Relay::KeepSpace(std::shared_ptr<RelaySpace> space) {
  absl::MutexLock lock(&mu_);
  auto [it, added] = spaces_.emplace(space->id(), space);
  return it->second;
}

void Relay::ForgetIdle() {
  const int64_t now = absl::ToUnixMillis(clock_->Now());
  const int64_t limit = absl::ToInt64Milliseconds(options_.forget_after);
  std::vector<std::shared_ptr<RelaySpace>> idle;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = spaces_.begin(); it != spaces_.end();) {
      int64_t visit = log_->LastVisit(it->first);
      bool never_used = visit == 0 && log_->HeadsOf(it->first).empty();
      if (it->second->Streams() == 0 && (never_used || now - visit > limit)) {
        idle.push_back(it->second);
        it = spaces_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& s : idle) {
    if (auto st = log_->Forget(s->id()); !st.ok()) {
      LogWarning(absl::StrCat("could not forget an idle space: ", st.message()));
    }
  }
  if (!idle.empty()) LogInfo(absl::StrCat("forgot ", idle.size(), " idle space(s)"));
}

void Relay::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (gate_ != nullptr) gate_->Stop();
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(3));
    server_->Wait();
  }
  if (forgetter_.joinable()) forgetter_.join();
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
