// Sealing, signing, verifying and opening ops (docs/ARCHITECTURE.md, "Op envelope").
//
// The signature covers the domain tag "attune-op-v1", the header bytes and
// the ciphertext exactly as transmitted; the body is encrypted with the header
// bytes as associated data. Nothing here re-serializes a received header
// before checking it. All functions are thread-safe.
#ifndef ATTUNE_DAEMON_VAULT_OP_CRYPTO_H_
#define ATTUNE_DAEMON_VAULT_OP_CRYPTO_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "attune/v1/records.pb.h"
#include "daemon/vault/keys.h"

namespace attune {

// Fills header.nonce and header.key_epoch (keys.SealingEpoch()), serializes
// the header once, encrypts `body` with that epoch's space key (SHARED) or
// personal key (PRIVATE) and signs with the device key.
// header.author_device must be this device's public key.
absl::StatusOr<v1::Op> SealOp(v1::OpHeader header, const v1::OpBody& body, const KeySet& keys);

// Checks the envelope's signature against `author_public_key` (32 bytes).
// INVALID_ARGUMENT naming what is wrong otherwise.
absl::Status VerifyOp(const v1::Op& op, std::string_view author_public_key);

// Parses the header (as transmitted) and decrypts the body. Does not verify
// the signature: call VerifyOp first for ops from outside.
absl::StatusOr<v1::OpBody> OpenOp(const v1::Op& op, const KeySet& keys, v1::OpHeader* header_out);

}  // namespace attune

#endif  // ATTUNE_DAEMON_VAULT_OP_CRYPTO_H_
