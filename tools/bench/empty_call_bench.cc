#include "tools/bench/empty_call_bench.h"

#include <grpcpp/client_context.h>

#include <chrono>
#include <stdexcept>

#include "grpc/health/v1/health.grpc.pb.h"
#include "tools/bench/rpc_client.h"

namespace attune::bench {

Samples MeasureEmptyCalls(const std::string& socket, int calls, int warmup) {
  auto stub = grpc::health::v1::Health::NewStub(MakeChannel(socket));
  grpc::health::v1::HealthCheckRequest request;
  Samples out;
  out.latencies_ms.reserve(static_cast<size_t>(calls));
  auto first = std::chrono::steady_clock::now();
  for (int i = 0; i < warmup + calls; ++i) {
    if (i == warmup) first = std::chrono::steady_clock::now();
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::health::v1::HealthCheckResponse response;
    auto start = std::chrono::steady_clock::now();
    grpc::Status s = stub->Check(&context, request, &response);
    auto end = std::chrono::steady_clock::now();
    if (!s.ok()) {
      throw std::runtime_error("health check failed: " + s.error_message());
    }
    if (i >= warmup) {
      out.latencies_ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
    }
  }
  out.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - first).count();
  return out;
}

}  // namespace attune::bench
