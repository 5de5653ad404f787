// EventService.Watch and `attune watch` against the real attuned: live
// events, replay from an id (also across a restart), the reload notice past
// what is kept, a slow watcher cut and resumed without a gap, a partner's op,
// and the locked vault.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <thread>

#include "api_helpers.h"
#include "attune/v1/api.grpc.pb.h"
#include "sync_support.h"

namespace attune::testing {
namespace {

using ::testing::HasSubstr;

// One Watch call, read from the test's thread.
class EventStream {
 public:
  EventStream(const std::shared_ptr<grpc::Channel>& channel, uint64_t after)
      : stub_(v1::EventService::NewStub(channel)),
        context_(DaemonHarness::Context(std::chrono::seconds(120))) {
    v1::WatchRequest request;
    request.set_after_id(after);
    reader_ = stub_->Watch(context_.get(), request);
  }
  EventStream(DaemonHarness& d, uint64_t after) : EventStream(d.channel(), after) {}

  // The next event; nullopt once the stream has ended (then Finish()).
  std::optional<v1::Event> Next() {
    v1::Event event;
    if (!reader_->Read(&event)) return std::nullopt;
    return event;
  }
  // Events up to and including the first for which `stop` holds; empty
  // optional when the stream ended first.
  std::optional<std::vector<v1::Event>> Until(const std::function<bool(const v1::Event&)>& stop) {
    std::vector<v1::Event> out;
    while (auto e = Next()) {
      out.push_back(*e);
      if (stop(*e)) return out;
    }
    return std::nullopt;
  }
  std::optional<std::vector<v1::Event>> UntilLive() {
    return Until([](const v1::Event& e) { return e.has_live(); });
  }
  grpc::Status Finish() { return reader_->Finish(); }
  void Cancel() { context_->TryCancel(); }

 private:
  std::unique_ptr<v1::EventService::Stub> stub_;
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReader<v1::Event>> reader_;
};

std::vector<v1::RecordChanged> RecordChanges(const std::vector<v1::Event>& events) {
  std::vector<v1::RecordChanged> out;
  for (const auto& e : events) {
    if (e.has_record_changed()) out.push_back(e.record_changed());
  }
  return out;
}

v1::JournalEntry Write(DaemonHarness& d, const std::string& body,
                       v1::Visibility visibility = v1::VISIBILITY_PRIVATE) {
  v1::CreateJournalEntryRequest request;
  request.mutable_journal_entry()->set_body(body);
  request.mutable_journal_entry()->set_visibility(visibility);
  v1::JournalEntry entry;
  EXPECT_OK(d.journal().CreateJournalEntry(DaemonHarness::Context().get(), request, &entry));
  return entry;
}

class EventsTest : public ::testing::Test {
 protected:
  void Start(const std::vector<std::string>& args = {}) {
    ASSERT_TRUE(StartPeer(alex_, "Alex", args));
    ASSERT_OK(alex_.GetStatus(&status_));
  }
  DaemonHarness alex_;
  v1::VaultStatus status_;
};

// A watcher sees each change as it happens (names and kinds, never the
// words), and a watcher that comes back with an id gets what followed it.
TEST_F(EventsTest, AChangeIsSeenLiveAndReplayedAfterTheIdAClientHad) {
  Start();
  EventStream live(alex_, 0);
  auto first = live.Next();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(first->has_live());

  const std::string words = "a sentence no event may carry";
  v1::JournalEntry entry = Write(alex_, words);
  auto created = live.Next();
  ASSERT_TRUE(created.has_value() && created->has_record_changed()) << created->DebugString();
  const v1::RecordChanged& c = created->record_changed();
  EXPECT_EQ(c.change(), v1::RecordChanged::CHANGE_CREATED);
  EXPECT_EQ(c.kind(), "journal_entry");
  EXPECT_EQ(c.name(), entry.name());
  EXPECT_EQ(c.author(), status_.member_id());
  EXPECT_EQ(c.visibility(), v1::VISIBILITY_PRIVATE);
  EXPECT_FALSE(c.from_peer());
  EXPECT_GT(created->id(), first->id());
  EXPECT_EQ(created->SerializeAsString().find(words), std::string::npos);

  v1::UpdateJournalEntryRequest update;
  *update.mutable_journal_entry() = entry;
  update.mutable_journal_entry()->set_body("other words");
  update.mutable_update_mask()->add_paths("body");
  v1::JournalEntry updated;
  ASSERT_OK(alex_.journal().UpdateJournalEntry(DaemonHarness::Context().get(), update, &updated));
  v1::DeleteJournalEntryRequest remove;
  remove.set_name(entry.name());
  google::protobuf::Empty empty;
  ASSERT_OK(alex_.journal().DeleteJournalEntry(DaemonHarness::Context().get(), remove, &empty));
  auto later = live.Until([](const v1::Event& e) {
    return e.has_record_changed() &&
           e.record_changed().change() == v1::RecordChanged::CHANGE_DELETED;
  });
  ASSERT_TRUE(later.has_value());
  auto changes = RecordChanges(*later);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].change(), v1::RecordChanged::CHANGE_UPDATED);
  EXPECT_EQ(changes[1].change(), v1::RecordChanged::CHANGE_DELETED);
  // A deletion still says whose record it was and which.
  EXPECT_EQ(changes[1].author(), status_.member_id());
  EXPECT_EQ(changes[1].name(), entry.name());

  EventStream again(alex_, created->id());
  auto replay = again.UntilLive();
  ASSERT_TRUE(replay.has_value());
  auto replayed = RecordChanges(*replay);
  ASSERT_EQ(replayed.size(), 2u);
  EXPECT_EQ(replayed[0].change(), v1::RecordChanged::CHANGE_UPDATED);
  EXPECT_EQ(replayed[1].change(), v1::RecordChanged::CHANGE_DELETED);
  EXPECT_EQ(replay->back().id(), later->back().id());  // live names the last id

  EventStream future(alex_, later->back().id() + 1000);
  EXPECT_FALSE(future.Next().has_value());
  grpc::Status refused = future.Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(), HasSubstr("after_id"));
}

TEST_F(EventsTest, ChangesReplayAcrossARestartAndIdsKeepGrowing) {
  Start();
  EventStream before(alex_, 0);
  ASSERT_TRUE(before.UntilLive().has_value());
  Write(alex_, "before the id");
  auto a = before.Next();
  v1::JournalEntry b_entry = Write(alex_, "after the id");
  auto b = before.Next();
  ASSERT_TRUE(a.has_value() && b.has_value());
  before.Cancel();
  EXPECT_EQ(before.Finish().error_code(), grpc::StatusCode::CANCELLED);

  ASSERT_EQ(alex_.Stop(), 0);
  ASSERT_TRUE(alex_.Restart({"--peer-listen", "127.0.0.1:0"}));
  ASSERT_OK(alex_.Unlock("correct horse battery"));
  EventStream after(alex_, a->id());
  auto replay = after.UntilLive();
  ASSERT_TRUE(replay.has_value());
  auto changes = RecordChanges(*replay);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].name(), b_entry.name());
  Write(alex_, "after the restart");
  auto c = after.Until([](const v1::Event& e) { return e.has_record_changed(); });
  ASSERT_TRUE(c.has_value());
  EXPECT_GT(c->back().id(), b->id());
}

TEST_F(EventsTest, PastWhatIsKeptTheFirstEventSaysReload) {
  Start({"--kept-events", "5"});
  EventStream live(alex_, 0);
  ASSERT_TRUE(live.UntilLive().has_value());
  Write(alex_, "the first");
  auto first = live.Next();
  ASSERT_TRUE(first.has_value());
  for (int i = 0; i < 10; ++i) Write(alex_, "more " + std::to_string(i));
  EventStream late(alex_, first->id());
  auto reload = late.Next();
  ASSERT_TRUE(reload.has_value());
  EXPECT_TRUE(reload->has_reload()) << reload->DebugString();
  EXPECT_THAT(reload->reload().reason(), HasSubstr("again"));
  auto rest = late.UntilLive();
  ASSERT_TRUE(rest.has_value());
  EXPECT_TRUE(RecordChanges(*rest).empty());
}

// A watcher that stops reading never holds a writer up; once it reads again
// it is cut, told where to resume, and resuming loses nothing.
TEST_F(EventsTest, ASlowWatcherIsCutAndResumesWithoutAGap) {
  Start({"--live-events", "8"});
  // A small flow-control window, so that the daemon cannot push far ahead
  // of a client that does not read.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1024);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto slow_channel = grpc::CreateCustomChannel("unix:" + alex_.socket_path(),
                                                grpc::InsecureChannelCredentials(), args);
  EventStream slow(slow_channel, 0);
  ASSERT_TRUE(slow.UntilLive().has_value());

  std::set<std::string> written;
  for (int i = 0; i < 300; ++i) written.insert(Write(alex_, "entry " + std::to_string(i)).name());
  ASSERT_EQ(written.size(), 300u);  // every write was acknowledged

  std::set<std::string> seen;
  while (auto e = slow.Next()) {
    if (e->has_record_changed()) seen.insert(e->record_changed().name());
  }
  grpc::Status cut = slow.Finish();
  ASSERT_EQ(cut.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << cut.error_message();
  const std::string marker = "after_id=";
  auto at = cut.error_message().find(marker);
  ASSERT_NE(at, std::string::npos) << cut.error_message();
  const uint64_t resume = std::stoull(cut.error_message().substr(at + marker.size()));

  EventStream again(alex_, resume);
  auto replay = again.UntilLive();
  ASSERT_TRUE(replay.has_value());
  for (const auto& c : RecordChanges(*replay)) seen.insert(c.name());
  EXPECT_EQ(seen, written);
}

// While the vault is locked only vault (and peer) events flow; the record
// changes a replay owes follow the unlock, before its event.
TEST_F(EventsTest, WhileLockedRecordChangesWaitForTheUnlock) {
  Start();
  EventStream first(alex_, 0);
  auto live = first.UntilLive();
  ASSERT_TRUE(live.has_value());
  v1::JournalEntry entry = Write(alex_, "written before the lock");
  ASSERT_TRUE(first.Next().has_value());
  first.Cancel();
  ASSERT_OK(alex_.Lock());

  EventStream locked(alex_, live->back().id());
  auto until_live = locked.UntilLive();
  ASSERT_TRUE(until_live.has_value());
  EXPECT_TRUE(RecordChanges(*until_live).empty());
  ASSERT_EQ(until_live->size(), 2u);
  EXPECT_EQ(until_live->front().vault_changed().state(), v1::VaultStatus::STATE_LOCKED);

  ASSERT_OK(alex_.Unlock("correct horse battery"));
  auto after_unlock = locked.Until([](const v1::Event& e) { return e.has_vault_changed(); });
  ASSERT_TRUE(after_unlock.has_value());
  auto owed = RecordChanges(*after_unlock);
  ASSERT_EQ(owed.size(), 1u);
  EXPECT_EQ(owed[0].name(), entry.name());
  EXPECT_EQ(after_unlock->back().vault_changed().state(), v1::VaultStatus::STATE_UNLOCKED);
}

// Open watches end with UNAVAILABLE when the daemon stops, and `attune
// watch` says so with exit 3 when there is no daemon.
TEST_F(EventsTest, AStoppingDaemonEndsEveryWatch) {
  Start();
  EventStream live(alex_, 0);
  ASSERT_TRUE(live.UntilLive().has_value());
  // Read as a client does, waiting on the stream while the daemon stops.
  grpc::Status ended;
  std::thread reader([&] {
    while (live.Next()) {
    }
    ended = live.Finish();
  });
  ASSERT_EQ(alex_.Stop(), 0);
  reader.join();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE) << ended.error_message();
  EXPECT_THAT(ended.error_message(), HasSubstr("stopping"));
  CliResult down = RunCli(alex_, {"watch"});
  EXPECT_EQ(down.exit_code, 3) << down.out;
}

// Sam's watcher sees Alex's shared check-in arrive, from Alex, and nothing
// of Alex's private entry; when Alex's daemon stops, Sam sees it go offline.
TEST_F(EventsTest, APartnersCheckInArrivesAndTheirPrivateWordsDoNot) {
  Start();
  DaemonHarness sam;
  ASSERT_TRUE(StartPeer(sam, "Sam"));
  CliResult joined = PairWithCli(alex_, sam);
  ASSERT_EQ(joined.exit_code, 0) << joined.out;
  EventStream watch(sam, 0);
  ASSERT_TRUE(watch.UntilLive().has_value());

  v1::JournalEntry secret = Write(alex_, "only mine");
  ASSERT_OK(WriteCheckIn(alex_, AddDays(UtcToday(), -1), "a shared high"));
  auto got = watch.Until([](const v1::Event& e) {
    return e.has_record_changed() && e.record_changed().kind() == "check_in";
  });
  ASSERT_TRUE(got.has_value());
  for (const auto& c : RecordChanges(*got)) EXPECT_NE(c.name(), secret.name());
  const v1::RecordChanged& check_in = got->back().record_changed();
  EXPECT_TRUE(check_in.from_peer());
  EXPECT_EQ(check_in.author(), status_.member_id());
  EXPECT_EQ(check_in.visibility(), v1::VISIBILITY_SHARED);
  EXPECT_EQ(check_in.change(), v1::RecordChanged::CHANGE_CREATED);

  ASSERT_EQ(alex_.Stop(), 0);
  auto offline = watch.Until(
      [](const v1::Event& e) { return e.has_peer_changed() && !e.peer_changed().online(); });
  ASSERT_TRUE(offline.has_value());
  EXPECT_EQ(offline->back().peer_changed().display_name(), "Alex");
  EXPECT_EQ(offline->back().peer_changed().member_id(), status_.member_id());
}

// A device that joins late catches up on what its partner wrote, and a
// watcher is told how far it has got until it has everything.
TEST_F(EventsTest, CatchingUpWithAPartnerIsToldUntilItIsDone) {
  Start();
  for (int i = 0; i < 300; ++i) Write(alex_, "shared, before Sam joined", v1::VISIBILITY_SHARED);
  DaemonHarness sam;
  ASSERT_TRUE(StartPeer(sam, "Sam"));
  EventStream watch(sam, 0);
  ASSERT_TRUE(watch.UntilLive().has_value());
  CliResult joined = PairWithCli(alex_, sam);
  ASSERT_EQ(joined.exit_code, 0) << joined.out;

  auto got = watch.Until([](const v1::Event& e) {
    return e.has_sync_progress() &&
           e.sync_progress().ops_received() == e.sync_progress().ops_expected();
  });
  ASSERT_TRUE(got.has_value());
  std::vector<v1::SyncProgress> progress;
  for (const auto& e : *got) {
    if (e.has_sync_progress()) progress.push_back(e.sync_progress());
  }
  ASSERT_GE(progress.size(), 2u) << "a start and an end";
  EXPECT_EQ(progress.front().ops_received(), 0u);
  EXPECT_GE(progress.back().ops_expected(), 300u);
  EXPECT_EQ(progress.back().display_name(), "Alex");
  EXPECT_EQ(progress.back().member_id(), status_.member_id());
  for (size_t i = 1; i < progress.size(); ++i) {
    EXPECT_GE(progress[i].ops_received(), progress[i - 1].ops_received());
  }
  // And every entry is there.
  v1::ListJournalEntriesRequest list;
  list.set_page_size(1000);
  v1::ListJournalEntriesResponse entries;
  ASSERT_OK(sam.journal().ListJournalEntries(DaemonHarness::Context().get(), list, &entries));
  EXPECT_EQ(entries.journal_entries_size(), 300);
}

}  // namespace
}  // namespace attune::testing
