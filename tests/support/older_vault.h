// Turns a vault file into the one an attuned older than the own-log head
// would have left: version 1 (the secrets sealed with the passphrase's key
// itself, no recovery kit) and VaultIdentity.keeps_own_log_head unset,
// sealed again under the same passphrase. For tests of the upgrade paths.
#ifndef ATTUNE_TESTS_SUPPORT_OLDER_VAULT_H_
#define ATTUNE_TESTS_SUPPORT_OLDER_VAULT_H_

#include <sodium.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "attune/v1/records.pb.h"

namespace attune::testing {

// nullopt when the file does not parse or the passphrase does not open it.
// Reads version 2 as records.proto describes it (the way-in label and the
// device's public key are the vault key's associated data).
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
  auto u = [](const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); };
  unsigned char kek[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
  if (crypto_pwhash(kek, sizeof kek, passphrase.data(), passphrase.size(), u(file.salt()),
                    file.opslimit(), static_cast<size_t>(file.memlimit()),
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return std::nullopt;
  }
  // The key the secrets are sealed with.
  unsigned char key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
  unsigned long long len = 0;
  if (file.version() == 1) {
    std::copy(kek, kek + sizeof kek, key);
  } else {
    const std::string ad = "attune vault key, by passphrase:" + id.device_public_key();
    const v1::SealedVaultKey& slot = file.by_passphrase();
    if (slot.sealed().size() != sizeof key + crypto_aead_xchacha20poly1305_ietf_ABYTES ||
        slot.nonce().size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ||
        crypto_aead_xchacha20poly1305_ietf_decrypt(key, &len, nullptr, u(slot.sealed()),
                                                   slot.sealed().size(), u(ad), ad.size(),
                                                   u(slot.nonce()), kek) != 0) {
      return std::nullopt;
    }
  }
  std::string secrets(file.sealed().size() - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(secrets.data()), &len, nullptr, u(file.sealed()),
          file.sealed().size(), u(file.identity()), file.identity().size(), u(file.nonce()),
          key) != 0) {
    return std::nullopt;
  }
  id.clear_keeps_own_log_head();
  file.set_version(1);
  file.clear_by_passphrase();
  file.clear_by_recovery_code();
  file.clear_recovery_kit_create_time();
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
  sodium_memzero(key, sizeof key);
  sodium_memzero(secrets.data(), secrets.size());
  file.set_sealed(sealed);
  return file.SerializeAsString();
}

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_SUPPORT_OLDER_VAULT_H_
