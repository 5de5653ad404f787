// attune.v1.InsightsService: streaks, the week's summary and trends,
// computed on this device (records/insights.h) from what it can read.
#ifndef ATTUNE_DAEMON_API_INSIGHTS_SERVICE_H_
#define ATTUNE_DAEMON_API_INSIGHTS_SERVICE_H_

#include "attune/v1/api.grpc.pb.h"
#include "daemon/records/resource.h"

namespace attune {

// Thread-safe; called on gRPC's threads.
class InsightsServiceImpl final : public v1::InsightsService::Service {
 public:
  explicit InsightsServiceImpl(ServiceContext ctx) : ctx_(ctx) {}

  grpc::Status GetInsights(grpc::ServerContext*, const v1::GetInsightsRequest* request,
                           v1::Insights* response) override;

 private:
  ServiceContext ctx_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_INSIGHTS_SERVICE_H_
