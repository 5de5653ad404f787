#include "daemon/store/vault_persistence.h"

#include "daemon/store/meta.h"

namespace attune {
absl::StatusOr<std::optional<std::string>> MetaVaultPersistence::LoadVaultFile() {
  return db_->Get(Cf::kMeta, meta_key::kVault);
}

absl::Status MetaVaultPersistence::SaveVaultFile(std::string_view bytes) {
  Batch batch;
  PutVaultFile(bytes, &batch);
  return db_->Write(batch, /*sync=*/true);
}

absl::Status MetaVaultPersistence::ForgetOldVaultFiles() { return db_->DropOverwritten(Cf::kMeta); }

void MetaVaultPersistence::PutVaultFile(std::string_view bytes, Batch* batch) {
  batch->Put(Cf::kMeta, meta_key::kVault, std::string(bytes));
}

}  // namespace attune
