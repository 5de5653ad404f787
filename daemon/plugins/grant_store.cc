#include "daemon/plugins/grant_store.h"

#include "absl/strings/str_cat.h"

namespace attune {
namespace {

std::string Key(const std::string& plugin) { return absl::StrCat("plugin-grant/", plugin); }

}  // namespace

absl::StatusOr<std::optional<v1::PluginGrant>> GrantStore::Get(const std::string& plugin) const {
  auto value = db_->Get(Cf::kMeta, Key(plugin));
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::nullopt;
  v1::PluginGrant grant;
  if (!grant.ParseFromString(**value)) {
    return absl::DataLossError(
        absl::StrCat("the stored grant of plugin ", plugin, " is unreadable; grant it again"));
  }
  return grant;
}

absl::Status GrantStore::Put(const v1::PluginGrant& grant) {
  Batch batch;
  batch.Put(Cf::kMeta, Key(grant.plugin()), grant.SerializeAsString());
  return db_->Write(batch, /*sync=*/true);
}

absl::StatusOr<std::optional<v1::PluginGrant>> MemoryGrantStore::Get(
    const std::string& plugin) const {
  absl::MutexLock lock(&mu_);
  auto it = grants_.find(plugin);
  if (it == grants_.end()) return std::nullopt;
  return it->second;
}

absl::Status MemoryGrantStore::Put(const v1::PluginGrant& grant) {
  absl::MutexLock lock(&mu_);
  grants_[grant.plugin()] = grant;
  return absl::OkStatus();
}

}  // namespace attune
