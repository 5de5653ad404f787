#include "tools/bench/write_bench.h"

#include <grpcpp/client_context.h>

#include <chrono>
#include <latch>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "attune/v1/api.grpc.pb.h"
#include "tools/bench/rpc_client.h"

namespace attune::bench {

v1::CreateCheckInRequest MakeCheckInRequest(Day day) {
  v1::CreateCheckInRequest request;
  v1::CheckIn* c = request.mutable_check_in();
  c->set_day(FormatDay(day));
  c->set_time_zone("UTC");
  c->set_high("We walked to the market before work and planned the spring trip together.");
  c->set_low("A small argument about the dishes that we left unresolved before sleeping.");
  auto* grateful = c->add_emotions();
  grateful->set_label("grateful");
  grateful->set_intensity(3);
  auto* tired = c->add_emotions();
  tired->set_label("tired");
  tired->set_intensity(2);
  c->set_connection_rating(4);
  return request;
}

namespace {

// One CreateCheckIn; its latency in ms. Throws on failure.
double WriteOne(v1::CheckInService::Stub& stub, Day day) {
  v1::CreateCheckInRequest request = MakeCheckInRequest(day);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::CheckIn response;
  auto start = std::chrono::steady_clock::now();
  grpc::Status s = stub.CreateCheckIn(&context, request, &response);
  auto end = std::chrono::steady_clock::now();
  if (!s.ok()) {
    throw std::runtime_error("CreateCheckIn for " + request.check_in().day() +
                             " failed: " + s.error_message());
  }
  return std::chrono::duration<double, std::milli>(end - start).count();
}

}  // namespace

Samples MeasureCheckInWrites(const WriteLoad& load) {
  std::latch ready(load.clients);
  std::latch go(1);
  std::mutex mu;
  std::string error;  // the first failure, guarded by mu
  std::vector<std::vector<double>> latencies(static_cast<size_t>(load.clients));

  auto client = [&](int c) {
    auto stub = v1::CheckInService::NewStub(MakeChannel(load.socket));
    Day first = load.first_day + std::chrono::days{c * load.DaysPerClient()};
    auto fail = [&](const std::exception& e) {
      std::lock_guard lock(mu);
      if (error.empty()) error = e.what();
    };
    bool ok = true;
    try {
      for (int i = 0; i < load.warmup_per_client; ++i) {
        WriteOne(*stub, first + std::chrono::days{i});
      }
    } catch (const std::exception& e) {
      fail(e);
      ok = false;
    }
    ready.count_down();
    go.wait();
    if (!ok) return;
    auto& mine = latencies[static_cast<size_t>(c)];
    mine.reserve(static_cast<size_t>(load.writes_per_client));
    try {
      for (int i = 0; i < load.writes_per_client; ++i) {
        mine.push_back(WriteOne(*stub, first + std::chrono::days{load.warmup_per_client + i}));
      }
    } catch (const std::exception& e) {
      fail(e);
    }
  };

  std::vector<std::thread> threads;
  for (int c = 0; c < load.clients; ++c) threads.emplace_back(client, c);
  ready.wait();
  auto start = std::chrono::steady_clock::now();
  go.count_down();
  for (auto& t : threads) t.join();
  auto end = std::chrono::steady_clock::now();
  if (!error.empty()) throw std::runtime_error(error);

  Samples out;
  for (const auto& mine : latencies) {
    out.latencies_ms.insert(out.latencies_ms.end(), mine.begin(), mine.end());
  }
  out.wall_seconds = std::chrono::duration<double>(end - start).count();
  return out;
}

}  // namespace attune::bench
