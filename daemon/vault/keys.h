// The keys of an unlocked vault.
#ifndef ATTUNE_DAEMON_VAULT_KEYS_H_
#define ATTUNE_DAEMON_VAULT_KEYS_H_

#include <sodium.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/vault/secret.h"

namespace attune {

inline constexpr size_t kRawIdBytes = 16;
inline constexpr size_t kSymmetricKeyBytes = 32;

// The keys of the key epochs after the vault's own (sync.proto,
// SpaceChange): opened from the space changes sealed to this device.
// Immutable once built.
struct EpochKeyring {
  struct Epoch {
    // Every space key this device holds for the epoch (two removals that
    // crossed may each have made one); ops of the epoch open with any.
    std::vector<std::shared_ptr<const SecretBytes>> space;
    // This person's personal keys made in the epoch; empty when the
    // personal key did not move on then (the previous epoch's applies).
    std::vector<std::shared_ptr<const SecretBytes>> personal;
  };
  std::map<uint32_t, Epoch> epochs;
  // The epoch new ops are sealed under, and its keys (pointing into
  // `epochs`, or null for the vault's own); see KeySet::SealingKey.
  uint32_t sealing_epoch = 0;
  const SecretBytes* sealing_space = nullptr;
  const SecretBytes* sealing_personal = nullptr;
};

// Everything an unlocked device holds. Immutable once built; shared by
// readers through shared_ptr<const KeySet>, so locking the vault drops the
// vault's reference and the memory is wiped when the last call using it ends.
struct KeySet {
  // Public identity.
  std::string space_id;           // 16 raw bytes
  std::string member_id;          // 16 raw bytes
  std::string device_public_key;  // 32 raw bytes: the raw device id
  std::string display_name;
  // The vault promises a sealed head of this device's own op log
  // (VaultIdentity.keeps_own_log_head): unlocking without one is refused.
  bool keeps_own_log_head = false;

  // Ed25519 signing key of this device.
  SecretBytes device_secret_key{crypto_sign_SECRETKEYBYTES};
  // Seals the local views (never leaves the device).
  SecretBytes data_key{kSymmetricKeyBytes};
  // Seals SHARED op bodies of the vault's key epoch (the one this device
  // joined the space in); later epochs' keys are in `epochs`.
  uint32_t space_key_epoch = 0;
  SecretBytes space_key{kSymmetricKeyBytes};
  // Seals PRIVATE op bodies; shared only among the member's own devices.
  SecretBytes personal_key{kSymmetricKeyBytes};
  // Later key epochs; null when the space never moved on.
  std::shared_ptr<const EpochKeyring> epochs;

  // The epoch new ops are sealed under, and its key for a PRIVATE
  // (`personal`) or SHARED body.
  uint32_t SealingEpoch() const { return epochs ? epochs->sealing_epoch : space_key_epoch; }
  const SecretBytes& SealingKey(bool personal) const {
    if (epochs != nullptr) {
      const SecretBytes* k = personal ? epochs->sealing_personal : epochs->sealing_space;
      if (k != nullptr) return *k;
    }
    return personal ? personal_key : space_key;
  }
  // The keys that may open a body sealed under `epoch`, most likely first:
  // a space key of that epoch; for a personal key, every one made at or
  // before it, newest first, then the vault's. Empty for an epoch this
  // device holds no space key of.
  std::vector<const SecretBytes*> OpeningKeys(uint32_t epoch, bool personal) const {
    std::vector<const SecretBytes*> out;
    if (!personal) {
      if (epoch == space_key_epoch) out.push_back(&space_key);
      if (epochs == nullptr) return out;
      auto it = epochs->epochs.find(epoch);
      if (it != epochs->epochs.end()) {
        for (const auto& k : it->second.space) out.push_back(k.get());
      }
      return out;
    }
    if (epochs != nullptr) {
      // A personal key lasts until the next one; try the newest first.
      for (auto it = epochs->epochs.upper_bound(epoch); it != epochs->epochs.begin();) {
        --it;
        for (const auto& k : it->second.personal) out.push_back(k.get());
      }
    }
    out.push_back(&personal_key);
    return out;
  }
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_VAULT_KEYS_H_
