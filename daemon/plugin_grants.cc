#include "daemon/plugin_grants.h"

#include "absl/strings/str_cat.h"

namespace attune {

absl::StatusOr<std::optional<v1::PluginGrant>> StoredGrants::Get(const std::string& plugin) const {
  auto value = saved_.Get(plugin);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::nullopt;
  v1::PluginGrant grant;
  if (!grant.ParseFromString(**value)) {
    return absl::DataLossError(
        absl::StrCat("the stored grant of plugin ", plugin, " is unreadable; grant it again"));
  }
  return grant;
}

absl::Status StoredGrants::Put(const v1::PluginGrant& grant) {
  return saved_.Put(grant.plugin(), grant.SerializeAsString());
}

}  // namespace attune
