// Keeps the sealed vault file in the store's meta column family.
#ifndef ATTUNE_DAEMON_STORE_VAULT_PERSISTENCE_H_
#define ATTUNE_DAEMON_STORE_VAULT_PERSISTENCE_H_

#include "daemon/store/db.h"
#include "daemon/vault/vault.h"

namespace attune {

class MetaVaultPersistence : public VaultPersistence {
 public:
  // `db` must outlive this object.
  explicit MetaVaultPersistence(Db* db) : db_(db) {}
  absl::StatusOr<std::optional<std::string>> LoadVaultFile() override;
  absl::Status SaveVaultFile(std::string_view bytes) override;
  // Flushes and compacts the meta column family (Db::DropOverwritten).
  absl::Status ForgetOldVaultFiles() override;

  // Adds the write SaveVaultFile makes to `batch`, for a caller that must
  // store the vault file atomically with other changes.
  static void PutVaultFile(std::string_view bytes, Batch* batch);

 private:
  Db* const db_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_STORE_VAULT_PERSISTENCE_H_
