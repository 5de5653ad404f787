// Removing a device (attune device remove): Alex's laptop and phone, Sam's
// laptop, three real daemons on loopback. The phone is lost; Alex removes
// it from the laptop. From then on every daemon refuses the phone, the space
// seals under a new key epoch the phone never gets, and what the phone
// writes afterwards reaches no one, while what it wrote before stays
// readable to the rest.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <set>

#include "api_helpers.h"
#include "disk_reader.h"
#include "sync_support.h"

namespace attune::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::set<std::string> Bodies(DaemonHarness& d) { return JournalBodies(d); }
v1::ListMembersResponse Members(DaemonHarness& d) { return MembersOf(d); }

class DeviceRemovalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(StartPeer(laptop_, "Alex"));
    ASSERT_TRUE(StartPeer(sam_, "Sam"));
    ASSERT_TRUE(StartPeer(phone_, "phone", {}, /*reveal_together=*/true));
    CliResult paired = PairWithCli(laptop_, sam_);
    ASSERT_EQ(paired.exit_code, 0) << paired.out;
    CliResult linked = LinkWithCli(laptop_, phone_);
    ASSERT_EQ(linked.exit_code, 0) << linked.out;
    for (DaemonHarness* d : {&laptop_, &phone_, &sam_}) {
      ASSERT_TRUE(Await([&] { return Members(*d).members_size() == 3; }))
          << RunCli(*d, {"members"}).out;
    }
  }

  DaemonHarness laptop_, phone_, sam_;
};

TEST_F(DeviceRemovalTest, ARemovedDeviceIsRefusedEverywhereAndTheSpaceMovesOn) {
  // Before the loss: the phone's shared and private entries reach who they
  // should.
  ASSERT_OK(WriteJournal(phone_, "from the phone, before", v1::VISIBILITY_SHARED));
  ASSERT_OK(WriteJournal(phone_, "phone private, before", v1::VISIBILITY_PRIVATE));
  ASSERT_TRUE(Await([&] { return Bodies(sam_).count("from the phone, before") == 1; }));
  ASSERT_TRUE(Await([&] { return Bodies(laptop_).count("phone private, before") == 1; }));
  const std::string phone_id = DeviceIdOf(phone_);

  // The phone is lost (its daemon stops); Alex removes it from the laptop.
  ASSERT_EQ(phone_.Stop(), 0);
  CliResult asked = RunCli(laptop_, {"device", "remove", phone_id.substr(0, 9)});
  EXPECT_NE(asked.exit_code, 0) << "removing needs a yes: " << asked.out;
  EXPECT_THAT(asked.out, HasSubstr("--yes"));
  CliResult removed = RunCli(laptop_, {"device", "remove", phone_id.substr(0, 9), "--yes"});
  ASSERT_EQ(removed.exit_code, 0) << removed.out;
  EXPECT_THAT(removed.out, HasSubstr("key epoch 1"));
  EXPECT_EQ(SyncStatusOf(laptop_).key_epoch(), 1u);
  // Sam hears of it from the laptop, and moves to epoch 1 too.
  ASSERT_TRUE(Await([&] { return Members(sam_).removed_size() == 1; })) << sam_.StderrSinceStart();
  EXPECT_EQ(Members(sam_).removed(0).device_id(), phone_id);
  EXPECT_EQ(Members(sam_).members_size(), 2);
  EXPECT_EQ(SyncStatusOf(sam_).key_epoch(), 1u);
  CliResult members = RunCli(sam_, {"members"});
  EXPECT_THAT(members.out, HasSubstr("Removed\n    " + phone_id));

  // New entries on both remaining devices, sealed under epoch 1.
  ASSERT_OK(WriteJournal(laptop_, "after-removal-canary", v1::VISIBILITY_SHARED));
  ASSERT_OK(WriteJournal(sam_, "sam after the removal", v1::VISIBILITY_SHARED));
  ASSERT_TRUE(Await([&] { return Bodies(sam_).count("after-removal-canary") == 1; }));
  ASSERT_TRUE(Await([&] { return Bodies(laptop_).count("sam after the removal") == 1; }));

  // The phone comes back (found by a stranger, or its owner's old copy)
  // and writes: nobody takes it, and it is told why.
  ASSERT_TRUE(phone_.Restart({"--peer-listen", "127.0.0.1:0"}));
  ASSERT_OK(phone_.Unlock(kPeerPassphrase));
  ASSERT_OK(WriteJournal(phone_, "from the phone, after", v1::VISIBILITY_SHARED));
  ASSERT_TRUE(Await([&] {
    const v1::SyncStatus status = SyncStatusOf(phone_);
    for (const auto& p : status.peers()) {
      if (p.last_error().find("was removed from the space") != std::string::npos) return true;
    }
    return false;
  })) << RunCli(phone_, {"sync", "status"}).out;
  // A marker from Sam after the phone tried: had anything of the phone's
  // got through, it would be ahead of this.
  ASSERT_OK(WriteJournal(sam_, "sam marker", v1::VISIBILITY_SHARED));
  ASSERT_TRUE(Await([&] { return Bodies(laptop_).count("sam marker") == 1; }));
  for (DaemonHarness* d : {&laptop_, &sam_}) {
    auto bodies = Bodies(*d);
    EXPECT_EQ(bodies.count("from the phone, after"), 0u) << d->data_dir();
    EXPECT_EQ(bodies.count("from the phone, before"), 1u) << d->data_dir();
  }
  EXPECT_EQ(Bodies(laptop_).count("phone private, before"), 1u);
  // The phone holds nothing written after its removal.
  EXPECT_EQ(Bodies(phone_).count("after-removal-canary"), 0u);
  EXPECT_EQ(Bodies(phone_).count("sam after the removal"), 0u);
  // It cannot pair back in with a fresh invite either.
  CliResult invite = RunCli(laptop_, {"device", "link", "--no-qr"});
  ASSERT_EQ(invite.exit_code, 0) << invite.out;
  CliResult rejoin = RunCli(phone_, {"device", "join", InviteCodeIn(invite.out)});
  EXPECT_NE(rejoin.exit_code, 0) << rejoin.out;
  EXPECT_THAT(rejoin.out, Not(HasSubstr("Linked")));

  // On the phone's own disk: not even a sealed op of what was written after.
  ASSERT_EQ(phone_.Stop(), 0);
  OnDisk disk = ReadDisk(phone_.data_dir(), kPeerPassphrase);
  EXPECT_THAT(disk.text, Not(HasSubstr("after-removal-canary")));
  EXPECT_EQ(disk.opened, disk.ops) << "an op the phone's keys cannot open reached it";
}

// A backup of the laptop taken after the removal, restored as a new device
// (a new device key, to which no space change sealed anything): it still
// seals under the new epoch, and its entries reach Sam.
TEST_F(DeviceRemovalTest, ADeviceRestoredAfterARemovalKeepsTheNewEpoch) {
  const std::string phone_id = DeviceIdOf(phone_);
  ASSERT_EQ(phone_.Stop(), 0);
  CliResult removed = RunCli(laptop_, {"device", "remove", phone_id, "--yes"});
  ASSERT_EQ(removed.exit_code, 0) << removed.out;
  ASSERT_TRUE(Await([&] { return SyncStatusOf(sam_).key_epoch() == 1; }));
  const std::string dir = laptop_.root() + "/backup";
  CliResult backup = RunCli(laptop_, {"backup", dir});
  ASSERT_EQ(backup.exit_code, 0) << backup.out;

  DaemonHarness restored;
  ASSERT_TRUE(restored.Start({"--peer-listen", "127.0.0.1:0"}));
  const std::string secret = restored.root() + "/passphrase";
  std::ofstream(secret) << kPeerPassphrase << "\n";
  ::chmod(secret.c_str(), 0600);
  CliResult restore = RunCli(restored, {"restore", dir, "--passphrase-file", secret});
  ASSERT_EQ(restore.exit_code, 0) << restore.out << restored.StderrSinceStart();
  ASSERT_TRUE(Await([&] {
    v1::VaultStatus status;
    return restored.GetStatus(&status).ok() && status.state() == v1::VaultStatus::STATE_UNLOCKED;
  }));
  EXPECT_EQ(SyncStatusOf(restored).key_epoch(), 1u);
  ASSERT_OK(WriteJournal(restored, "from the restored laptop", v1::VISIBILITY_SHARED));
  ASSERT_TRUE(Await([&] { return Bodies(sam_).count("from the restored laptop") == 1; },
                    std::chrono::seconds(90)))
      << restored.StderrSinceStart();
}

// Sam cannot remove one of Alex's devices while Alex has another; the
// daemon says who can.
TEST_F(DeviceRemovalTest, APartnerCannotRemoveADeviceWhoseOwnerHasAnother) {
  CliResult refused = RunCli(sam_, {"device", "remove", DeviceIdOf(phone_), "--yes"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.out, HasSubstr("has another device"));
  EXPECT_EQ(Members(sam_).removed_size(), 0);
}

}  // namespace
}  // namespace attune::testing
