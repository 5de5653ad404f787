// How attuned serves EventService.Watch (daemon/api/event_service.h): on its
// own completion queue and thread, with no gRPC callback service (whose
// threads wake an idle daemon several times a second), and a watcher that
// stops reading cannot hold a stopping daemon past the shutdown's grace.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "api_helpers.h"
#include "attune/v1/api.grpc.pb.h"
#include "sync_support.h"

namespace attune::testing {
namespace {

// The daemon's threads, by name.
std::map<std::string, int> ThreadsByName(pid_t pid) {
  std::map<std::string, int> out;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks)) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name)) ++out[name];
  }
  return out;
}

class EventsServingTest : public ::testing::Test {
 protected:
  void Start() { ASSERT_TRUE(StartPeer(alex_, "Alex")); }
  DaemonHarness alex_;
};

// Ten watchers add no thread of their own, and gRPC's callback threads
// (nexting_thread) are never started.
TEST_F(EventsServingTest, WatchersAddNoThreadAndNoCallbackThreads) {
  Start();
  const std::map<std::string, int> before = ThreadsByName(alex_.pid());
  auto stub = v1::EventService::NewStub(alex_.channel());
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::Event>>> readers;
  for (int i = 0; i < 10; ++i) {
    contexts.push_back(DaemonHarness::Context(std::chrono::seconds(60)));
    readers.push_back(stub->Watch(contexts.back().get(), v1::WatchRequest()));
    v1::Event live;
    ASSERT_TRUE(readers.back()->Read(&live));
    ASSERT_TRUE(live.has_live());
  }
  const std::map<std::string, int> after = ThreadsByName(alex_.pid());
  EXPECT_EQ(after.count("nexting_thread"), 0u);
  int threads_before = 0;
  int threads_after = 0;
  for (const auto& [name, n] : before) threads_before += n;
  for (const auto& [name, n] : after) threads_after += n;
  // gRPC may start a poller for the connection; never one per watcher.
  EXPECT_LE(threads_after, threads_before + 2);
  for (auto& c : contexts) c->TryCancel();
  for (auto& r : readers) r->Finish();
}

// A watcher whose client stopped reading, with its stream full, does not
// hold the daemon's stop beyond the grace (5 s) it gives calls to finish.
TEST_F(EventsServingTest, AWatcherThatStoppedReadingHoldsTheStopNoLongerThanTheGrace) {
  Start();
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1024);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel("unix:" + alex_.socket_path(),
                                           grpc::InsecureChannelCredentials(), args);
  auto stub = v1::EventService::NewStub(channel);
  auto context = DaemonHarness::Context(std::chrono::seconds(120));
  auto reader = stub->Watch(context.get(), v1::WatchRequest());
  v1::Event live;
  ASSERT_TRUE(reader->Read(&live));
  ASSERT_TRUE(live.has_live());
  for (int i = 0; i < 200; ++i) {
    v1::CreateJournalEntryRequest request;
    request.mutable_journal_entry()->set_body("entry " + std::to_string(i));
    request.mutable_journal_entry()->set_visibility(v1::VISIBILITY_PRIVATE);
    v1::JournalEntry entry;
    ASSERT_OK(alex_.journal().CreateJournalEntry(DaemonHarness::Context().get(), request, &entry));
  }

  const auto stop_start = std::chrono::steady_clock::now();
  EXPECT_EQ(alex_.Stop(), 0);
  const auto took = std::chrono::steady_clock::now() - stop_start;
  EXPECT_LT(took, std::chrono::seconds(12)) << std::chrono::duration<double>(took).count() << " s";
  context->TryCancel();
  reader->Finish();
}

}  // namespace
}  // namespace attune::testing
