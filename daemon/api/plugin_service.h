// attune.v1.PluginService: the installed plugins, their state, and the
// record kinds each may write (`attune plugin list|grant|revoke`). Works
// while the vault is locked: grants are device settings (see grant_store.h).
#ifndef ATTUNE_DAEMON_API_PLUGIN_SERVICE_H_
#define ATTUNE_DAEMON_API_PLUGIN_SERVICE_H_

#include "attune/v1/api.grpc.pb.h"
#include "daemon/plugins/grant_store.h"
#include "daemon/plugins/host.h"

namespace attune {

// Thread-safe; called on gRPC's threads.
class PluginServiceImpl final : public v1::PluginService::Service {
 public:
  // Both must outlive the service.
  PluginServiceImpl(PluginHost* host, GrantStore* grants) : host_(host), grants_(grants) {}

  grpc::Status ListPlugins(grpc::ServerContext*, const v1::ListPluginsRequest* request,
                           v1::ListPluginsResponse* response) override;
  grpc::Status GrantPermissions(grpc::ServerContext*, const v1::GrantPermissionsRequest* request,
                                v1::PluginInfo* response) override;
  grpc::Status RevokePermissions(grpc::ServerContext*, const v1::RevokePermissionsRequest* request,
                                 v1::PluginInfo* response) override;

 private:
  absl::StatusOr<v1::PluginInfo> Info(const FoundPlugin& plugin) const;
  absl::StatusOr<v1::PluginInfo> Change(const std::string& plugin_id,
                                        const std::vector<std::string>& kinds, bool grant);

  PluginHost* const host_;
  GrantStore* const grants_;
  absl::Mutex change_mu_;  // one grant change at a time
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_PLUGIN_SERVICE_H_
