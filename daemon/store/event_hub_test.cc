#include "daemon/store/event_hub.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/support/temp_store.h"
#include "tests/support/test_keys.h"

namespace attune {
namespace {

using ::attune::testing::NewKeys;
using ::attune::testing::TempDir;

// Whether `wakes` becomes non-zero within a generous deadline.
bool WokenWithin(const std::atomic<int>& wakes) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (wakes == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return wakes > 0;
}

v1::Event Change(const std::string& name) {
  v1::Event e;
  e.mutable_record_changed()->set_name(name);
  return e;
}

class EventHubTest : public ::testing::Test {
 protected:
  void SetUp() override { db_ = ::attune::testing::OpenTestDb(dir_.path() + "/db"); }
  std::unique_ptr<EventHub> Open(EventHub::Options options = {}) {
    auto hub = EventHub::Open(db_.get(), &clock_, options);
    EXPECT_TRUE(hub.ok()) << hub.status();
    return hub.ok() ? std::move(*hub) : nullptr;
  }
  // Reserves, stages and writes one record change; returns it (not yet
  // published).
  v1::Event Commit(EventHub& hub, const std::string& name) {
    v1::Event e = Change(name);
    e.set_id(hub.Reserve());
    Batch batch;
    hub.Stage(*keys_, &e, &batch);
    EXPECT_TRUE(db_->Write(batch, true).ok());
    return e;
  }
  std::vector<uint64_t> Ids(const EventHub& hub, uint64_t after) {
    std::vector<v1::Event> events;
    EXPECT_TRUE(hub.ReadAfter(after, 1000, &events));
    std::vector<uint64_t> ids;
    for (const auto& e : events) ids.push_back(e.id());
    return ids;
  }

  TempDir dir_;
  SystemClock clock_;
  std::shared_ptr<const KeySet> keys_ = NewKeys();
  std::unique_ptr<Db> db_;
};

// An event waits behind a lower id still reserved: watchers see ids in order.
TEST_F(EventHubTest, EventsAreDeliveredInIdOrderBehindReservations) {
  // Declared before the hub: its notifier thread may still wake the
  // subscriber until the hub is destroyed.
  std::atomic<int> wakes{0};
  auto hub = Open();
  const uint64_t start = hub->LastDelivered();
  const uint64_t token = hub->Subscribe([&] { ++wakes; });
  v1::Event change = Commit(*hub, "journalEntries/1");
  hub->Emit(v1::Event());  // a live event after the reservation
  EXPECT_TRUE(Ids(*hub, start).empty());
  hub->Publish({change});
  EXPECT_THAT(Ids(*hub, start), ::testing::ElementsAre(change.id(), change.id() + 1));
  EXPECT_EQ(hub->LastDelivered(), change.id() + 1);
  EXPECT_TRUE(WokenWithin(wakes));  // on the hub's notifier thread

  const uint64_t abandoned = hub->Reserve();
  hub->Emit(v1::Event());
  EXPECT_EQ(hub->LastDelivered(), change.id() + 1);
  hub->Abandon({abandoned});
  EXPECT_EQ(hub->LastDelivered(), abandoned + 1);
  EXPECT_THAT(Ids(*hub, change.id() + 1), ::testing::ElementsAre(abandoned + 1));
  hub->Unsubscribe(token);
}

TEST_F(EventHubTest, AReaderBehindTheMemoryIsToldAndTheDiskStillHasTheChanges) {
  auto hub = Open({.ring_events = 3, .kept_changes = 100});
  const uint64_t start = hub->LastDelivered();
  std::vector<v1::Event> changes;
  for (int i = 0; i < 5; ++i) {
    changes.push_back(Commit(*hub, "journalEntries/" + std::to_string(i)));
    hub->Publish({changes.back()});
  }
  std::vector<v1::Event> out;
  EXPECT_FALSE(hub->ReadAfter(start, 10, &out));
  EXPECT_EQ(hub->RingFloor(), changes[1].id());
  EXPECT_TRUE(hub->ReadAfter(changes[1].id(), 10, &out));
  EXPECT_EQ(out.size(), 3u);
  std::vector<v1::Event> kept;
  ASSERT_TRUE(hub->ReadKeptChanges(*keys_, start, changes[2].id(), &kept).ok());
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].record_changed().name(), "journalEntries/0");
  EXPECT_EQ(kept[1].id(), changes[1].id());
  // Sealed: the other member's keys do not open them.
  std::vector<v1::Event> foreign;
  EXPECT_FALSE(hub->ReadKeptChanges(*NewKeys("Sam"), start, changes[2].id(), &foreign).ok());
}

// An in-daemon watcher draining from its cursor sees each event once, in
// order, and is told when it fell behind what memory keeps.
TEST_F(EventHubTest, DrainGivesEachEventOnceAndSaysWhenItFellBehind) {
  auto hub = Open({.ring_events = 3, .kept_changes = 100});
  uint64_t cursor = hub->LastDelivered();
  std::vector<std::string> seen;
  auto note = [&](const v1::Event& e) { seen.push_back(e.record_changed().name()); };
  for (int i = 0; i < 2; ++i) hub->Publish({Commit(*hub, "journalEntries/" + std::to_string(i))});
  EXPECT_TRUE(hub->Drain(&cursor, note));
  EXPECT_EQ(seen, (std::vector<std::string>{"journalEntries/0", "journalEntries/1"}));
  EXPECT_EQ(cursor, hub->LastDelivered());
  EXPECT_TRUE(hub->Drain(&cursor, note));  // nothing new
  EXPECT_EQ(seen.size(), 2u);
  for (int i = 2; i < 7; ++i) hub->Publish({Commit(*hub, "journalEntries/" + std::to_string(i))});
  seen.clear();
  EXPECT_FALSE(hub->Drain(&cursor, note));
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(cursor, hub->LastDelivered());
}

TEST_F(EventHubTest, OnlyTheLastChangesAreKeptAndIdsGrowAcrossRestarts) {
  uint64_t first_id, last_id;
  {
    auto hub = Open({.ring_events = 100, .kept_changes = 4});
    std::vector<v1::Event> changes;
    for (int i = 0; i < 10; ++i) {
      changes.push_back(Commit(*hub, "n" + std::to_string(i)));
      hub->Publish({changes.back()});
    }
    first_id = changes.front().id();
    last_id = changes.back().id();
    EXPECT_FALSE(hub->ChangesKeptAfter(first_id));
    EXPECT_TRUE(hub->ChangesKeptAfter(changes[5].id()));
  }
  auto again = Open({.ring_events = 100, .kept_changes = 4});
  EXPECT_GT(again->LastDelivered(), last_id);
  EXPECT_FALSE(again->ChangesKeptAfter(first_id));
  std::vector<v1::Event> kept;
  ASSERT_TRUE(again->ReadKeptChanges(*keys_, 0, again->LastDelivered() + 1, &kept).ok());
  ASSERT_GE(kept.size(), 4u);
  EXPECT_LE(kept.size(), 5u);
  EXPECT_EQ(kept.back().record_changed().name(), "n9");
  v1::Event next = Commit(*again, "after the restart");
  EXPECT_GT(next.id(), last_id);
}

// A watcher that wants only some events is woken for those, not for the
// others (its thread stays asleep through writes it does not care about).
TEST_F(EventHubTest, AWatcherWithAFilterIsWokenOnlyForWhatItWants) {
  std::atomic<int> reminders{0}, everything{0};
  auto hub = Open();
  const uint64_t picky = hub->Subscribe(
      [&] { ++reminders; },
      [](const v1::Event& e) { return e.record_changed().name().rfind("reminders/", 0) == 0; });
  const uint64_t all = hub->Subscribe([&] { ++everything; });  // woken after `picky` is asked
  hub->Emit(Change("journalEntries/1"));
  ASSERT_TRUE(WokenWithin(everything));
  EXPECT_EQ(reminders, 0);
  hub->Emit(Change("reminders/1"));
  EXPECT_TRUE(WokenWithin(reminders));
  hub->Unsubscribe(all);
  hub->Unsubscribe(picky);
}

// A filter is asked about every event, also those delivered together after
// one it wanted: the search indexer notes a vault change that way.
TEST_F(EventHubTest, AFilterIsAskedAboutEveryEventDeliveredTogether) {
  std::atomic<int> asked{0}, wakes{0};
  auto hub = Open();
  const uint64_t token = hub->Subscribe([&] { ++wakes; },
                                        [&](const v1::Event&) {
                                          ++asked;
                                          return true;
                                        });
  // Held back behind the first reservation, then delivered in one go.
  v1::Event first = Commit(*hub, "journalEntries/1");
  hub->Emit(Change("journalEntries/2"));
  hub->Emit(Change("journalEntries/3"));
  hub->Publish({first});
  ASSERT_TRUE(WokenWithin(wakes));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (asked < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(asked, 3);
  hub->Unsubscribe(token);
}

// Woken anyway once half the ring went by unwanted, so its cursor can move
// before those events leave memory (it would read everything afresh).
TEST_F(EventHubTest, AFilteredWatcherIsWokenBeforeTheRingForgetsWhatItSkipped) {
  std::atomic<int> wakes{0};
  auto hub = Open({.ring_events = 8, .kept_changes = 100});
  const uint64_t token = hub->Subscribe([&] { ++wakes; }, [](const v1::Event&) { return false; });
  for (int i = 0; i < 6; ++i) hub->Emit(Change("journalEntries/" + std::to_string(i)));
  EXPECT_TRUE(WokenWithin(wakes));
  hub->Unsubscribe(token);
}

TEST_F(EventHubTest, ClosingWakesWatchersAndDeliversNothingMore) {
  std::atomic<int> wakes{0};  // outlives the hub's notifier thread
  auto hub = Open();
  uint64_t token = hub->Subscribe([&] { ++wakes; });
  hub->Close();
  EXPECT_TRUE(hub->closed());
  EXPECT_TRUE(WokenWithin(wakes));
  const uint64_t last = hub->LastDelivered();
  hub->Emit(v1::Event());
  EXPECT_EQ(hub->LastDelivered(), last);
  hub->Unsubscribe(token);
}

}  // namespace
}  // namespace attune
