#include "daemon/vault/vault.h"

#include <sodium.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "attune/v1/limits.pb.h"
#include "daemon/base/log.h"
#include "daemon/vault/readable_code.h"

namespace attune {
namespace {

constexpr uint32_t kVaultVersion = 2;
constexpr uint32_t kVaultVersionSealedByPassphrase = 1;  // older files
constexpr size_t kSecretsBytes =
    crypto_sign_SECRETKEYBYTES + 3 * kSymmetricKeyBytes;  // sk‖data‖space‖personal
constexpr size_t kMaxDisplayName = v1::LIMIT_DISPLAY_NAME_CHARS;
constexpr size_t kAeadKeyBytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;

// What each sealed copy of the vault key is bound to: the way in, then the
// device's public key (see SealedVaultKey).
constexpr std::string_view kByPassphrase = "attune vault key, by passphrase:";
constexpr std::string_view kByRecoveryCode = "attune vault key, by recovery code:";
// BLAKE2b personalisation of the recovery code's key derivation (16 bytes).
constexpr char kRecoveryPersonal[crypto_generichash_blake2b_PERSONALBYTES + 1] = "attune-recovery1";

// Four groups of eight characters, each with its check character.
constexpr ReadableCodeShape kRecoveryCode{kRecoveryCodeBytes, 8, 9, "recovery code"};

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

absl::Status CheckNewPassphrase(std::string_view passphrase, std::string_view field) {
  if (passphrase.size() < kMinPassphraseLength) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(field), ": must be at least ",
                                                   kMinPassphraseLength, " characters"));
  }
  return absl::OkStatus();
}

// Derives the passphrase's key-encryption key.
absl::StatusOr<SecretBytes> DeriveKek(std::string_view passphrase, std::string_view salt,
                                      uint64_t opslimit, size_t memlimit) {
  if (salt.size() != crypto_pwhash_SALTBYTES) {
    return absl::DataLossError("vault file has a malformed salt");
  }
  SecretBytes kek(kAeadKeyBytes);
  if (crypto_pwhash(kek.data(), kek.size(), passphrase.data(), passphrase.size(), U(salt), opslimit,
                    memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError("not enough memory to derive the passphrase key");
  }
  return kek;
}

// The recovery code's key. The code holds 160 random bits, so no stretching
// is needed: BLAKE2b keyed with the code, with the slot's salt and a
// personalisation. `salt` must be crypto_generichash_blake2b_SALTBYTES long.
SecretBytes DeriveRecoveryKey(const SecretBytes& code, std::string_view salt) {
  static_assert(kRecoveryCodeBytes >= crypto_generichash_blake2b_KEYBYTES_MIN &&
                kRecoveryCodeBytes <= crypto_generichash_blake2b_KEYBYTES_MAX);
  SecretBytes key(kAeadKeyBytes);
  crypto_generichash_blake2b_salt_personal(
      key.data(), key.size(), nullptr, 0, code.data(), code.size(), U(salt),
      reinterpret_cast<const unsigned char*>(kRecoveryPersonal));
  return key;
}

// Whether a sealed vault key has the sizes it must (the salt only for the
// recovery code's).
bool WellFormed(const v1::SealedVaultKey& slot, bool salted) {
  return slot.nonce().size() == kNonceBytes && slot.sealed().size() == kAeadKeyBytes + kTagBytes &&
         (!salted || slot.salt().size() == crypto_generichash_blake2b_SALTBYTES);
}

constexpr char kDamaged[] = "the vault file in the data folder is damaged";

// Seals `plain` with `key`, a fresh nonce and `ad`.
void Seal(const SecretBytes& plain, const SecretBytes& key, std::string_view ad, std::string* nonce,
          std::string* sealed) {
  *nonce = RandomBytes(kNonceBytes);
  sealed->assign(plain.size() + kTagBytes, '\0');
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(sealed->data()), &len,
                                             plain.data(), plain.size(), U(ad), ad.size(), nullptr,
                                             U(*nonce), key.data());
  sealed->resize(len);
}

// Opens what Seal made into `plain` (of the expected size); false when the
// key, the associated data or the bytes are not the ones sealed.
bool Open(std::string_view nonce, std::string_view sealed, const SecretBytes& key,
          std::string_view ad, SecretBytes* plain) {
  if (nonce.size() != kNonceBytes || sealed.size() != plain->size() + kTagBytes) return false;
  unsigned long long len = 0;
  return crypto_aead_xchacha20poly1305_ietf_decrypt(plain->data(), &len, nullptr, U(sealed),
                                                    sealed.size(), U(ad), ad.size(), U(nonce),
                                                    key.data()) == 0;
}

std::string SlotAd(std::string_view way_in, const v1::VaultIdentity& id) {
  return absl::StrCat(std::string(way_in), id.device_public_key());
}

// Seals the secrets with `key`; the identity bytes are the associated data.
void SealSecrets(const SecretBytes& secrets, const SecretBytes& key, v1::VaultFile* file) {
  Seal(secrets, key, file->identity(), file->mutable_nonce(), file->mutable_sealed());
}

// Seals the vault key under a new passphrase: a fresh salt and `kdf`'s cost.
absl::Status SealForPassphrase(const SecretBytes& vault_key, std::string_view passphrase,
                               KdfParams kdf, const v1::VaultIdentity& id, v1::VaultFile* file) {
  file->set_salt(RandomBytes(crypto_pwhash_SALTBYTES));
  file->set_opslimit(kdf.opslimit);
  file->set_memlimit(kdf.memlimit);
  auto kek = DeriveKek(passphrase, file->salt(), kdf.opslimit, kdf.memlimit);
  if (!kek.ok()) return kek.status();
  v1::SealedVaultKey* slot = file->mutable_by_passphrase();
  slot->Clear();
  Seal(vault_key, *kek, SlotAd(kByPassphrase, id), slot->mutable_nonce(), slot->mutable_sealed());
  return absl::OkStatus();
}

// The secrets and the vault key of an opened vault file.
struct Opened {
  SecretBytes secrets{kSecretsBytes};
  SecretBytes vault_key{kAeadKeyBytes};
  // It was a version 1 file: `vault_key` is new, and the file was rewritten
  // as version 2 in memory; it must be saved before the vault key is any use.
  bool older = false;
};

// Opens `*file` with the passphrase. A version 1 file is rewritten in place
// as version 2: the secrets sealed with a new vault key, which the same
// passphrase key seals.
absl::StatusOr<Opened> OpenWithPassphrase(v1::VaultFile* written, const v1::VaultIdentity& id,
                                          std::string_view passphrase) {
  const v1::VaultFile& file = *written;
  if (file.nonce().size() != kNonceBytes || file.sealed().size() != kSecretsBytes + kTagBytes ||
      (file.version() != kVaultVersionSealedByPassphrase &&
       !WellFormed(file.by_passphrase(), false))) {
    return absl::DataLossError(kDamaged);
  }
  auto kek =
      DeriveKek(passphrase, file.salt(), file.opslimit(), static_cast<size_t>(file.memlimit()));
  if (!kek.ok()) return kek.status();
  Opened out;
  if (file.version() == kVaultVersionSealedByPassphrase) {
    if (!Open(file.nonce(), file.sealed(), *kek, file.identity(), &out.secrets)) {
      return absl::UnauthenticatedError("wrong passphrase");
    }
    randombytes_buf(out.vault_key.data(), out.vault_key.size());
    out.older = true;
    written->set_version(kVaultVersion);
    SealSecrets(out.secrets, out.vault_key, written);
    v1::SealedVaultKey* slot = written->mutable_by_passphrase();
    Seal(out.vault_key, *kek, SlotAd(kByPassphrase, id), slot->mutable_nonce(),
         slot->mutable_sealed());
    return out;
  }
  if (!Open(file.by_passphrase().nonce(), file.by_passphrase().sealed(), *kek,
            SlotAd(kByPassphrase, id), &out.vault_key)) {
    return absl::UnauthenticatedError("wrong passphrase");
  }
  if (!Open(file.nonce(), file.sealed(), out.vault_key, file.identity(), &out.secrets)) {
    return absl::DataLossError(
        "the vault file in the data folder was altered: the passphrase is right, but the keys "
        "it guards do not open");
  }
  return out;
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

// The secrets buffer of `keys`, with `space_key` and `personal_key` in place
// of theirs when given.
SecretBytes SecretsOf(const KeySet& keys, const SecretBytes* space_key = nullptr,
                      const SecretBytes* personal_key = nullptr) {
  SecretBytes secrets(kSecretsBytes);
  unsigned char* p = secrets.data();
  for (const SecretBytes* src :
       {&keys.device_secret_key, &keys.data_key, space_key != nullptr ? space_key : &keys.space_key,
        personal_key != nullptr ? personal_key : &keys.personal_key}) {
    std::copy(src->data(), src->data() + src->size(), p);
    p += src->size();
  }
  return secrets;
}

}  // namespace

absl::Status Vault::Snapshot(v1::VaultFile* file, v1::VaultIdentity* id) const {
  absl::MutexLock lock(&mu_);
  if (!file_.has_value()) return absl::FailedPreconditionError(kUninitializedMessage);
  *file = *file_;
  *id = *identity_;
  return absl::OkStatus();
}

absl::Status Vault::SaveReplacingWayIn(v1::VaultFile file) {
  if (auto s = persistence_->SaveVaultFile(file.SerializeAsString()); !s.ok()) return s;
  {
    absl::MutexLock lock(&mu_);
    file_ = std::move(file);
  }
  if (auto s = persistence_->ForgetOldVaultFiles(); !s.ok()) {
    LogWarning(
        absl::StrCat("the earlier vault file may still be in the data folder: ", s.ToString()));
  }
  return absl::OkStatus();
}

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
  if (!file.ParseFromString(**bytes) ||
      (file.version() != kVaultVersion && file.version() != kVaultVersionSealedByPassphrase) ||
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
  if (auto s = CheckNewPassphrase(passphrase, "passphrase"); !s.ok()) return s;
  if (display_name.empty() || display_name.size() > kMaxDisplayName) {
    return absl::InvalidArgumentError(
        absl::StrCat("display_name: must be 1 to ", kMaxDisplayName, " characters"));
  }
  absl::MutexLock kdf_lock(&kdf_mu_);
  if (!retired_.empty()) return absl::UnavailableError(retired_);
  {
    absl::MutexLock lock(&mu_);
    if (file_.has_value()) {
      return absl::AlreadyExistsError("this device already has a vault: run attune unlock");
    }
  }

  // Fresh secrets and vault key, directly in locked memory.
  SecretBytes secrets(kSecretsBytes);
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_keypair(pk, secrets.data());
  randombytes_buf(secrets.data() + crypto_sign_SECRETKEYBYTES, 3 * kSymmetricKeyBytes);
  auto vault_key = std::make_unique<SecretBytes>(kAeadKeyBytes);
  randombytes_buf(vault_key->data(), vault_key->size());

  v1::VaultIdentity id;
  id.set_device_public_key(reinterpret_cast<const char*>(pk), sizeof pk);
  id.set_space_id(RandomBytes(kRawIdBytes));
  id.set_member_id(RandomBytes(kRawIdBytes));
  id.set_display_name(std::string(display_name));
  id.set_keeps_own_log_head(true);

  v1::VaultFile file;
  file.set_version(kVaultVersion);
  file.set_identity(id.SerializeAsString());
  SealSecrets(secrets, *vault_key, &file);
  if (auto s = SealForPassphrase(*vault_key, passphrase, kdf, id, &file); !s.ok()) return s;

  if (auto s = persistence_->SaveVaultFile(file.SerializeAsString()); !s.ok()) {
    return s;
  }
  absl::MutexLock lock(&mu_);
  std::shared_ptr<const KeySet> keys = WithEpochs(KeysFrom(secrets, id));
  file_ = std::move(file);
  identity_ = std::move(id);
  keys_ = keys;
  vault_key_ = std::move(vault_key);
  return keys;
}

absl::StatusOr<std::shared_ptr<const KeySet>> Vault::Unlock(std::string_view passphrase) {
  absl::MutexLock kdf_lock(&kdf_mu_);
  v1::VaultFile file;
  v1::VaultIdentity id;
  if (auto s = Snapshot(&file, &id); !s.ok()) return s;
  auto opened = OpenWithPassphrase(&file, id, passphrase);
  if (!opened.ok()) return opened.status();
  if (opened->older) {
    if (auto s = persistence_->SaveVaultFile(file.SerializeAsString()); !s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("the vault is written in a newer form at its first "
                                       "unlock, and saving it failed: ",
                                       s.message()));
    }
  }
  absl::MutexLock lock(&mu_);
  if (opened->older) file_ = std::move(file);
  if (keys_ == nullptr) keys_ = WithEpochs(KeysFrom(opened->secrets, id));
  if (vault_key_ == nullptr) {
    vault_key_ = std::make_unique<SecretBytes>(std::move(opened->vault_key));
  }
  return keys_;
}

absl::Status Vault::ChangePassphrase(std::string_view passphrase, std::string_view new_passphrase,
                                     KdfParams kdf) {
  if (auto s = CheckNewPassphrase(new_passphrase, "new_passphrase"); !s.ok()) return s;
  absl::MutexLock kdf_lock(&kdf_mu_);
  v1::VaultFile file;
  v1::VaultIdentity id;
  if (auto s = Snapshot(&file, &id); !s.ok()) return s;
  auto opened = OpenWithPassphrase(&file, id, passphrase);
  if (!opened.ok()) return opened.status();
  if (auto s = SealForPassphrase(opened->vault_key, new_passphrase, kdf, id, &file); !s.ok()) {
    return s;
  }
  return SaveReplacingWayIn(std::move(file));
}

absl::StatusOr<RecoveryKitMade> Vault::CreateRecoveryKit(std::string_view passphrase,
                                                         int64_t now_seconds) {
  absl::MutexLock kdf_lock(&kdf_mu_);
  v1::VaultFile file;
  v1::VaultIdentity id;
  if (auto s = Snapshot(&file, &id); !s.ok()) return s;
  auto opened = OpenWithPassphrase(&file, id, passphrase);
  if (!opened.ok()) return opened.status();
  SecretBytes code(kRecoveryCodeBytes);
  randombytes_buf(code.data(), code.size());
  v1::SealedVaultKey* slot = file.mutable_by_recovery_code();
  slot->Clear();
  slot->set_salt(RandomBytes(crypto_generichash_blake2b_SALTBYTES));
  SecretBytes key = DeriveRecoveryKey(code, slot->salt());
  Seal(opened->vault_key, key, SlotAd(kByRecoveryCode, id), slot->mutable_nonce(),
       slot->mutable_sealed());
  file.mutable_recovery_kit_create_time()->set_seconds(now_seconds);
  file.mutable_recovery_kit_create_time()->set_nanos(0);
  if (auto s = SaveReplacingWayIn(std::move(file)); !s.ok()) return s;
  return RecoveryKitMade{FormatReadableCode(code.view(), kRecoveryCode), now_seconds};
}

absl::StatusOr<std::shared_ptr<const KeySet>> Vault::Recover(std::string_view recovery_code,
                                                             std::string_view new_passphrase,
                                                             KdfParams kdf) {
  auto raw = ParseReadableCode(recovery_code, kRecoveryCode);
  if (!raw.ok()) return raw.status();
  SecretBytes code(kRecoveryCodeBytes);
  std::copy(raw->begin(), raw->end(), code.data());
  sodium_memzero(raw->data(), raw->size());
  if (auto s = CheckNewPassphrase(new_passphrase, "new_passphrase"); !s.ok()) return s;

  absl::MutexLock kdf_lock(&kdf_mu_);
  v1::VaultFile file;
  v1::VaultIdentity id;
  if (auto s = Snapshot(&file, &id); !s.ok()) return s;
  if (!file.has_by_recovery_code()) {
    return absl::FailedPreconditionError(
        "no recovery kit was made for this vault, so only the passphrase opens it");
  }
  if (!WellFormed(file.by_recovery_code(), true) || file.nonce().size() != kNonceBytes ||
      file.sealed().size() != kSecretsBytes + kTagBytes) {
    return absl::DataLossError(kDamaged);
  }
  SecretBytes key = DeriveRecoveryKey(code, file.by_recovery_code().salt());
  auto vault_key = std::make_unique<SecretBytes>(kAeadKeyBytes);
  if (!Open(file.by_recovery_code().nonce(), file.by_recovery_code().sealed(), key,
            SlotAd(kByRecoveryCode, id), vault_key.get())) {
    return absl::UnauthenticatedError(
        "this recovery code does not open this vault (a kit made later replaces earlier ones)");
  }
  SecretBytes secrets(kSecretsBytes);
  if (!Open(file.nonce(), file.sealed(), *vault_key, file.identity(), &secrets)) {
    return absl::DataLossError(
        "the vault file in the data folder was altered: the recovery code is right, but the "
        "keys it guards do not open");
  }
  if (auto s = SealForPassphrase(*vault_key, new_passphrase, kdf, id, &file); !s.ok()) return s;
  if (auto s = SaveReplacingWayIn(std::move(file)); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  if (keys_ == nullptr) keys_ = WithEpochs(KeysFrom(secrets, id));
  if (vault_key_ == nullptr) vault_key_ = std::move(vault_key);
  return keys_;
}

std::optional<int64_t> Vault::recovery_kit_time() const {
  absl::MutexLock lock(&mu_);
  if (!file_.has_value() || !file_->has_by_recovery_code()) return std::nullopt;
  return file_->recovery_kit_create_time().seconds();
}

void Vault::Lock() {
  std::shared_ptr<const KeySet> dropped;
  absl::MutexLock lock(&mu_);
  dropped = std::move(keys_);
  keys_ = nullptr;
  vault_key_.reset();
}

absl::StatusOr<std::shared_ptr<const KeySet>> Vault::AdoptSpace(const std::string& space_id,
                                                                const SecretBytes& space_key,
                                                                uint32_t key_epoch,
                                                                const SaveAdopted& save,
                                                                const AdoptedPerson* person) {
  absl::MutexLock kdf_lock(&kdf_mu_);
  absl::MutexLock lock(&mu_);
  if (keys_ == nullptr || vault_key_ == nullptr) {
    return absl::FailedPreconditionError(kLockedMessage);
  }
  if (space_id.size() != kRawIdBytes || space_key.size() != kSymmetricKeyBytes) {
    return absl::InvalidArgumentError("space id or key has the wrong length");
  }
  if (person != nullptr &&
      (person->member_id.size() != kRawIdBytes || person->personal_key == nullptr ||
       person->personal_key->size() != kSymmetricKeyBytes || person->display_name.empty() ||
       person->display_name.size() > kMaxDisplayName)) {
    return absl::InvalidArgumentError("the person's id, name or key has the wrong length");
  }
  SecretBytes secrets =
      SecretsOf(*keys_, &space_key, person != nullptr ? person->personal_key : nullptr);
  v1::VaultIdentity id = *identity_;
  id.set_space_id(space_id);
  id.set_space_key_epoch(key_epoch);
  if (person != nullptr) {
    id.set_member_id(person->member_id);
    id.set_display_name(person->display_name);
  }
  v1::VaultFile file = *file_;
  file.set_identity(id.SerializeAsString());
  SealSecrets(secrets, *vault_key_, &file);
  auto keys = WithEpochs(KeysFrom(secrets, id));
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
  if (keys_ == nullptr || vault_key_ == nullptr) {
    return absl::FailedPreconditionError(kLockedMessage);
  }
  if (identity_->keeps_own_log_head()) return keys_;
  SecretBytes secrets = SecretsOf(*keys_);
  v1::VaultIdentity id = *identity_;
  id.set_keeps_own_log_head(true);
  v1::VaultFile file = *file_;
  file.set_identity(id.SerializeAsString());
  SealSecrets(secrets, *vault_key_, &file);
  if (auto s = persistence_->SaveVaultFile(file.SerializeAsString()); !s.ok()) return s;
  file_ = std::move(file);
  identity_ = std::move(id);
  keys_ = WithEpochs(KeysFrom(secrets, *identity_));
  return keys_;
}

absl::StatusOr<Vault::NewDevice> Vault::BecomeNewDevice(std::string_view passphrase) {
  absl::MutexLock kdf_lock(&kdf_mu_);
  v1::VaultFile file;
  v1::VaultIdentity id;
  if (auto s = Snapshot(&file, &id); !s.ok()) return s;
  auto opened = OpenWithPassphrase(&file, id, passphrase);
  if (!opened.ok()) return opened.status();
  NewDevice out;
  out.before = KeysFrom(opened->secrets, id);

  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  crypto_sign_keypair(pk, opened->secrets.data());  // the signing key leads the secrets
  id.set_device_public_key(reinterpret_cast<const char*>(pk), sizeof pk);
  id.set_keeps_own_log_head(true);
  const KdfParams cost{file.opslimit(), static_cast<size_t>(file.memlimit())};
  v1::VaultFile next;
  next.set_version(kVaultVersion);
  next.set_identity(id.SerializeAsString());
  SecretBytes vault_key(kAeadKeyBytes);
  randombytes_buf(vault_key.data(), vault_key.size());
  SealSecrets(opened->secrets, vault_key, &next);
  if (auto s = SealForPassphrase(vault_key, passphrase, cost, id, &next); !s.ok()) return s;
  if (auto s = persistence_->SaveVaultFile(next.SerializeAsString()); !s.ok()) return s;
  out.after = KeysFrom(opened->secrets, id);
  absl::MutexLock lock(&mu_);
  file_ = std::move(next);
  identity_ = std::move(id);
  keys_ = nullptr;
  vault_key_.reset();
  return out;
}

absl::Status Vault::Retire(std::string why) {
  absl::MutexLock kdf_lock(&kdf_mu_);
  if (!why.empty() && state() != State::kUninitialized) {
    return absl::FailedPreconditionError("this device has a vault now");
  }
  retired_ = std::move(why);
  return absl::OkStatus();
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

void Vault::SetKeyringSource(KeyringSource source) {
  absl::MutexLock lock(&mu_);
  source_ = std::move(source);
}

std::shared_ptr<KeySet> Vault::WithEpochs(std::shared_ptr<KeySet> keys) const {
  if (source_) keys->epochs = source_(*keys);
  return keys;
}

void Vault::RefreshEpochs() {
  absl::MutexLock lock(&mu_);
  if (keys_ == nullptr || !identity_.has_value()) return;
  keys_ = WithEpochs(KeysFrom(SecretsOf(*keys_), *identity_));
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
