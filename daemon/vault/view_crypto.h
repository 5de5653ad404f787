// Sealing values of the local views with the device's data key.
//
// The associated data is the column family name and the key, so a value
// copied into another slot fails to open. Thread-safe.
#ifndef ATTUNE_DAEMON_VAULT_VIEW_CRYPTO_H_
#define ATTUNE_DAEMON_VAULT_VIEW_CRYPTO_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "daemon/vault/secret.h"

namespace attune {

// nonce ‖ ciphertext.
std::string SealValue(const SecretBytes& key, std::string_view column_family,
                      std::string_view slot_key, std::string_view plaintext);

// DATA_LOSS if the value was tampered with, moved, or sealed with another key.
absl::StatusOr<std::string> OpenValue(const SecretBytes& key, std::string_view column_family,
                                      std::string_view slot_key, std::string_view sealed);

}  // namespace attune

#endif  // ATTUNE_DAEMON_VAULT_VIEW_CRYPTO_H_
