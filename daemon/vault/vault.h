// daemon/vault/ holds the keys and the crypto done with them: the vault,
// sealing and signing ops, sealing view values, device ids.
//
// The vault: this device's keys, sealed under a random vault key, which is
// sealed in turn under the passphrase and, once a recovery kit was made,
// under the kit's recovery code (VaultFile in records.proto).
//
// Locked (the state at start-up) it knows only the public identity; unlocked
// it hands out the KeySet. All methods are thread-safe. The calls that take a
// passphrase run Argon2id (up to seconds) without blocking state(), Keys()
// and identity() callers; they run one at a time.
#ifndef ATTUNE_DAEMON_VAULT_VAULT_H_
#define ATTUNE_DAEMON_VAULT_VAULT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "attune/v1/records.pb.h"
#include "daemon/vault/keys.h"

namespace attune {

// Where the sealed vault file lives. Implemented by the store's meta column
// family; a fake in tests.
class VaultPersistence {
 public:
  virtual ~VaultPersistence() = default;
  // nullopt when no vault was ever saved.
  virtual absl::StatusOr<std::optional<std::string>> LoadVaultFile() = 0;
  // Durable on OK.
  virtual absl::Status SaveVaultFile(std::string_view bytes) = 0;
  // After a way in was replaced (a passphrase change, a new recovery kit):
  // removes the earlier vault files from the storage as far as it can, so
  // that the old way in opens nothing kept there.
  virtual absl::Status ForgetOldVaultFiles() { return absl::OkStatus(); }
};

// Argon2id cost.
struct KdfParams {
  uint64_t opslimit;
  size_t memlimit;
};
KdfParams ModerateKdf();
KdfParams InteractiveKdf();
KdfParams MinimumKdf();  // tests only

inline constexpr size_t kMinPassphraseLength = 8;

// A recovery code: 160 random bits, as people write it down and type it back
// (readable_code.h): four groups of eight base32 characters, each group with
// a check character.
inline constexpr size_t kRecoveryCodeBytes = 20;

// A recovery kit as made: the code, shown once, and when it was made.
struct RecoveryKitMade {
  std::string code;
  int64_t create_seconds;  // Unix time
};
class Vault {
 public:
  enum class State { kUninitialized, kLocked, kUnlocked };

  // `persistence` must outlive the vault.
  explicit Vault(VaultPersistence* persistence);

  // Reads the vault file, if any. Call once before serving.
  absl::Status Load();

  // Creates new keys (device, data, space, personal), seals them under the
  // passphrase and saves them; leaves the vault unlocked.
  // ALREADY_EXISTS if initialised; INVALID_ARGUMENT for a passphrase shorter
  // than kMinPassphraseLength or a bad display name.
  absl::StatusOr<std::shared_ptr<const KeySet>> Init(std::string_view passphrase,
                                                     std::string_view display_name, KdfParams kdf);

  // Opens the keys. UNAUTHENTICATED "wrong passphrase"; FAILED_PRECONDITION
  // when not initialised; DATA_LOSS when the vault file was altered.
  // Unlocking an unlocked vault checks the passphrase again and returns the
  // same keys. A version 1 file is saved again as version 2 first; an error
  // saving it fails the unlock.
  absl::StatusOr<std::shared_ptr<const KeySet>> Unlock(std::string_view passphrase);

  // Seals the vault key under `new_passphrase` (a fresh salt, `kdf`'s cost)
  // and saves the file. The keys, the data and any recovery kit are
  // unchanged; the state (locked or not) too. UNAUTHENTICATED "wrong
  // passphrase" when `passphrase` is not the current one; INVALID_ARGUMENT
  // when the new one is shorter than kMinPassphraseLength; nothing is saved
  // then.
  absl::Status ChangePassphrase(std::string_view passphrase, std::string_view new_passphrase,
                                KdfParams kdf);

  // Makes a recovery kit: a new random code whose key seals the vault key,
  // saved in place of any earlier kit's (whose code then opens nothing;
  // this, ChangePassphrase and Recover call ForgetOldVaultFiles after the
  // save, in SaveReplacingWayIn).
  // `now_seconds` is recorded as the kit's time. UNAUTHENTICATED on a wrong
  // passphrase.
  absl::StatusOr<RecoveryKitMade> CreateRecoveryKit(std::string_view passphrase,
                                                    int64_t now_seconds);

  // Opens the keys with a recovery code and seals the vault key under
  // `new_passphrase` in the same saved write; leaves the vault unlocked and
  // the kit valid. INVALID_ARGUMENT for a mistyped code or a short
  // passphrase; FAILED_PRECONDITION when the vault has no kit;
  // UNAUTHENTICATED when the code is not this vault's; DATA_LOSS when the
  // file is damaged. Nothing is saved on an error.
  absl::StatusOr<std::shared_ptr<const KeySet>> Recover(std::string_view recovery_code,
                                                        std::string_view new_passphrase,
                                                        KdfParams kdf);

  // When the current recovery kit was made (Unix seconds); nullopt without
  // one. Works while locked.
  std::optional<int64_t> recovery_kit_time() const;

  // Forgets the keys. Calls still holding them finish; memory is wiped when
  // the last one lets go.
  void Lock();

  // Moves this device into another space (pairing): replaces the space id
  // and space key, seals the vault again under the same passphrase and
  // returns the new keys. FAILED_PRECONDITION when locked.
  //
  // The new vault file is saved through the persistence, or, when `save` is
  // given, handed to `save` with the new keys instead: it must store the file
  // durably, together with whatever has to change with it in the same atomic
  // write (the device's own ops sealed again for the new space). The vault
  // switches only when the save succeeded. `save` runs under the vault's
  // lock: it must not call the vault.
  //
  // With `person` (linking this device to a person who has devices in the
  // space already), the device also takes that person's member id, display
  // name and personal key; its own device key, data key and ways in stay.
  using SaveAdopted =
      std::function<absl::Status(std::string_view vault_file, const KeySet& new_keys)>;
  struct AdoptedPerson {
    std::string member_id;  // 16 raw bytes
    std::string display_name;
    const SecretBytes* personal_key;
  };
  absl::StatusOr<std::shared_ptr<const KeySet>> AdoptSpace(const std::string& space_id,
                                                           const SecretBytes& space_key,
                                                           uint32_t key_epoch,
                                                           const SaveAdopted& save = nullptr,
                                                           const AdoptedPerson* person = nullptr);

  // Marks the vault as one that keeps a sealed head of its own op log
  // (VaultIdentity.keeps_own_log_head), for a vault made before the head
  // existed, once the store has written it: seals the vault file again
  // under the same passphrase and saves it. Returns the keys (with the mark);
  // the same keys when the mark was there already. FAILED_PRECONDITION when
  // locked.
  absl::StatusOr<std::shared_ptr<const KeySet>> KeepOwnLogHead();

  // For a device restored from a backup (BackupService.RestoreBackup), on
  // the vault of the restored copy: opens it with `passphrase`, gives it a
  // new device signing key (the person, space, data, space and personal keys
  // stay), seals it all again under the same passphrase at the same cost,
  // drops the recovery kit (its slot was bound to the old device key) and
  // saves the file. The vault stays locked. Returns the keys before (to sign
  // the new device into the space) and after. UNAUTHENTICATED "wrong
  // passphrase"; FAILED_PRECONDITION before Init; nothing saved on an error.
  struct NewDevice {
    std::shared_ptr<const KeySet> before;
    std::shared_ptr<const KeySet> after;
  };
  absl::StatusOr<NewDevice> BecomeNewDevice(std::string_view passphrase);

  // Refuses Init from now on (UNAVAILABLE, with `why`), for a daemon about to
  // restart on a restored store. FAILED_PRECONDITION, and nothing refused,
  // when the vault was initialised meanwhile. Retire(""): Init works again.
  absl::Status Retire(std::string why);

  // Where the keys of later key epochs come from (sync's space changes
  // sealed to this device). Called under the vault's lock whenever the
  // vault makes a KeySet (Init, Unlock, Recover, AdoptSpace before its save,
  // KeepOwnLogHead, RefreshEpochs); must not call the vault. Set once, before
  // serving.
  using KeyringSource = std::function<std::shared_ptr<const EpochKeyring>(const KeySet& keys)>;
  void SetKeyringSource(KeyringSource source);
  // Builds the keys again with the source's keyring, after a space change
  // arrived or was made; nothing while locked.
  void RefreshEpochs();

  State state() const;
  // Public identity; nullopt before Init.
  std::optional<v1::VaultIdentity> identity() const;

  // The keys, or FAILED_PRECONDITION naming what to run.
  absl::StatusOr<std::shared_ptr<const KeySet>> Keys() const;

 private:
  // Copies of the vault file and identity; FAILED_PRECONDITION before Init.
  absl::Status Snapshot(v1::VaultFile* file, v1::VaultIdentity* id) const;
  // Saves `file`, which replaced a way in, makes it the vault's, then asks
  // the persistence to drop the earlier files (a failure there is logged:
  // the change itself is saved).
  absl::Status SaveReplacingWayIn(v1::VaultFile file) ABSL_EXCLUSIVE_LOCKS_REQUIRED(kdf_mu_);
  // `keys` with the source's keyring attached.
  std::shared_ptr<KeySet> WithEpochs(std::shared_ptr<KeySet> keys) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  VaultPersistence* const persistence_;
  absl::Mutex kdf_mu_;  // serialises Init/Unlock (held across Argon2id)
  mutable absl::Mutex mu_;
  std::optional<v1::VaultFile> file_ ABSL_GUARDED_BY(mu_);
  std::optional<v1::VaultIdentity> identity_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const KeySet> keys_ ABSL_GUARDED_BY(mu_);
  // The vault key, kept while unlocked so the secrets can be sealed again
  // (AdoptSpace) without asking for the passphrase.
  std::unique_ptr<SecretBytes> vault_key_ ABSL_GUARDED_BY(mu_);
  std::string retired_ ABSL_GUARDED_BY(kdf_mu_);
  KeyringSource source_ ABSL_GUARDED_BY(mu_);
};

// The message every content call gets while locked.
inline constexpr char kLockedMessage[] = "vault is locked: run attune unlock";
inline constexpr char kUninitializedMessage[] = "vault is not initialised: run attune init";

}  // namespace attune

#endif  // ATTUNE_DAEMON_VAULT_VAULT_H_
