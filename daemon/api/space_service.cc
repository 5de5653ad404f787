#include "daemon/api/space_service.h"

#include "common/grpc_status.h"
#include "daemon/base/hex.h"
#include "daemon/records/member_settings.h"
#include "daemon/records/state_digest.h"
#include "daemon/records/validation.h"
#include "daemon/vault/device_id.h"

namespace attune {

grpc::Status SpaceServiceImpl::CreateInvite(grpc::ServerContext*,
                                            const v1::CreateInviteRequest* request,
                                            v1::Invite* response) {
  int ttl = request->ttl_seconds() == 0 ? 600 : request->ttl_seconds();
  if (auto s = CheckRange("ttl_seconds", ttl, 10, 24 * 3600); !s.ok()) return ToGrpc(s);
  auto invite = peers_->CreateInvite(absl::Seconds(ttl), request->own_device());
  if (!invite.ok()) return ToGrpc(invite.status());
  *response = std::move(*invite);
  return grpc::Status::OK;
}

grpc::Status SpaceServiceImpl::JoinSpace(grpc::ServerContext*, const v1::JoinSpaceRequest* request,
                                         v1::JoinSpaceResponse* response) {
  auto joined = peers_->Join(
      request->code(),
      std::vector<std::string>(request->addresses().begin(), request->addresses().end()),
      request->own_device());
  if (!joined.ok()) return ToGrpc(joined.status());
  *response = std::move(*joined);
  return grpc::Status::OK;
}

grpc::Status SpaceServiceImpl::ListMembers(grpc::ServerContext*, const v1::ListMembersRequest*,
                                           v1::ListMembersResponse* response) {
  *response = peers_->Members();
  return grpc::Status::OK;
}

grpc::Status SpaceServiceImpl::RemoveDevice(grpc::ServerContext*,
                                            const v1::RemoveDeviceRequest* request,
                                            v1::RemoveDeviceResponse* response) {
  auto removed = peers_->RemoveDevice(request->device_id(), request->confirm());
  if (!removed.ok()) return ToGrpc(removed.status());
  *response = std::move(*removed);
  return grpc::Status::OK;
}

grpc::Status SpaceServiceImpl::LeaveSpace(grpc::ServerContext*, const v1::LeaveSpaceRequest*,
                                          v1::LeaveSpaceResponse* response) {
  auto left = peers_->LeaveSpace();
  if (!left.ok()) return ToGrpc(left.status());
  *response = std::move(*left);
  return grpc::Status::OK;
}

grpc::Status SpaceServiceImpl::GetSafetyNumber(grpc::ServerContext*,
                                               const v1::GetSafetyNumberRequest* request,
                                               v1::SafetyNumber* response) {
  auto number = peers_->Safety(request->device_id());
  if (!number.ok()) return ToGrpc(number.status());
  *response = std::move(*number);
  return grpc::Status::OK;
}

absl::Status SpaceServiceImpl::Settings(const KeySet& keys, v1::SpaceSettings* response) {
  auto together = RevealTogetherNow(keys, *ctx_.store);
  if (!together.ok()) return together.status();
  response->set_reveal_together(together->on);
  response->set_my_reveal_together_off(together->mine_off);
  for (const std::string& member : together->off_by) {
    std::string name = member == ToHex(keys.member_id) ? keys.display_name
                       : ctx_.member_name              ? ctx_.member_name(member)
                                                       : std::string();
    response->add_reveal_together_off_by(name.empty() ? member : name);
  }
  return absl::OkStatus();
}

grpc::Status SpaceServiceImpl::GetSpaceSettings(grpc::ServerContext*,
                                                const v1::GetSpaceSettingsRequest*,
                                                v1::SpaceSettings* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  return ToGrpc(Settings(**keys, response));
}

grpc::Status SpaceServiceImpl::UpdateSpaceSettings(grpc::ServerContext*,
                                                   const v1::UpdateSpaceSettingsRequest* request,
                                                   v1::SpaceSettings* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  if (auto s = SetRevealTogether(ctx_, **keys, request->reveal_together()); !s.ok()) {
    return ToGrpc(s);
  }
  return ToGrpc(Settings(**keys, response));
}

grpc::Status SyncServiceImpl::GetSyncStatus(grpc::ServerContext*, const v1::GetSyncStatusRequest*,
                                            v1::SyncStatus* response) {
  *response = peers_->Status();
  return grpc::Status::OK;
}

grpc::Status SyncServiceImpl::AddRelay(grpc::ServerContext*, const v1::AddRelayRequest* request,
                                       v1::AddRelayResponse* response) {
  auto relay = peers_->AddRelay(request->address());
  if (!relay.ok()) return ToGrpc(relay.status());
  *response->mutable_relay() = std::move(*relay);
  return grpc::Status::OK;
}

grpc::Status SyncServiceImpl::RemoveRelay(grpc::ServerContext*,
                                          const v1::RemoveRelayRequest* request,
                                          v1::RemoveRelayResponse* response) {
  auto removed = peers_->RemoveRelay(request->relay_id());
  if (!removed.ok()) return ToGrpc(removed.status());
  *response = std::move(*removed);
  return grpc::Status::OK;
}

grpc::Status SyncServiceImpl::GetStateDigest(grpc::ServerContext*, const v1::GetStateDigestRequest*,
                                             v1::StateDigest* response) {
  auto keys = ctx_.vault->Keys();
  if (!keys.ok()) return ToGrpc(keys.status());
  auto digest = ComputeStateDigest(*ctx_.store, **keys);
  if (!digest.ok()) return ToGrpc(digest.status());
  response->set_digest(ToHex(digest->digest));
  response->set_record_count(digest->record_count);
  uint64_t total = 0;
  for (const auto& [device, seq] : ctx_.store->SharedVersionVector()) {
    v1::VersionVectorEntry* e = response->add_version_vector();
    e->set_device_id(FormatDeviceId(device));
    e->set_seq(seq);
    total += seq;
  }
  response->set_shared_ops(total);
  return grpc::Status::OK;
}

}  // namespace attune
