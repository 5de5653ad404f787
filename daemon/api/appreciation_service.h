// attune.v1.AppreciationService: reading the appreciations partners gave.
#ifndef ATTUNE_DAEMON_API_APPRECIATION_SERVICE_H_
#define ATTUNE_DAEMON_API_APPRECIATION_SERVICE_H_

#include "attune/v1/api.grpc.pb.h"
#include "daemon/records/resource.h"

namespace attune {

// Thread-safe; called on gRPC's threads.
class AppreciationServiceImpl final : public v1::AppreciationService::Service {
 public:
  explicit AppreciationServiceImpl(ServiceContext ctx) : ctx_(ctx) {}

  // Newest first; only what this device's member may read (IsVisible).
  grpc::Status ListAppreciations(grpc::ServerContext*, const v1::ListAppreciationsRequest* request,
                                 v1::ListAppreciationsResponse* response) override;
  // NOT_FOUND as well for one this device's member may not read.
  grpc::Status GetAppreciation(grpc::ServerContext*, const v1::GetAppreciationRequest* request,
                               v1::Appreciation* response) override;

 private:
  ServiceContext ctx_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_APPRECIATION_SERVICE_H_
