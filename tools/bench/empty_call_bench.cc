#include "tools/bench/empty_call_bench.h"

#include <grpcpp/client_context.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

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

double MeasureEmptyCallBurst(const std::string& socket, int calls, int clients) {
  clients = std::max(1, clients);
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::string error;  // the first failure, guarded by mu
  std::vector<std::chrono::steady_clock::time_point> last_reply(static_cast<size_t>(clients));
  std::latch ready(clients);
  std::latch go(1);
  auto check = [&](const grpc::Status& s) {
    if (s.ok()) return true;
    std::lock_guard lock(mu);
    if (error.empty()) error = "health check failed: " + s.error_message();
    failed = true;
    return false;
  };
  auto call = [](grpc::health::v1::Health::Stub& stub, bool wait_for_ready) {
    grpc::ClientContext context;
    context.set_wait_for_ready(wait_for_ready);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    grpc::health::v1::HealthCheckResponse response;
    return stub.Check(&context, grpc::health::v1::HealthCheckRequest(), &response);
  };
  auto client = [&](int c) {
    auto stub = grpc::health::v1::Health::NewStub(MakeChannel(socket));
    // Connected before the clock starts (the burst's clients connect on
    // their first call): if anything, less than a burst pays for gRPC.
    check(call(*stub, true));
    ready.count_down();
    go.wait();
    while (!failed.load() && next.fetch_add(1) < calls && check(call(*stub, false))) {
      last_reply[static_cast<size_t>(c)] = std::chrono::steady_clock::now();
    }
  };
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) threads.emplace_back(client, c);
  ready.wait();
  auto start = std::chrono::steady_clock::now();
  go.count_down();
  for (auto& t : threads) t.join();
  if (failed) throw std::runtime_error(error);
  auto end = start;
  for (auto t : last_reply) end = std::max(end, t);
  return std::chrono::duration<double>(end - start).count();
}

}  // namespace attune::bench
