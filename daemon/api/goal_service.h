// attune.v1.GoalService: measurable shared goals and progress on them.
#ifndef ATTUNE_DAEMON_API_GOAL_SERVICE_H_
#define ATTUNE_DAEMON_API_GOAL_SERVICE_H_

#include "attune/v1/api.grpc.pb.h"
#include "daemon/api/resource.h"

namespace attune {

// Thread-safe; called on gRPC's threads.
class GoalServiceImpl final : public v1::GoalService::Service {
 public:
  explicit GoalServiceImpl(ServiceContext ctx) : ctx_(ctx) {}

  grpc::Status CreateGoal(grpc::ServerContext*, const v1::CreateGoalRequest* request,
                          v1::Goal* response) override;
  grpc::Status GetGoal(grpc::ServerContext*, const v1::GetGoalRequest* request,
                       v1::Goal* response) override;
  grpc::Status ListGoals(grpc::ServerContext*, const v1::ListGoalsRequest* request,
                         v1::ListGoalsResponse* response) override;
  grpc::Status UpdateGoal(grpc::ServerContext*, const v1::UpdateGoalRequest* request,
                          v1::Goal* response) override;
  grpc::Status DeleteGoal(grpc::ServerContext*, const v1::DeleteGoalRequest* request,
                          google::protobuf::Empty* response) override;
  grpc::Status ArchiveGoal(grpc::ServerContext*, const v1::ArchiveGoalRequest* request,
                           v1::Goal* response) override;
  grpc::Status LogProgress(grpc::ServerContext*, const v1::LogProgressRequest* request,
                           v1::GoalProgress* response) override;
  grpc::Status GetGoalStatus(grpc::ServerContext*,
                             const v1::GetGoalStatusRequest* request,
                             v1::GoalStatus* response) override;

 private:
  ServiceContext ctx_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_GOAL_SERVICE_H_
