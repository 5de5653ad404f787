// Turns a vault file into the one an attuned older than the own-log head
// would have left (VaultIdentity.keeps_own_log_head unset), sealed again under
// the same passphrase: for tests of the upgrade path.
#ifndef ATTUNE_TESTS_SUPPORT_OLDER_VAULT_H_
#define ATTUNE_TESTS_SUPPORT_OLDER_VAULT_H_

#include <sodium.h>

#include <optional>
#include <string>
#include <string_view>

#include "attune/v1/records.pb.h"

namespace attune::testing {

// nullopt when the file does not parse or the passphrase does not open it.
inline std::optional<std::string> AsAnOlderVaultFile(std::string_view bytes,
                                                     std::string_view passphrase) {
  v1::VaultFile file;
  v1::VaultIdentity id;
  if (sodium_init() < 0 || !file.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
      !id.ParseFromString(file.identity()) || file.salt().size() != crypto_pwhash_SALTBYTES ||
      file.nonce().size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ||
      file.sealed().size() < crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    return std::nullopt;
  }
  unsigned char kek[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
  if (crypto_pwhash(kek, sizeof kek, passphrase.data(), passphrase.size(),
                    reinterpret_cast<const unsigned char*>(file.salt().data()), file.opslimit(),
                    static_cast<size_t>(file.memlimit()), crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return std::nullopt;
  }
  std::string secrets(file.sealed().size() - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long len = 0;
  auto u = [](const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); };
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(secrets.data()), &len, nullptr, u(file.sealed()),
          file.sealed().size(), u(file.identity()), file.identity().size(), u(file.nonce()),
          kek) != 0) {
    return std::nullopt;
  }
  id.clear_keeps_own_log_head();
  file.set_identity(id.SerializeAsString());
  std::string nonce(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, '\0');
  randombytes_buf(nonce.data(), nonce.size());
  file.set_nonce(nonce);
  std::string sealed(secrets.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long sealed_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<unsigned char*>(sealed.data()), &sealed_len, u(secrets), secrets.size(),
      u(file.identity()), file.identity().size(), nullptr, u(file.nonce()), kek);
  sodium_memzero(kek, sizeof kek);
  sodium_memzero(secrets.data(), secrets.size());
  file.set_sealed(sealed);
  return file.SerializeAsString();
}

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_SUPPORT_OLDER_VAULT_H_
