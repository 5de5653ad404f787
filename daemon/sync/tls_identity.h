// TLS identities bound to device keys. A device's TLS certificate is
// self-signed with its own Ed25519 device key, so the certificate's public
// key is the device id: a peer pins it by comparing raw keys, no CA involved.
#ifndef ATTUNE_DAEMON_SYNC_TLS_IDENTITY_H_
#define ATTUNE_DAEMON_SYNC_TLS_IDENTITY_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "daemon/vault/keys.h"

namespace attune {

// The server name every dialer sends and the name in every certificate:
// the same for all devices, so the handshake names none (what is pinned is
// the key in the certificate, never a name).
inline constexpr char kPeerTlsName[] = "attune";

struct TlsIdentity {
  std::string private_key_pem;  // holds the device key's seed: keep private
  std::string certificate_pem;
};

// A self-signed X.509 certificate for the device key (valid 100 years,
// subject CN = the readable device id).
absl::StatusOr<TlsIdentity> MakeTlsIdentity(const KeySet& keys);

// The raw 32-byte Ed25519 key of a PEM certificate; INVALID_ARGUMENT if it
// does not parse or holds another kind of key.
absl::StatusOr<std::string> DeviceKeyOfCertificate(std::string_view pem);

// Tells OpenSSL not to tear itself down in an atexit handler. gRPC's threads
// (TLS handshakes) can still be ending while a process exits; once that
// handler has deleted OpenSSL's thread-exit key, a thread ending afterwards
// leaves its error queue behind (LeakSanitizer saw one, 904 bytes, from
// attune-relay). Call first thing in main, before anything else touches
// OpenSSL; the operating system takes back what is left at exit.
void KeepOpenSslThroughExit();

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_TLS_IDENTITY_H_
