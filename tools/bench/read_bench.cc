#include "tools/bench/read_bench.h"

#include <grpcpp/client_context.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "attune/v1/api.grpc.pb.h"
#include "tools/bench/rpc_client.h"

namespace attune::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr int kSeedClients = 8;

std::chrono::system_clock::time_point Deadline() {
  return std::chrono::system_clock::now() + std::chrono::seconds(30);
}

double Ms(SteadyClock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// kListEntries private journal entries; returns their names.
std::vector<std::string> SeedEntries(const std::string& socket) {
  std::vector<std::string> names(kListEntries);
  std::atomic<int> next{0};
  std::mutex mu;
  std::string error;
  auto client = [&] {
    auto stub = v1::JournalService::NewStub(MakeChannel(socket));
    for (int i = next++; i < kListEntries; i = next++) {
      v1::CreateJournalEntryRequest request;
      request.mutable_journal_entry()->set_body(
          "Read bench entry " + std::to_string(i) +
          ": a quiet evening, we cooked together and talked about the trip.");
      grpc::ClientContext context;
      context.set_deadline(Deadline());
      v1::JournalEntry created;
      grpc::Status s = stub->CreateJournalEntry(&context, request, &created);
      if (!s.ok()) {
        std::lock_guard lock(mu);
        if (error.empty()) error = "CreateJournalEntry failed: " + Describe(s);
        return;
      }
      names[static_cast<size_t>(i)] = created.name();
    }
  };
  std::vector<std::thread> threads;
  for (int c = 0; c < kSeedClients; ++c) threads.emplace_back(client);
  for (auto& t : threads) t.join();
  if (!error.empty()) throw std::runtime_error(error);
  return names;
}

}  // namespace

ReadSamples MeasureReads(const ReadLoad& load) {
  std::vector<std::string> names = SeedEntries(load.socket);
  auto stub = v1::JournalService::NewStub(MakeChannel(load.socket));
  ReadSamples out;

  auto first = SteadyClock::now();
  for (int i = 0; i < load.warmup + load.gets; ++i) {
    if (i == load.warmup) first = SteadyClock::now();
    v1::GetJournalEntryRequest request;
    // Spread over the entries, so the reads are not all one cached block.
    request.set_name(names[static_cast<size_t>(i * 7919) % names.size()]);
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    v1::JournalEntry entry;
    auto start = SteadyClock::now();
    grpc::Status s = stub->GetJournalEntry(&context, request, &entry);
    auto end = SteadyClock::now();
    if (!s.ok()) throw std::runtime_error("GetJournalEntry failed: " + Describe(s));
    if (i >= load.warmup) out.get_one.latencies_ms.push_back(Ms(end - start));
  }
  out.get_one.wall_seconds = std::chrono::duration<double>(SteadyClock::now() - first).count();

  first = SteadyClock::now();
  for (int i = 0; i < load.warmup + load.lists; ++i) {
    if (i == load.warmup) first = SteadyClock::now();
    v1::ListJournalEntriesRequest request;
    request.set_page_size(kListEntries);
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    v1::ListJournalEntriesResponse page;
    auto start = SteadyClock::now();
    grpc::Status s = stub->ListJournalEntries(&context, request, &page);
    auto end = SteadyClock::now();
    if (!s.ok()) throw std::runtime_error("ListJournalEntries failed: " + Describe(s));
    if (page.journal_entries_size() != kListEntries) {
      throw std::runtime_error("ListJournalEntries returned " +
                               std::to_string(page.journal_entries_size()) + " entries, not " +
                               std::to_string(kListEntries));
    }
    if (i >= load.warmup) out.list_page.latencies_ms.push_back(Ms(end - start));
  }
  out.list_page.wall_seconds = std::chrono::duration<double>(SteadyClock::now() - first).count();
  return out;
}

}  // namespace attune::bench
