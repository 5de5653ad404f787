#include "daemon/plugins/grant_store.h"

namespace attune {
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
