// Leaving a space (attune space leave): Alex (laptop and phone) and Sam,
// three real daemons on loopback. Alex leaves; both sides keep what they
// had, Sam is told plainly, Sam's devices move to a key epoch Alex never
// gets, and Alex's laptop can join another space without bringing Sam's
// entries into it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "api_helpers.h"
#include "disk_reader.h"
#include "sync_support.h"

namespace attune::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(SpaceLeaveTest, BothSidesKeepWhatTheyHadAndTheOtherSideIsTold) {
  DaemonHarness laptop, phone, sam, jo;
  ASSERT_TRUE(StartPeer(laptop, "Alex"));
  ASSERT_TRUE(StartPeer(sam, "Sam"));
  ASSERT_TRUE(StartPeer(phone, "phone", {}, /*reveal_together=*/true));
  ASSERT_EQ(PairWithCli(laptop, sam).exit_code, 0);
  ASSERT_EQ(LinkWithCli(laptop, phone).exit_code, 0);
  ASSERT_OK(WriteJournal(sam, "sam-before-canary"));
  ASSERT_OK(WriteJournal(laptop, "alex before"));
  for (DaemonHarness* d : {&laptop, &phone, &sam}) {
    ASSERT_TRUE(Await([&] {
      auto bodies = JournalBodies(*d);
      return bodies.count("sam-before-canary") && bodies.count("alex before");
    })) << d->StderrSinceStart();
  }

  // Asked first; with --yes it goes ahead.
  CliResult asked = RunCli(laptop, {"space", "leave"});
  EXPECT_NE(asked.exit_code, 0);
  EXPECT_THAT(asked.out, HasSubstr("--yes"));
  CliResult left = RunCli(laptop, {"space", "leave", "--yes"});
  ASSERT_EQ(left.exit_code, 0) << left.out;
  EXPECT_THAT(left.out, HasSubstr("2 device(s) of yours removed"));

  // Sam is told in attune status, and Sam's devices move on to a key epoch
  // that no device of Alex's holds.
  ASSERT_TRUE(Await([&] { return MembersOf(sam).removed_size() == 2; })) << sam.StderrSinceStart();
  CliResult status = RunCli(sam, {"status"});
  EXPECT_THAT(status.out, HasSubstr("Alex left the space on")) << status.out;
  ASSERT_TRUE(Await([&] { return SyncStatusOf(sam).key_epoch() == 1; }));
  ASSERT_TRUE(Await([&] { return !SyncStatusOf(phone).removed().empty(); }));
  EXPECT_THAT(RunCli(laptop, {"status"}).out, HasSubstr("This device left the space"));

  // Afterwards: Sam's words do not reach Alex; both keep the history.
  ASSERT_OK(WriteJournal(sam, "sam-after-canary"));
  ASSERT_OK(WriteJournal(laptop, "alex after"));
  std::this_thread::sleep_for(std::chrono::seconds(3));  // a chance to (wrongly) sync
  EXPECT_EQ(JournalBodies(laptop).count("sam-after-canary"), 0u);
  EXPECT_EQ(JournalBodies(sam).count("alex after"), 0u);
  EXPECT_EQ(JournalBodies(laptop).count("sam-before-canary"), 1u);
  EXPECT_EQ(JournalBodies(sam).count("alex before"), 1u);

  // Alex's laptop joins someone else's space: Jo gets Alex's entries, and
  // nothing of Sam's, not even sealed.
  ASSERT_TRUE(StartPeer(jo, "Jo"));
  jo.NoteSecret("sam-before-canary");
  CliResult joined = PairWithCli(jo, laptop);
  ASSERT_EQ(joined.exit_code, 0) << joined.out;
  ASSERT_TRUE(Await([&] { return JournalBodies(jo).count("alex after") == 1; }))
      << jo.StderrSinceStart() << laptop.StderrSinceStart();
  EXPECT_EQ(JournalBodies(jo).count("sam-before-canary"), 0u);
  ASSERT_EQ(jo.Stop(), 0);
  OnDisk disk = ReadDisk(jo.data_dir(), kPeerPassphrase);
  // An op of the old space (Sam's) would be one Jo's keys cannot open.
  EXPECT_EQ(disk.opened, disk.ops) << "an op from Alex's old space reached Jo";
  EXPECT_THAT(disk.text, Not(HasSubstr("sam-before-canary")));
}

}  // namespace
}  // namespace attune::testing
