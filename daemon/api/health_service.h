// grpc.health.v1.Health/Check for the daemon's Unix socket.
//
// SERVING for the empty name (the daemon as a whole) and for each service
// name it was built with; NOT_FOUND for any other name, as the health
// protocol asks. The daemon answers whether its vault is locked or not:
// "serving" means "the socket takes calls". Thread-safe; stateless.
#ifndef ATTUNE_DAEMON_API_HEALTH_SERVICE_H_
#define ATTUNE_DAEMON_API_HEALTH_SERVICE_H_

#include <set>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"

namespace attune {

class HealthServiceImpl final : public grpc::health::v1::Health::Service {
 public:
  explicit HealthServiceImpl(std::set<std::string> services) : services_(std::move(services)) {}

  grpc::Status Check(grpc::ServerContext* context,
                     const grpc::health::v1::HealthCheckRequest* request,
                     grpc::health::v1::HealthCheckResponse* response) override;

 private:
  const std::set<std::string> services_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_HEALTH_SERVICE_H_
