// The plugin host's grants kept in this device's meta store
// (LocalTable::kPluginGrants: plugin id -> a serialized v1::PluginGrant).
// Part of the daemon's wiring: the plugin host sees only GrantStore.
#ifndef ATTUNE_DAEMON_PLUGIN_GRANTS_H_
#define ATTUNE_DAEMON_PLUGIN_GRANTS_H_

#include "daemon/plugins/grant_store.h"
#include "daemon/store/meta.h"

namespace attune {

// Thread-safe (the Db is). `db` must outlive it.
class StoredGrants : public GrantStore {
 public:
  explicit StoredGrants(Db* db) : saved_(db, LocalTable::kPluginGrants) {}
  absl::StatusOr<std::optional<v1::PluginGrant>> Get(const std::string& plugin) const override;
  absl::Status Put(const v1::PluginGrant& grant) override;

 private:
  LocalSettings saved_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_PLUGIN_GRANTS_H_
