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

// Whether SealOp signs the op it seals.
enum class OpSigning {
  kSign,
  // Left unsigned: a later op of the same stream names this op's digest
  // (OpHeader.prev_digest) and carries the signature for both. Such an op is
  // taken by a receiver only together with that later op (sync/op_runs.h).
  kByLaterOp,
};

// Fills header.nonce and header.key_epoch (keys.SealingEpoch()), serializes
// the header once, encrypts `body` with that epoch's space key (SHARED) or
// personal key (PRIVATE) and, unless told otherwise, signs with the device
// key. header.author_device must be this device's public key.
absl::StatusOr<v1::Op> SealOp(v1::OpHeader header, const v1::OpBody& body, const KeySet& keys,
                              OpSigning signing = OpSigning::kSign);

// Signs an op SealOp left unsigned, with the device key of `keys`.
void SignOp(v1::Op* op, const KeySet& keys);

// What a signature adds to a serialized op: the field's tag and length and
// the 64 bytes of an Ed25519 signature.
inline constexpr size_t kOpSignatureFieldBytes = 66;

// Checks the envelope's signature against `author_public_key` (32 bytes).
// INVALID_ARGUMENT naming what is wrong otherwise.
absl::Status VerifyOp(const v1::Op& op, std::string_view author_public_key);

// Parses the header (as transmitted) and decrypts the body. Does not verify
// the signature: call VerifyOp first for ops from outside.
absl::StatusOr<v1::OpBody> OpenOp(const v1::Op& op, const KeySet& keys, v1::OpHeader* header_out);

}  // namespace attune

#endif  // ATTUNE_DAEMON_VAULT_OP_CRYPTO_H_
