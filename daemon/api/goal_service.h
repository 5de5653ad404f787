// attune.v1.GoalService: measurable shared goals and progress on them.
#ifndef ATTUNE_DAEMON_API_GOAL_SERVICE_H_
#define ATTUNE_DAEMON_API_GOAL_SERVICE_H_

#include "attune/v1/api.grpc.pb.h"
#include "daemon/api/record_ops.h"
#include "daemon/api/resource.h"

namespace attune {

// Records that a goal's practice was done once: what LogProgress does.
// `parent` is the goal's name; an empty progress.day means today in the
// goal's zone. INVALID_ARGUMENT naming the field, NOT_FOUND for no such
// goal, FAILED_PRECONDITION for an archived one; nothing is stored then.
absl::StatusOr<v1::GoalProgress> LogGoalProgress(const ServiceContext& ctx, const KeySet& keys,
                                                 const std::string& parent,
                                                 v1::GoalProgress progress);

// What LogGoalProgress would write, with the same checks and errors, without
// writing it (see PlannedWrite).
absl::StatusOr<PlannedWrite> PlanGoalProgress(const ServiceContext& ctx, const KeySet& keys,
                                              const std::string& parent, v1::GoalProgress progress);

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
  grpc::Status GetGoalStatus(grpc::ServerContext*, const v1::GetGoalStatusRequest* request,
                             v1::GoalStatus* response) override;

 private:
  ServiceContext ctx_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_GOAL_SERVICE_H_
