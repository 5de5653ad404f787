#include "daemon/api/plugin_service.h"

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "daemon/plugins/permissions.h"

namespace attune {

absl::StatusOr<v1::PluginInfo> PluginServiceImpl::Info(const FoundPlugin& plugin) const {
  const auto& m = plugin.manifest;
  v1::PluginInfo info;
  info.set_id(m.id());
  info.set_version(m.version());
  info.set_description(m.description());
  info.set_folder(plugin.folder);
  info.set_builtin(plugin.builtin);
  for (const auto& e : m.exercises()) {
    v1::Exercise* out = info.add_exercises();
    *out = e;
    out->set_plugin(m.id());
  }
  *info.mutable_requested_permissions() = m.permissions();
  auto granted = host_->Granted(plugin);
  if (!granted.ok()) return granted.status();
  for (const auto& k : *granted) info.add_granted_permissions(k);
  PluginHost::RuntimeState state = host_->StateOf(m.id());
  if (state.running) {
    info.set_state(v1::PluginInfo::STATE_RUNNING);
    info.set_pid(state.pid);
  } else if (state.retry_after.has_value()) {
    info.set_state(v1::PluginInfo::STATE_BACKING_OFF);
    info.set_retry_after_ms(absl::ToUnixMillis(*state.retry_after));
  } else {
    info.set_state(v1::PluginInfo::STATE_STOPPED);
  }
  info.set_failures(state.failures);
  info.set_last_error(state.last_error);
  return info;
}

grpc::Status PluginServiceImpl::ListPlugins(grpc::ServerContext*, const v1::ListPluginsRequest*,
                                            v1::ListPluginsResponse* response) {
  host_->Rescan();
  for (const FoundPlugin& p : host_->Plugins()) {
    auto info = Info(p);
    if (!info.ok()) return ToGrpc(info.status());
    *response->add_plugins() = *std::move(info);
  }
  for (const auto& problem : host_->Problems()) response->add_problems(problem);
  return grpc::Status::OK;
}

absl::StatusOr<v1::PluginInfo> PluginServiceImpl::Change(const std::string& plugin_id,
                                                         const std::vector<std::string>& kinds,
                                                         bool grant) {
  if (plugin_id.empty()) return absl::InvalidArgumentError("plugin: is required");
  auto plugin = host_->FindPlugin(plugin_id);
  if (absl::IsNotFound(plugin.status())) {
    host_->Rescan();
    plugin = host_->FindPlugin(plugin_id);
  }
  if (!plugin.ok()) return plugin.status();
  absl::MutexLock lock(&change_mu_);
  auto current = host_->Granted(*plugin);
  if (!current.ok()) return current.status();
  auto changed =
      grant ? Grant(plugin->manifest, *current, kinds) : Revoke(plugin->manifest, *current, kinds);
  if (!changed.ok()) return changed.status();
  changed->set_update_time_ms(absl::ToUnixMillis(absl::Now()));
  if (auto s = grants_->Put(*changed); !s.ok()) return s;
  return Info(*plugin);
}

grpc::Status PluginServiceImpl::GrantPermissions(grpc::ServerContext*,
                                                 const v1::GrantPermissionsRequest* request,
                                                 v1::PluginInfo* response) {
  auto info = Change(request->plugin(), {request->kinds().begin(), request->kinds().end()},
                     /*grant=*/true);
  if (!info.ok()) return ToGrpc(info.status());
  *response = *std::move(info);
  return grpc::Status::OK;
}

grpc::Status PluginServiceImpl::RevokePermissions(grpc::ServerContext*,
                                                  const v1::RevokePermissionsRequest* request,
                                                  v1::PluginInfo* response) {
  auto info = Change(request->plugin(), {request->kinds().begin(), request->kinds().end()},
                     /*grant=*/false);
  if (!info.ok()) return ToGrpc(info.status());
  *response = *std::move(info);
  return grpc::Status::OK;
}

}  // namespace attune
