// A blind relay (attune-relay) between Alex and Sam, whose daemons pair once
// and then never reach each other again (neither listens): they converge
// through the relay alone. The relay's whole data folder is searched for the
// words written (nothing, not a private op either), and a relay killed with
// SIGKILL mid-stream has lost nothing it had forwarded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "api_helpers.h"
#include "daemon/store/db.h"
#include "daemon/vault/device_id.h"
#include "disk_reader.h"
#include "relay_process.h"
#include "sync_support.h"

namespace attune::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The shared ops of `author` (readable id) that `d` holds.
uint64_t HeldBy(DaemonHarness& d, const std::string& author) {
  v1::StateDigest digest;
  auto s =
      v1::SyncService::NewStub(d.channel())
          ->GetStateDigest(DaemonHarness::Context().get(), v1::GetStateDigestRequest(), &digest);
  for (const auto& e : digest.version_vector()) {
    if (e.device_id() == author) return e.seq();
  }
  return 0;
}

// Everything in a stopped relay's database, keys and values, and every file
// of its folder as raw bytes.
std::string EverythingIn(const std::string& dir) {
  std::string all;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    if (!f.is_regular_file()) continue;
    std::ifstream in(f.path(), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    all += s.str();
  }
  auto db = Db::Open(DbOptions{.path = dir});
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return all;
  for (Cf cf : {Cf::kOplog, Cf::kRecords, Cf::kMeta}) {
    (void)(*db)->Scan(cf, "", [&](std::string_view k, std::string_view v) {
      all.append(k);
      all.append(v);
      return true;
    });
  }
  return all;
}

class RelayTest : public ::testing::Test {
 protected:
  // Alex uses the relay, pairs with Sam (who learns of the relay from the
  // pairing), and both restart without a listener: from then on the relay
  // is the only way between them.
  void SetUp() override {
    ASSERT_TRUE(relay_.Start());
    ASSERT_TRUE(StartPeer(alex_, "Alex"));
    ASSERT_TRUE(StartPeer(sam_, "Sam"));
    CliResult added = RunCli(alex_, {"relay", "add", relay_.address()});
    ASSERT_EQ(added.exit_code, 0) << added.out;
    EXPECT_THAT(added.out, HasSubstr("Using relay"));
    ASSERT_EQ(PairWithCli(alex_, sam_).exit_code, 0);
    ASSERT_EQ(SyncStatusOf(sam_).relays_size(), 1) << "Sam was not told of Alex's relay";
    for (DaemonHarness* d : {&alex_, &sam_}) {
      ASSERT_EQ(d->Stop(), 0);
      ASSERT_TRUE(d->Restart({"--peer-listen", ""}));
      ASSERT_OK(d->Unlock(kPeerPassphrase));
    }
    alex_id_ = DeviceIdOf(alex_);
    sam_id_ = DeviceIdOf(sam_);
  }

  RelayProcess relay_;
  DaemonHarness alex_, sam_;
  std::string alex_id_, sam_id_;
};

TEST_F(RelayTest, DevicesThatNeverMeetConvergeThroughARelayThatReadsNothing) {
  const std::string shared = "relay-shared-canary";
  const std::string secret = "relay-private-canary";
  sam_.NoteSecret(secret);
  ASSERT_OK(WriteJournal(alex_, shared));
  ASSERT_OK(WriteJournal(alex_, secret, v1::VISIBILITY_PRIVATE));
  ASSERT_TRUE(Await([&] { return JournalBodies(sam_).count(shared) == 1; }))
      << sam_.StderrSinceStart() << relay_.output();
  ASSERT_OK(WriteJournal(sam_, "sam answers through the relay"));
  ASSERT_TRUE(Await([&] {
    return JournalBodies(alex_).count("sam answers through the relay") == 1;
  })) << alex_.StderrSinceStart();

  // They never met: each sees the other offline all along, the relay online.
  v1::SyncStatus status = SyncStatusOf(sam_);
  ASSERT_EQ(status.peers_size(), 1);
  EXPECT_FALSE(status.peers(0).online());
  EXPECT_EQ(status.peers(0).last_seen_ms(), 0) << "Sam's daemon reached Alex's directly";
  ASSERT_EQ(status.relays_size(), 1);
  EXPECT_TRUE(status.relays(0).online());
  CliResult shown = RunCli(sam_, {"sync", "status"});
  EXPECT_THAT(shown.out, HasSubstr("relay ")) << shown.out;
  EXPECT_EQ(JournalBodies(sam_).count(secret), 0u);

  // The relay holds Alex's shared ops and no private one (its stream of
  // Alex's ops is exactly Alex's shared stream), and none of the words.
  const uint64_t alex_shared = HeldBy(alex_, alex_id_);
  relay_.Kill(SIGTERM);
  EXPECT_EQ(relay_.HeldOf(alex_id_), alex_shared);
  std::string everything = EverythingIn(relay_.data());
  EXPECT_THAT(everything, Not(HasSubstr(shared)));
  EXPECT_THAT(everything, Not(HasSubstr(secret)));
  EXPECT_THAT(everything, Not(HasSubstr("sam answers")));
  // Sam's disk: no private op of Alex's, not even sealed.
  ASSERT_EQ(sam_.Stop(), 0);
  OnDisk disk = ReadDisk(sam_.data_dir(), kPeerPassphrase);
  EXPECT_EQ(disk.opened, disk.ops);
  EXPECT_TRUE(disk.private_authors.empty());
}

TEST_F(RelayTest, ADeviceOfAnotherSpaceGetsNothingThroughTheSameRelay) {
  // Jo uses the same relay for a space of Jo's own: the relay keeps the two
  // apart, and neither side takes anything of the other's.
  DaemonHarness jo;
  ASSERT_TRUE(StartPeer(jo, "Jo"));
  jo.NoteSecret("alex-to-sam-only");
  ASSERT_EQ(RunCli(jo, {"relay", "add", relay_.address()}).exit_code, 0);
  // A device's own id is no relay.
  CliResult self = RunCli(alex_, {"relay", "add", DeviceIdOf(sam_) + "@127.0.0.1:1"});
  EXPECT_NE(self.exit_code, 0);
  EXPECT_THAT(self.out, HasSubstr("member device"));
  ASSERT_OK(WriteJournal(alex_, "alex-to-sam-only"));
  ASSERT_OK(WriteJournal(jo, "jo-alone"));
  ASSERT_TRUE(Await([&] { return JournalBodies(sam_).count("alex-to-sam-only") == 1; }));
  ASSERT_TRUE(Await([&] { return SyncStatusOf(jo).relays_size() == 1; }));
  std::this_thread::sleep_for(std::chrono::seconds(2));  // a chance to (wrongly) sync
  EXPECT_EQ(JournalBodies(jo).count("alex-to-sam-only"), 0u);
  EXPECT_EQ(JournalBodies(sam_).count("jo-alone"), 0u);
  EXPECT_EQ(HeldBy(jo, alex_id_), 0u);
  ASSERT_EQ(jo.Stop(), 0);  // its data folder is searched for Alex's words
}

TEST_F(RelayTest, ARelayKilledMidStreamLosesNothingItForwarded) {
  constexpr int kEntries = 400;
  std::thread writer([&] {
    for (int i = 0; i < kEntries; ++i) {
      ASSERT_OK(WriteJournal(alex_, "entry " + std::to_string(i)));
    }
  });
  // Killed once Sam has some of them through it.
  bool some = Await([&] { return JournalBodies(sam_).size() >= 20; });
  relay_.Kill(SIGKILL);
  const uint64_t forwarded = HeldBy(sam_, alex_id_);
  EXPECT_GE(relay_.HeldOf(alex_id_), forwarded) << "the relay lost ops it had forwarded";
  bool restarted = relay_.Start();
  writer.join();
  ASSERT_TRUE(some) << relay_.output();
  ASSERT_TRUE(restarted);
  ASSERT_TRUE(
      Await([&] { return JournalBodies(sam_).size() == kEntries; }, std::chrono::seconds(120)))
      << sam_.StderrSinceStart() << relay_.output();
  EXPECT_EQ(HeldBy(sam_, alex_id_), HeldBy(alex_, alex_id_));
}

}  // namespace
}  // namespace attune::testing
