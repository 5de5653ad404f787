// Where the person's plugin permissions are kept: the meta column family,
// key "plugin-grant/{plugin id}" -> a serialized v1::PluginGrant.
//
// Why meta and not records: a grant is this device's consent for a program
// installed on this device. Records sync to the partner's devices, where
// other plugins (or none) are installed and where the partner decides for
// themselves; meta stays on the device. A grant is not personal content
// (plugin id and record kinds), and meta is readable while the vault is
// locked, so `attune plugin list|grant|revoke` work locked too.
#ifndef ATTUNE_DAEMON_PLUGINS_GRANT_STORE_H_
#define ATTUNE_DAEMON_PLUGINS_GRANT_STORE_H_

#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "attune/v1/records.pb.h"
#include "daemon/store/db.h"

namespace attune {

// Thread-safe (the Db is).
class GrantStore {
 public:
  // `db` must outlive the store.
  explicit GrantStore(Db* db) : db_(db) {}
  virtual ~GrantStore() = default;

  // The stored grant of a plugin; nullopt when the person never changed it.
  virtual absl::StatusOr<std::optional<v1::PluginGrant>> Get(const std::string& plugin) const;
  // Stores it durably.
  virtual absl::Status Put(const v1::PluginGrant& grant);

 protected:
  GrantStore() : db_(nullptr) {}

 private:
  Db* const db_;
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
