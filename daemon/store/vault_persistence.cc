#include "daemon/store/vault_persistence.h"

namespace attune {
namespace {
constexpr std::string_view kVaultKey = "vault";
}  // namespace

absl::StatusOr<std::optional<std::string>> MetaVaultPersistence::LoadVaultFile() {
  return db_->Get(Cf::kMeta, kVaultKey);
}

absl::Status MetaVaultPersistence::SaveVaultFile(std::string_view bytes) {
  Batch batch;
  PutVaultFile(bytes, &batch);
  return db_->Write(batch, /*sync=*/true);
}

void MetaVaultPersistence::PutVaultFile(std::string_view bytes, Batch* batch) {
  batch->Put(Cf::kMeta, kVaultKey, bytes);
}

}  // namespace attune
