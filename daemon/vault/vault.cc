#include "daemon/vault/vault.h"

#include <sodium.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "attune/v1/limits.pb.h"

namespace attune {
namespace {

constexpr uint32_t kVaultVersion = 1;
constexpr size_t kSecretsBytes =
    crypto_sign_SECRETKEYBYTES + 3 * kSymmetricKeyBytes;  // sk‖data‖space‖personal
constexpr size_t kMaxDisplayName = v1::LIMIT_DISPLAY_NAME_CHARS;

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

// Derives the key-encryption key from the passphrase.
absl::StatusOr<SecretBytes> DeriveKek(std::string_view passphrase, std::string_view salt,
                                      uint64_t opslimit, size_t memlimit) {
  if (salt.size() != crypto_pwhash_SALTBYTES) {
    return absl::DataLossError("vault file has a malformed salt");
  }
  SecretBytes kek(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
  if (crypto_pwhash(kek.data(), kek.size(), passphrase.data(), passphrase.size(),
                    reinterpret_cast<const unsigned char*>(salt.data()), opslimit, memlimit,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("not enough memory to derive the passphrase key");
  }
  return kek;
}

// Seals the secrets under the key-encryption key with a fresh nonce; the
// identity bytes are the associated data. Sets file.nonce and file.sealed.
void SealSecrets(const SecretBytes& secrets, const SecretBytes& kek, v1::VaultFile* file) {
  file->set_nonce(RandomBytes(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES));
  std::string sealed(secrets.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long sealed_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<unsigned char*>(sealed.data()), &sealed_len, secrets.data(), secrets.size(),
      reinterpret_cast<const unsigned char*>(file->identity().data()), file->identity().size(),
      nullptr, reinterpret_cast<const unsigned char*>(file->nonce().data()), kek.data());
  sealed.resize(sealed_len);
  file->set_sealed(std::move(sealed));
}

// Splits the opened secrets buffer into a KeySet.
std::shared_ptr<KeySet> KeysFrom(const SecretBytes& secrets, const v1::VaultIdentity& id) {
  auto keys = std::make_shared<KeySet>();
  keys->space_id = id.space_id();
  keys->member_id = id.member_id();
  keys->device_public_key = id.device_public_key();
  keys->display_name = id.display_name();
  keys->space_key_epoch = id.space_key_epoch();
  keys->keeps_own_log_head = id.keeps_own_log_head();
  const unsigned char* p = secrets.data();
  for (SecretBytes* dst :
       {&keys->device_secret_key, &keys->data_key, &keys->space_key, &keys->personal_key}) {
    std::copy(p, p + dst->size(), dst->data());
    p += dst->size();
  }
  return keys;
}

}  // namespace

KdfParams ModerateKdf() {
  return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
}
KdfParams InteractiveKdf() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}
KdfParams MinimumKdf() { return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN}; }

Vault::Vault(VaultPersistence* persistence) : persistence_(persistence) { InitCrypto(); }

absl::Status Vault::Load() {
  auto bytes = persistence_->LoadVaultFile();
  if (!bytes.ok()) return bytes.status();
  absl::MutexLock lock(&mu_);
  if (!bytes->has_value()) return absl::OkStatus();
  v1::VaultFile file;
  v1::VaultIdentity id;
  if (!file.ParseFromString(**bytes) || file.version() != kVaultVersion ||
      !id.ParseFromString(file.identity())) {
    return absl::DataLossError("the vault file in the data folder is unreadable");
  }
  file_ = std::move(file);
  identity_ = std::move(id);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const KeySet>> Vault::Init(std::string_view passphrase,
                                                          std::string_view display_name,
                                                          KdfParams kdf) {
  if (passphrase.size() < kMinPassphraseLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("passphrase: must be at least ", kMinPassphraseLength, " characters"));
  }
  if (display_name.empty() || display_name.size() > kMaxDisplayName) {
    return absl::InvalidArgumentError(
        absl::StrCat("display_name: must be 1 to ", kMaxDisplayName, " characters"));
  }
  absl::MutexLock kdf_lock(&kdf_mu_);
  {
    absl::MutexLock lock(&mu_);
    if (file_.has_value()) {
      return absl::AlreadyExistsError("this device already has a vault: run attune unlock");
    }
  }

  // Fresh secrets, directly in locked memory.
  SecretBytes secrets(kSecretsBytes);
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_keypair(pk, secrets.data());
  randombytes_buf(secrets.data() + crypto_sign_SECRETKEYBYTES, 3 * kSymmetricKeyBytes);

  v1::VaultIdentity id;
  id.set_device_public_key(reinterpret_cast<const char*>(pk), sizeof pk);
  id.set_space_id(RandomBytes(kRawIdBytes));
  id.set_member_id(RandomBytes(kRawIdBytes));
  id.set_display_name(std::string(display_name));
  id.set_keeps_own_log_head(true);

  v1::VaultFile file;
  file.set_version(kVaultVersion);
  file.set_salt(RandomBytes(crypto_pwhash_SALTBYTES));
  file.set_opslimit(kdf.opslimit);
  file.set_memlimit(kdf.memlimit);
  file.set_identity(id.SerializeAsString());

  auto kek = DeriveKek(passphrase, file.salt(), kdf.opslimit, kdf.memlimit);
  if (!kek.ok()) return kek.status();
  SealSecrets(secrets, *kek, &file);

  if (auto s = persistence_->SaveVaultFile(file.SerializeAsString()); !s.ok()) {
    return s;
  }
  std::shared_ptr<const KeySet> keys = KeysFrom(secrets, id);
  absl::MutexLock lock(&mu_);
  file_ = std::move(file);
  identity_ = std::move(id);
  keys_ = keys;
  kek_ = std::make_unique<SecretBytes>(std::move(*kek));
  return keys;
}

absl::StatusOr<std::shared_ptr<const KeySet>> Vault::Unlock(std::string_view passphrase) {
  absl::MutexLock kdf_lock(&kdf_mu_);
  v1::VaultFile file;
  v1::VaultIdentity id;
  {
    absl::MutexLock lock(&mu_);
    if (!file_.has_value()) {
      return absl::FailedPreconditionError(kUninitializedMessage);
    }
    file = *file_;
    id = *identity_;
  }
  auto kek =
      DeriveKek(passphrase, file.salt(), file.opslimit(), static_cast<size_t>(file.memlimit()));
  if (!kek.ok()) return kek.status();
  if (file.sealed().size() != kSecretsBytes + crypto_aead_xchacha20poly1305_ietf_ABYTES ||
      file.nonce().size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES) {
    return absl::DataLossError("the vault file in the data folder is damaged");
  }
  SecretBytes secrets(kSecretsBytes);
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          secrets.data(), &len, nullptr,
          reinterpret_cast<const unsigned char*>(file.sealed().data()), file.sealed().size(),
          reinterpret_cast<const unsigned char*>(file.identity().data()), file.identity().size(),
          reinterpret_cast<const unsigned char*>(file.nonce().data()), kek->data()) != 0) {
    return absl::UnauthenticatedError("wrong passphrase");
  }
  absl::MutexLock lock(&mu_);
  if (keys_ == nullptr) keys_ = KeysFrom(secrets, id);
  if (kek_ == nullptr) kek_ = std::make_unique<SecretBytes>(std::move(*kek));
  return keys_;
}

void Vault::Lock() {
  std::shared_ptr<const KeySet> dropped;
  absl::MutexLock lock(&mu_);
  dropped = std::move(keys_);
  keys_ = nullptr;
  kek_.reset();
}

absl::StatusOr<std::shared_ptr<const KeySet>> Vault::AdoptSpace(const std::string& space_id,
                                                                const SecretBytes& space_key,
                                                                uint32_t key_epoch,
                                                                const SaveAdopted& save) {
  absl::MutexLock kdf_lock(&kdf_mu_);
  absl::MutexLock lock(&mu_);
  if (keys_ == nullptr || kek_ == nullptr) {
    return absl::FailedPreconditionError(kLockedMessage);
  }
  if (space_id.size() != kRawIdBytes || space_key.size() != kSymmetricKeyBytes) {
    return absl::InvalidArgumentError("space id or key has the wrong length");
  }
  SecretBytes secrets(kSecretsBytes);
  unsigned char* p = secrets.data();
  for (const SecretBytes* src :
       {&keys_->device_secret_key, &keys_->data_key, &space_key, &keys_->personal_key}) {
    std::copy(src->data(), src->data() + src->size(), p);
    p += src->size();
  }
  v1::VaultIdentity id = *identity_;
  id.set_space_id(space_id);
  id.set_space_key_epoch(key_epoch);
  v1::VaultFile file = *file_;
  file.set_identity(id.SerializeAsString());
  SealSecrets(secrets, *kek_, &file);
  auto keys = KeysFrom(secrets, id);
  std::string bytes = file.SerializeAsString();
  if (auto s = save ? save(bytes, *keys) : persistence_->SaveVaultFile(bytes); !s.ok()) {
    return s;
  }
  file_ = std::move(file);
  identity_ = std::move(id);
  keys_ = keys;
  return keys_;
}

absl::StatusOr<std::shared_ptr<const KeySet>> Vault::KeepOwnLogHead() {
  absl::MutexLock kdf_lock(&kdf_mu_);
  absl::MutexLock lock(&mu_);
  if (keys_ == nullptr || kek_ == nullptr) {
    return absl::FailedPreconditionError(kLockedMessage);
  }
  if (identity_->keeps_own_log_head()) return keys_;
  SecretBytes secrets(kSecretsBytes);
  unsigned char* p = secrets.data();
  for (const SecretBytes* src :
       {&keys_->device_secret_key, &keys_->data_key, &keys_->space_key, &keys_->personal_key}) {
    std::copy(src->data(), src->data() + src->size(), p);
    p += src->size();
  }
  v1::VaultIdentity id = *identity_;
  id.set_keeps_own_log_head(true);
  v1::VaultFile file = *file_;
  file.set_identity(id.SerializeAsString());
  SealSecrets(secrets, *kek_, &file);
  if (auto s = persistence_->SaveVaultFile(file.SerializeAsString()); !s.ok()) return s;
  file_ = std::move(file);
  identity_ = std::move(id);
  keys_ = KeysFrom(secrets, *identity_);
  return keys_;
}

Vault::State Vault::state() const {
  absl::MutexLock lock(&mu_);
  if (!file_.has_value()) return State::kUninitialized;
  return keys_ != nullptr ? State::kUnlocked : State::kLocked;
}

std::optional<v1::VaultIdentity> Vault::identity() const {
  absl::MutexLock lock(&mu_);
  return identity_;
}

absl::StatusOr<std::shared_ptr<const KeySet>> Vault::Keys() const {
  absl::MutexLock lock(&mu_);
  if (!file_.has_value()) {
    return absl::FailedPreconditionError(kUninitializedMessage);
  }
  if (keys_ == nullptr) return absl::FailedPreconditionError(kLockedMessage);
  return keys_;
}

}  // namespace attune
