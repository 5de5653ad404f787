// daemon/vault/ holds the keys and the crypto done with them: the vault,
// sealing and signing ops, sealing view values, device ids.
//
// The vault: this device's keys, sealed under a passphrase.
//
// Locked (the state at start-up) it knows only the public identity; unlocked
// it hands out the KeySet. All methods are thread-safe. Init and Unlock run
// Argon2id (up to seconds) without blocking GetState/Keys callers.
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
  // when not initialised. Unlocking an unlocked vault checks the passphrase
  // again and returns the same keys.
  absl::StatusOr<std::shared_ptr<const KeySet>> Unlock(std::string_view passphrase);

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
  using SaveAdopted =
      std::function<absl::Status(std::string_view vault_file, const KeySet& new_keys)>;
  absl::StatusOr<std::shared_ptr<const KeySet>> AdoptSpace(const std::string& space_id,
                                                           const SecretBytes& space_key,
                                                           uint32_t key_epoch,
                                                           const SaveAdopted& save = nullptr);

  // Marks the vault as one that keeps a sealed head of its own op log
  // (VaultIdentity.keeps_own_log_head), for a vault made before the head
  // existed, once the store has written it: seals the vault file again
  // under the same passphrase and saves it. Returns the keys (with the mark);
  // the same keys when the mark was there already. FAILED_PRECONDITION when
  // locked.
  absl::StatusOr<std::shared_ptr<const KeySet>> KeepOwnLogHead();

  State state() const;
  // Public identity; nullopt before Init.
  std::optional<v1::VaultIdentity> identity() const;

  // The keys, or FAILED_PRECONDITION naming what to run.
  absl::StatusOr<std::shared_ptr<const KeySet>> Keys() const;

 private:
  VaultPersistence* const persistence_;
  absl::Mutex kdf_mu_;  // serialises Init/Unlock (held across Argon2id)
  mutable absl::Mutex mu_;
  std::optional<v1::VaultFile> file_ ABSL_GUARDED_BY(mu_);
  std::optional<v1::VaultIdentity> identity_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const KeySet> keys_ ABSL_GUARDED_BY(mu_);
  // The key-encryption key, kept while unlocked so the vault can be sealed
  // again (AdoptSpace) without asking for the passphrase.
  std::unique_ptr<SecretBytes> kek_ ABSL_GUARDED_BY(mu_);
};

// The message every content call gets while locked.
inline constexpr char kLockedMessage[] = "vault is locked: run attune unlock";
inline constexpr char kUninitializedMessage[] = "vault is not initialised: run attune init";

}  // namespace attune

#endif  // ATTUNE_DAEMON_VAULT_VAULT_H_
