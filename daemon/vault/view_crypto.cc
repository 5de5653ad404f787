#include "daemon/vault/view_crypto.h"

#include <sodium.h>

namespace attune {
namespace {

constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;

std::string AssociatedData(std::string_view cf, std::string_view key) {
  std::string ad;
  ad.reserve(cf.size() + 1 + key.size());
  ad.append(cf);
  ad.push_back('\0');
  ad.append(key);
  return ad;
}

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::string SealValue(const SecretBytes& key, std::string_view column_family,
                      std::string_view slot_key, std::string_view plaintext) {
  std::string out(kNonce + plaintext.size() + kTag, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(o, kNonce);
  std::string ad = AssociatedData(column_family, slot_key);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(o + kNonce, &len, U(plaintext), plaintext.size(),
                                             U(ad), ad.size(), nullptr, o, key.data());
  out.resize(kNonce + len);
  return out;
}

absl::StatusOr<std::string> OpenValue(const SecretBytes& key, std::string_view column_family,
                                      std::string_view slot_key, std::string_view sealed) {
  if (sealed.size() < kNonce + kTag) {
    return absl::DataLossError("a stored value is truncated");
  }
  std::string out(sealed.size() - kNonce - kTag, '\0');
  std::string ad = AssociatedData(column_family, slot_key);
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &len, nullptr, U(sealed.substr(kNonce)),
          sealed.size() - kNonce, U(ad), ad.size(), U(sealed), key.data()) != 0) {
    return absl::DataLossError("a stored value fails its integrity check");
  }
  out.resize(len);
  return out;
}

}  // namespace attune
