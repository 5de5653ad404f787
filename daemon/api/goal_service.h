// attune.v1.GoalService: measurable shared goals and progress on them.
#ifndef ATTUNE_DAEMON_API_GOAL_SERVICE_H_
#define ATTUNE_DAEMON_API_GOAL_SERVICE_H_

#include <functional>
#include <string>
#include <vector>

#include "attune/v1/api.grpc.pb.h"
#include "daemon/records/record_ops.h"
#include "daemon/records/resource.h"

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

// The ids of the exercises the installed plugins offer now (what
// ExerciseService.ListExercises lists). A goal may name only one of these.
using ExerciseCatalog = std::function<std::vector<std::string>()>;

// Thread-safe; called on gRPC's threads.
class GoalServiceImpl final : public v1::GoalService::Service {
 public:
  // `exercises` is asked whenever a goal is given an exercise; it must be
  // thread-safe. Empty: no exercise is accepted.
  GoalServiceImpl(ServiceContext ctx, ExerciseCatalog exercises)
      : ctx_(std::move(ctx)), exercises_(std::move(exercises)) {}

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
  grpc::Status UndoProgress(grpc::ServerContext*, const v1::UndoProgressRequest* request,
                            v1::GoalProgress* response) override;
  grpc::Status GetGoalStatus(grpc::ServerContext*, const v1::GetGoalStatusRequest* request,
                             v1::GoalStatus* response) override;

 private:
  // INVALID_ARGUMENT naming the id and the installed exercises when no
  // installed plugin offers `exercise` (empty: no exercise, fine).
  absl::Status CheckInstalled(const std::string& exercise) const;
  absl::StatusOr<v1::GoalProgress> Undo(const v1::UndoProgressRequest& request);

  ServiceContext ctx_;
  ExerciseCatalog exercises_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_GOAL_SERVICE_H_
