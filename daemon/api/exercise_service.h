// attune.v1.ExerciseService: exercise sessions, run step by step by the
// plugin offering the exercise, through the plugin host. Clients never talk
// to plugins; this service checks every step a plugin sends and every answer
// a person gives, and stores a finished session with what it produced.
#ifndef ATTUNE_DAEMON_API_EXERCISE_SERVICE_H_
#define ATTUNE_DAEMON_API_EXERCISE_SERVICE_H_

#include "attune/v1/api.grpc.pb.h"
#include "daemon/api/live_sessions.h"
#include "daemon/plugins/host.h"
#include "daemon/records/resource.h"

namespace attune {

// Thread-safe; called on gRPC's threads.
class ExerciseServiceImpl final : public v1::ExerciseService::Service {
 public:
  // `host` must outlive the service. Sessions without an answer for the
  // host's session_ttl expire.
  ExerciseServiceImpl(ServiceContext ctx, PluginHost* host);

  grpc::Status ListExercises(grpc::ServerContext*, const v1::ListExercisesRequest* request,
                             v1::ListExercisesResponse* response) override;
  grpc::Status StartSession(grpc::ServerContext*, const v1::StartSessionRequest* request,
                            v1::LiveSession* response) override;
  grpc::Status AnswerStep(grpc::ServerContext*, const v1::AnswerStepRequest* request,
                          v1::LiveSession* response) override;
  grpc::Status AbandonSession(grpc::ServerContext*, const v1::AbandonSessionRequest* request,
                              google::protobuf::Empty* response) override;
  grpc::Status ListExerciseSessions(grpc::ServerContext*,
                                    const v1::ListExerciseSessionsRequest* request,
                                    v1::ListExerciseSessionsResponse* response) override;

 private:
  absl::StatusOr<v1::LiveSession> Start(const v1::StartSessionRequest& request);
  absl::StatusOr<v1::LiveSession> Answer(const v1::AnswerStepRequest& request);
  // Handles the plugin's reply to Start or Advance: the next step, or the
  // end of the session. Any failure ends the session.
  absl::StatusOr<v1::LiveSession> Next(const KeySet& keys,
                                       const std::shared_ptr<LiveSessionData>& session,
                                       absl::StatusOr<plugin::v1::StepResponse> reply, bool first);
  absl::StatusOr<v1::LiveSession> Finish(const KeySet& keys,
                                         const std::shared_ptr<LiveSessionData>& session);
  // Ends the session after a failure and says so.
  absl::Status End(const std::shared_ptr<LiveSessionData>& session, const absl::Status& why);

  ServiceContext ctx_;
  PluginHost* const host_;
  LiveSessions sessions_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_EXERCISE_SERVICE_H_
