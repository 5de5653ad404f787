// gRPC credentials for the peer transport: TLS with each side's self-signed
// device certificate (tls_identity.h). The dialer pins the listener's device
// key; the listener asks every dialer for its certificate and leaves the
// membership decision to the RPC (PeerDevice), before any data moves.
#ifndef ATTUNE_DAEMON_SYNC_TLS_CREDENTIALS_H_
#define ATTUNE_DAEMON_SYNC_TLS_CREDENTIALS_H_

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_context.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "daemon/sync/tls_identity.h"

namespace attune {

std::shared_ptr<grpc::ServerCredentials> PeerServerCredentials(const TlsIdentity& identity);

// Only a listener whose certificate holds `expected_device` (raw 32-byte
// Ed25519 key) gets past the handshake.
std::shared_ptr<grpc::ChannelCredentials> PeerChannelCredentials(
    const TlsIdentity& identity, const std::string& expected_device);

// What a dialer with a short invite saw during TLS handshakes (below): the
// device key of the listener `accepts` took, and whether it refused one.
// Thread-safe.
class SeenDevice {
 public:
  void Saw(const std::string& device, bool accepted) ABSL_LOCKS_EXCLUDED(mu_);
  // The key accepted last; "" when none was.
  std::string Accepted() const ABSL_LOCKS_EXCLUDED(mu_);
  bool RefusedOne() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  std::string accepted_ ABSL_GUARDED_BY(mu_);
  bool refused_ ABSL_GUARDED_BY(mu_) = false;
};

// Only a listener whose device key `accepts` (a short invite's pin) gets
// past the handshake; its key is then kept in `seen`. `accepts` runs on a
// gRPC thread and must be thread-safe.
std::shared_ptr<grpc::ChannelCredentials> PeerChannelCredentialsFor(
    const TlsIdentity& identity, std::function<bool(const std::string&)> accepts,
    std::shared_ptr<SeenDevice> seen);

// The server name a dialer sends (GRPC_SSL_TARGET_NAME_OVERRIDE_ARG):
// kPeerTlsName, whatever `device` it expects.
std::string PeerTargetName(const std::string& device);

// The raw device key of the TLS peer of a call; UNAUTHENTICATED if none.
absl::StatusOr<std::string> PeerDevice(const grpc::ServerContext& context);

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_TLS_CREDENTIALS_H_
