#include "daemon/api/health_service.h"

#include "absl/strings/str_cat.h"

namespace attune {

grpc::Status HealthServiceImpl::Check(grpc::ServerContext*,
                                      const grpc::health::v1::HealthCheckRequest* request,
                                      grpc::health::v1::HealthCheckResponse* response) {
  if (!request->service().empty() && services_.count(request->service()) == 0) {
    return grpc::Status(
        grpc::StatusCode::NOT_FOUND,
        absl::StrCat("no service named \"", request->service().substr(0, 200), "\" here"));
  }
  response->set_status(grpc::health::v1::HealthCheckResponse::SERVING);
  return grpc::Status::OK;
}

}  // namespace attune
