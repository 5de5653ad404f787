// attune.v1.SpaceService and attune.v1.SyncService: pairing, members and
// sync state, served from the daemon's PeerManager.
#ifndef ATTUNE_DAEMON_API_SPACE_SERVICE_H_
#define ATTUNE_DAEMON_API_SPACE_SERVICE_H_

#include "attune/v1/api.grpc.pb.h"
#include "daemon/records/resource.h"
#include "daemon/sync/peer_manager.h"

namespace attune {

// Thread-safe; called on gRPC's threads. `peers` outlives the services.
class SpaceServiceImpl final : public v1::SpaceService::Service {
 public:
  // `ctx` gives the vault and store the space's settings are read from.
  SpaceServiceImpl(PeerManager* peers, ServiceContext ctx) : peers_(peers), ctx_(std::move(ctx)) {}
  grpc::Status CreateInvite(grpc::ServerContext*, const v1::CreateInviteRequest* request,
                            v1::Invite* response) override;
  grpc::Status JoinSpace(grpc::ServerContext*, const v1::JoinSpaceRequest* request,
                         v1::JoinSpaceResponse* response) override;
  grpc::Status ListMembers(grpc::ServerContext*, const v1::ListMembersRequest*,
                           v1::ListMembersResponse* response) override;
  grpc::Status RemoveDevice(grpc::ServerContext*, const v1::RemoveDeviceRequest* request,
                            v1::RemoveDeviceResponse* response) override;
  grpc::Status LeaveSpace(grpc::ServerContext*, const v1::LeaveSpaceRequest* request,
                          v1::LeaveSpaceResponse* response) override;
  grpc::Status GetSafetyNumber(grpc::ServerContext*, const v1::GetSafetyNumberRequest* request,
                               v1::SafetyNumber* response) override;
  grpc::Status GetSpaceSettings(grpc::ServerContext*, const v1::GetSpaceSettingsRequest*,
                                v1::SpaceSettings* response) override;
  grpc::Status UpdateSpaceSettings(grpc::ServerContext*,
                                   const v1::UpdateSpaceSettingsRequest* request,
                                   v1::SpaceSettings* response) override;

 private:
  absl::Status Settings(const KeySet& keys, v1::SpaceSettings* response);

  PeerManager* const peers_;
  const ServiceContext ctx_;
};

class SyncServiceImpl final : public v1::SyncService::Service {
 public:
  // `ctx` gives the vault and store GetStateDigest reads.
  SyncServiceImpl(PeerManager* peers, ServiceContext ctx) : peers_(peers), ctx_(std::move(ctx)) {}
  grpc::Status GetSyncStatus(grpc::ServerContext*, const v1::GetSyncStatusRequest*,
                             v1::SyncStatus* response) override;
  grpc::Status GetStateDigest(grpc::ServerContext*, const v1::GetStateDigestRequest*,
                              v1::StateDigest* response) override;
  grpc::Status AddRelay(grpc::ServerContext*, const v1::AddRelayRequest* request,
                        v1::AddRelayResponse* response) override;
  grpc::Status RemoveRelay(grpc::ServerContext*, const v1::RemoveRelayRequest* request,
                           v1::RemoveRelayResponse* response) override;

 private:
  PeerManager* const peers_;
  const ServiceContext ctx_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_SPACE_SERVICE_H_
