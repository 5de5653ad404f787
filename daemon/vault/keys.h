// The keys of an unlocked vault.
#ifndef ATTUNE_DAEMON_VAULT_KEYS_H_
#define ATTUNE_DAEMON_VAULT_KEYS_H_

#include <sodium.h>

#include <cstdint>
#include <string>

#include "daemon/vault/secret.h"

namespace attune {

inline constexpr size_t kRawIdBytes = 16;
inline constexpr size_t kSymmetricKeyBytes = 32;

// Everything an unlocked device holds. Immutable once built; shared by
// readers through shared_ptr<const KeySet>, so locking the vault drops the
// vault's reference and the memory is wiped when the last call using it ends.
struct KeySet {
  // Public identity.
  std::string space_id;           // 16 raw bytes
  std::string member_id;          // 16 raw bytes
  std::string device_public_key;  // 32 raw bytes: the raw device id
  std::string display_name;
  // The vault promises a sealed head of this device's own op log
  // (VaultIdentity.keeps_own_log_head): unlocking without one is refused.
  bool keeps_own_log_head = false;

  // Ed25519 signing key of this device.
  SecretBytes device_secret_key{crypto_sign_SECRETKEYBYTES};
  // Seals the local views (never leaves the device).
  SecretBytes data_key{kSymmetricKeyBytes};
  // Seals SHARED op bodies; one per key epoch (only epoch 0 for now).
  uint32_t space_key_epoch = 0;
  SecretBytes space_key{kSymmetricKeyBytes};
  // Seals PRIVATE op bodies; shared only among the member's own devices.
  SecretBytes personal_key{kSymmetricKeyBytes};
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_VAULT_KEYS_H_
