// gRPC credentials for the peer transport: TLS with each side's self-signed
// device certificate (tls_identity.h). The dialer pins the listener's device
// key; the listener asks every dialer for its certificate and leaves the
// membership decision to the RPC (PeerDevice), before any data moves.
#ifndef ATTUNE_DAEMON_SYNC_TLS_CREDENTIALS_H_
#define ATTUNE_DAEMON_SYNC_TLS_CREDENTIALS_H_

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_context.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "daemon/sync/tls_identity.h"

namespace attune {

std::shared_ptr<grpc::ServerCredentials> PeerServerCredentials(const TlsIdentity& identity);

// Only a listener whose certificate holds `expected_device` (raw 32-byte
// Ed25519 key) gets past the handshake.
std::shared_ptr<grpc::ChannelCredentials> PeerChannelCredentials(
    const TlsIdentity& identity, const std::string& expected_device);

// The server name a dialer sends (GRPC_SSL_TARGET_NAME_OVERRIDE_ARG):
// kPeerTlsName, whatever `device` it expects.
std::string PeerTargetName(const std::string& device);

// The raw device key of the TLS peer of a call; UNAUTHENTICATED if none.
absl::StatusOr<std::string> PeerDevice(const grpc::ServerContext& context);

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_TLS_CREDENTIALS_H_
