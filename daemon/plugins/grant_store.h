// Where the person's plugin permissions are kept, as the plugin host sees
// it: an interface. The daemon wires it to the device's meta store
// (daemon/plugin_grants.h); tests and tools keep grants in memory.
//
// Why device-local and not records: a grant is this device's consent for a
// program installed on this device. Records sync to the partner's devices,
// where other plugins (or none) are installed and where the partner decides
// for themselves. A grant is not personal content (plugin id and record
// kinds), and is readable while the vault is locked, so `attune plugin
// list|grant|revoke` work locked too.
#ifndef ATTUNE_DAEMON_PLUGINS_GRANT_STORE_H_
#define ATTUNE_DAEMON_PLUGINS_GRANT_STORE_H_

#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "attune/v1/records.pb.h"

namespace attune {

// Implementations are thread-safe.
class GrantStore {
 public:
  virtual ~GrantStore() = default;

  // The stored grant of a plugin; nullopt when the person never changed it.
  // DATA_LOSS when what is stored cannot be read.
  virtual absl::StatusOr<std::optional<v1::PluginGrant>> Get(const std::string& plugin) const = 0;
  // Stores it durably: on OK it survives a crash.
  virtual absl::Status Put(const v1::PluginGrant& grant) = 0;
};

// Keeps grants in memory (tests and tools). Thread-safe.
class MemoryGrantStore : public GrantStore {
 public:
  MemoryGrantStore() = default;
  absl::StatusOr<std::optional<v1::PluginGrant>> Get(const std::string& plugin) const override;
  absl::Status Put(const v1::PluginGrant& grant) override;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, v1::PluginGrant> grants_ ABSL_GUARDED_BY(mu_);
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_PLUGINS_GRANT_STORE_H_
