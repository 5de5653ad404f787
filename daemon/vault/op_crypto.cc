#include "daemon/vault/op_crypto.h"

#include <sodium.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace attune {
namespace {

constexpr std::string_view kOpDomain = "attune-op-v1";
static_assert(kOpSignatureFieldBytes == 2 + crypto_sign_BYTES);

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// tag ‖ u32 header length (big-endian) ‖ header ‖ ciphertext
std::string SignedMessage(std::string_view header, std::string_view ciphertext) {
  std::string m;
  m.reserve(kOpDomain.size() + 4 + header.size() + ciphertext.size());
  m.append(kOpDomain);
  uint32_t n = static_cast<uint32_t>(header.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    m.push_back(static_cast<char>((n >> shift) & 0xff));
  }
  m.append(header);
  m.append(ciphertext);
  return m;
}

}  // namespace

absl::StatusOr<v1::Op> SealOp(v1::OpHeader header, const v1::OpBody& body, const KeySet& keys,
                              OpSigning signing) {
  if (header.visibility() != v1::VISIBILITY_PRIVATE &&
      header.visibility() != v1::VISIBILITY_SHARED) {
    return absl::InternalError("op visibility must be VISIBILITY_PRIVATE or VISIBILITY_SHARED");
  }
  std::string nonce(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, '\0');
  randombytes_buf(nonce.data(), nonce.size());
  header.set_nonce(nonce);
  const bool personal = header.visibility() == v1::VISIBILITY_PRIVATE;
  header.set_key_epoch(keys.SealingEpoch());
  v1::Op op;
  header.SerializeToString(op.mutable_header());

  std::string plain;
  body.SerializeToString(&plain);
  std::string* ct = op.mutable_ciphertext();
  ct->resize(plain.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long ct_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<unsigned char*>(ct->data()), &ct_len, U(plain), plain.size(), U(op.header()),
      op.header().size(), nullptr, U(nonce), keys.SealingKey(personal).data());
  ct->resize(ct_len);
  sodium_memzero(plain.data(), plain.size());
  if (signing == OpSigning::kSign) SignOp(&op, keys);
  return op;
}

void SignOp(v1::Op* op, const KeySet& keys) {
  std::string msg = SignedMessage(op->header(), op->ciphertext());
  std::string* sig = op->mutable_signature();
  sig->resize(crypto_sign_BYTES);
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig->data()), nullptr, U(msg), msg.size(),
                       keys.device_secret_key.data());
}

absl::Status VerifyOp(const v1::Op& op, std::string_view author_public_key) {
  if (author_public_key.size() != crypto_sign_PUBLICKEYBYTES) {
    return absl::InvalidArgumentError("op author key has the wrong length");
  }
  if (op.signature().empty()) {
    return absl::InvalidArgumentError(
        "op carries no signature, and no later op of its stream signs for it");
  }
  if (op.signature().size() != crypto_sign_BYTES) {
    return absl::InvalidArgumentError("op signature has the wrong length");
  }
  std::string msg = SignedMessage(op.header(), op.ciphertext());
  if (crypto_sign_verify_detached(U(op.signature()), U(msg), msg.size(), U(author_public_key)) !=
      0) {
    return absl::InvalidArgumentError("op signature does not verify");
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::OpBody> OpenOp(const v1::Op& op, const KeySet& keys, v1::OpHeader* header_out) {
  v1::OpHeader header;
  if (!header.ParseFromString(op.header())) {
    return absl::InvalidArgumentError("op header does not parse");
  }
  if (header.nonce().size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES) {
    return absl::InvalidArgumentError("op nonce has the wrong length");
  }
  if (op.ciphertext().size() < crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    return absl::InvalidArgumentError("op ciphertext is too short");
  }
  auto candidates =
      keys.OpeningKeys(header.key_epoch(), header.visibility() == v1::VISIBILITY_PRIVATE);
  if (candidates.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "op sealed under key epoch ", header.key_epoch(), ", whose key this device does not hold"));
  }
  std::string plain(op.ciphertext().size(), '\0');
  unsigned long long len = 0;
  bool opened = false;
  for (const SecretBytes* key : candidates) {
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char*>(plain.data()), &len, nullptr, U(op.ciphertext()),
            op.ciphertext().size(), U(op.header()), op.header().size(), U(header.nonce()),
            key->data()) == 0) {
      opened = true;
      break;
    }
  }
  if (!opened) return absl::InvalidArgumentError("op body does not decrypt");
  plain.resize(len);
  v1::OpBody body;
  bool parsed = body.ParseFromString(plain);
  sodium_memzero(plain.data(), plain.size());
  if (!parsed) return absl::InvalidArgumentError("op body does not parse");
  if (header_out != nullptr) *header_out = std::move(header);
  return body;
}

}  // namespace attune
