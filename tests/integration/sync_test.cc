// Two and three real attuned processes on loopback, paired with the attune
// CLI, syncing what each writes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "api_helpers.h"
#include "attune/v1/api.grpc.pb.h"
#include "sync_support.h"

namespace attune::testing {
namespace {

using ::testing::HasSubstr;

v1::SyncStatus SyncStatusOf(DaemonHarness& d) {
  v1::SyncStatus status;
  v1::GetSyncStatusRequest request;
  auto ctx = DaemonHarness::Context();
  EXPECT_OK(v1::SyncService::NewStub(d.channel())->GetSyncStatus(ctx.get(), request, &status));
  return status;
}

// The code printed by `attune pair invite`.
std::string InviteCode(DaemonHarness& d) {
  CliResult r = RunCli(d, {"pair", "invite", "--no-qr"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  auto start = r.out.find("attune-invite-");
  if (start == std::string::npos) return "";
  return r.out.substr(start, r.out.find_first_of(" \n", start) - start);
}

class SyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(StartPeer(alex_, "Alex"));
    ASSERT_TRUE(StartPeer(sam_, "Sam"));
  }
  void Pair() {
    CliResult joined = PairWithCli(alex_, sam_);
    ASSERT_EQ(joined.exit_code, 0) << joined.out;
    ASSERT_THAT(joined.out, HasSubstr("Paired with Alex"));
  }
  DaemonHarness alex_, sam_;
};

TEST_F(SyncTest, PairedPartnersSeeEachOthersCheckInsAndSharedRecords) {
  // Sam wrote before pairing: it comes along into the shared space.
  ASSERT_OK(WriteCheckIn(sam_, AddDays(UtcToday(), -1), "Sam, before we paired"));
  Pair();
  // Both devices show the same safety number.
  CliResult a = RunCli(alex_, {"pair", "verify"});
  CliResult s = RunCli(sam_, {"pair", "verify"});
  ASSERT_EQ(a.exit_code, 0) << a.out;
  std::string digits = a.out.substr(a.out.rfind('\n', a.out.size() - 2) + 1);
  EXPECT_THAT(s.out, HasSubstr(digits));

  ASSERT_OK(WriteCheckIn(alex_, UtcToday(), "Alex: dinner together"));
  ASSERT_OK(WriteCheckIn(sam_, UtcToday(), "Sam: a long walk"));
  ASSERT_TRUE(Await([&] { return CheckInDigest(alex_).size() == 3; }))
      << ::testing::PrintToString(CheckInDigest(alex_));
  ASSERT_TRUE(Await([&] { return CheckInDigest(sam_) == CheckInDigest(alex_); }));

  // A shared journal entry travels; a private one never does.
  v1::CreateJournalEntryRequest shared, kept;
  shared.mutable_journal_entry()->set_body("for both of us");
  shared.mutable_journal_entry()->set_visibility(v1::SHARED);
  kept.mutable_journal_entry()->set_body("just for me");
  v1::JournalEntry out;
  ASSERT_OK(alex_.journal().CreateJournalEntry(DaemonHarness::Context().get(), shared, &out));
  ASSERT_OK(alex_.journal().CreateJournalEntry(DaemonHarness::Context().get(), kept, &out));
  ASSERT_TRUE(Await([&] { return ListAllJournalEntries(sam_).size() == 1; }));
  EXPECT_EQ(ListAllJournalEntries(sam_)[0].body(), "for both of us");
  // A goal and its progress arrive too.
  v1::CreateGoalRequest goal;
  goal.mutable_goal()->set_title("Reflective listening");
  goal.mutable_goal()->set_target_per_period(2);
  goal.mutable_goal()->set_period(v1::WEEK);
  goal.mutable_goal()->set_periods(4);
  goal.mutable_goal()->set_time_zone("UTC");
  v1::Goal g;
  ASSERT_OK(sam_.goals().CreateGoal(DaemonHarness::Context().get(), goal, &g));
  ASSERT_TRUE(Await([&] { return ListAllGoals(alex_, false).size() == 1; }));

  v1::SyncStatus status = SyncStatusOf(alex_);
  ASSERT_EQ(status.peers_size(), 1);
  EXPECT_EQ(status.peers(0).peer().display_name(), "Sam");
  EXPECT_TRUE(Await([&] {
    auto st = SyncStatusOf(alex_);
    return st.peers(0).online() && st.peers(0).ops_they_lack() == 0;
  }));
  CliResult members = RunCli(sam_, {"members"});
  EXPECT_THAT(members.out, HasSubstr("Alex"));
  EXPECT_THAT(members.out, HasSubstr("Sam"));
}

TEST_F(SyncTest, AnEntryMadePrivateAgainDisappearsFromThePartner) {
  Pair();
  v1::CreateJournalEntryRequest create;
  create.mutable_journal_entry()->set_body("shared for a while");
  create.mutable_journal_entry()->set_visibility(v1::SHARED);
  v1::JournalEntry entry;
  ASSERT_OK(alex_.journal().CreateJournalEntry(DaemonHarness::Context().get(), create, &entry));
  ASSERT_TRUE(Await([&] { return ListAllJournalEntries(sam_).size() == 1; }));

  v1::UpdateJournalEntryRequest update;
  *update.mutable_journal_entry() = entry;
  update.mutable_journal_entry()->set_visibility(v1::PRIVATE);
  update.mutable_journal_entry()->set_body("now only mine, and edited");
  update.mutable_update_mask()->add_paths("visibility");
  update.mutable_update_mask()->add_paths("body");
  v1::JournalEntry updated;
  ASSERT_OK(alex_.journal().UpdateJournalEntry(DaemonHarness::Context().get(), update, &updated));
  EXPECT_EQ(updated.body(), "now only mine, and edited");
  ASSERT_TRUE(Await([&] { return ListAllJournalEntries(sam_).empty(); }));
  v1::GetJournalEntryRequest get;
  get.set_name(entry.name());
  v1::JournalEntry got;
  EXPECT_CODE(sam_.journal().GetJournalEntry(DaemonHarness::Context().get(), get, &got),
              grpc::StatusCode::NOT_FOUND);
  ASSERT_EQ(ListAllJournalEntries(alex_).size(), 1u);
  EXPECT_EQ(ListAllJournalEntries(alex_)[0].body(), "now only mine, and edited");
}

TEST_F(SyncTest, ApartTheyWriteAndAfterARestartTheyConverge) {
  Pair();
  ASSERT_OK(WriteCheckIn(alex_, UtcToday(), "first"));
  ASSERT_TRUE(Await([&] { return CheckInDigest(sam_).size() == 1; }));

  ASSERT_EQ(sam_.Stop(), 0);
  for (int i = 1; i <= 3; ++i) {
    ASSERT_OK(WriteCheckIn(alex_, AddDays(UtcToday(), -i), "while Sam was away"));
  }
  ASSERT_TRUE(sam_.Restart({"--peer-listen", "127.0.0.1:0"}));
  ASSERT_OK(sam_.Unlock("correct horse battery"));
  ASSERT_OK(WriteCheckIn(sam_, AddDays(UtcToday(), -5), "Sam is back"));
  ASSERT_TRUE(Await([&] { return CheckInDigest(sam_).size() == 5; }))
      << ::testing::PrintToString(CheckInDigest(sam_));
  ASSERT_TRUE(Await([&] { return CheckInDigest(alex_) == CheckInDigest(sam_); }));

  // The other way round: the inviter restarts and is found again.
  ASSERT_EQ(alex_.Stop(), 0);
  ASSERT_OK(WriteCheckIn(sam_, AddDays(UtcToday(), -6), "Alex was away"));
  ASSERT_TRUE(alex_.Restart({"--peer-listen", "127.0.0.1:0"}));
  ASSERT_OK(alex_.Unlock("correct horse battery"));
  ASSERT_TRUE(Await([&] { return CheckInDigest(alex_) == CheckInDigest(sam_); }));
  EXPECT_EQ(CheckInDigest(alex_).size(), 6u);
}

TEST_F(SyncTest, ThreeDevicesInALineConvergeThroughTheMiddle) {
  DaemonHarness kim;  // joins through Sam; never meets Alex directly
  ASSERT_TRUE(StartPeer(kim, "Kim"));
  Pair();
  CliResult joined = PairWithCli(sam_, kim);
  ASSERT_EQ(joined.exit_code, 0) << joined.out;

  ASSERT_OK(WriteCheckIn(alex_, UtcToday(), "from Alex"));
  ASSERT_OK(WriteCheckIn(kim, UtcToday(), "from Kim"));
  ASSERT_OK(WriteCheckIn(sam_, UtcToday(), "from Sam"));
  ASSERT_TRUE(Await([&] {
    return CheckInDigest(alex_).size() == 3 && CheckInDigest(kim).size() == 3;
  })) << ::testing::PrintToString(CheckInDigest(alex_))
      << ::testing::PrintToString(CheckInDigest(kim));
  EXPECT_EQ(CheckInDigest(alex_), CheckInDigest(kim));
  EXPECT_EQ(CheckInDigest(sam_), CheckInDigest(kim));
  // Alex learned of Kim through Sam, and never connected to Kim.
  v1::SyncStatus status = SyncStatusOf(alex_);
  ASSERT_EQ(status.peers_size(), 2);
  for (const auto& p : status.peers()) {
    if (p.peer().display_name() == "Kim") {
      EXPECT_EQ(p.last_seen_ms(), 0);
    }
  }
}

TEST_F(SyncTest, PartnersInSyncShowTheSameStateDigest) {
  Pair();
  ASSERT_OK(WriteCheckIn(alex_, UtcToday(), "Alex: a quiet evening"));
  ASSERT_OK(WriteCheckIn(sam_, UtcToday(), "Sam: a long call"));
  auto digest = [](DaemonHarness& d) {
    CliResult r = RunCli(d, {"sync", "digest"});
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return r.out.substr(0, r.out.find('\n'));
  };
  ASSERT_TRUE(
      Await([&] { return CheckInDigest(alex_).size() == 2 && CheckInDigest(sam_).size() == 2; }));
  ASSERT_TRUE(Await([&] { return digest(alex_) == digest(sam_); }));
  const std::string in_sync = digest(alex_);
  EXPECT_EQ(in_sync.size(), 64u) << in_sync;
  CliResult json = RunCli(sam_, {"sync", "digest", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.out;
  EXPECT_THAT(json.out, HasSubstr("\"digest\": \"" + in_sync + "\""));
  EXPECT_THAT(json.out, HasSubstr("\"recordCount\": \"2\""));

  // A private entry stays out of it; a shared one changes it on both.
  v1::CreateJournalEntryRequest kept;
  kept.mutable_journal_entry()->set_body("just for me");
  v1::JournalEntry out;
  ASSERT_OK(alex_.journal().CreateJournalEntry(DaemonHarness::Context().get(), kept, &out));
  EXPECT_EQ(digest(alex_), in_sync);
  v1::CreateJournalEntryRequest shared = kept;
  shared.mutable_journal_entry()->set_visibility(v1::SHARED);
  ASSERT_OK(alex_.journal().CreateJournalEntry(DaemonHarness::Context().get(), shared, &out));
  EXPECT_NE(digest(alex_), in_sync);
  EXPECT_TRUE(Await([&] { return digest(sam_) == digest(alex_); }));

  // Locked, there is nothing to read it from.
  ASSERT_OK(sam_.Lock());
  CliResult locked = RunCli(sam_, {"sync", "digest"});
  EXPECT_EQ(locked.exit_code, 3) << locked.out;
  EXPECT_THAT(locked.out, HasSubstr("locked"));
}

TEST_F(SyncTest, BadInvitesAreRefusedAndChangeNothing) {
  std::string code = InviteCode(alex_);
  ASSERT_FALSE(code.empty());
  // A mangled code.
  CliResult bad = RunCli(sam_, {"pair", "join", code.substr(0, code.size() - 10)});
  EXPECT_EQ(bad.exit_code, 2) << bad.out;
  EXPECT_THAT(bad.out, HasSubstr("code"));
  // The real code works once...
  CliResult ok = RunCli(sam_, {"pair", "join", code});
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  // ...and not for anyone else.
  DaemonHarness kim;
  ASSERT_TRUE(StartPeer(kim, "Kim"));
  CliResult reused = RunCli(kim, {"pair", "join", code});
  EXPECT_EQ(reused.exit_code, 1) << reused.out;
  EXPECT_THAT(reused.out, HasSubstr("used"));
  CliResult kim_members = RunCli(kim, {"members"});
  EXPECT_THAT(kim_members.out, ::testing::Not(HasSubstr("Alex")));
  // Alex's daemon keeps serving.
  v1::VaultStatus vs;
  EXPECT_OK(alex_.GetStatus(&vs));
}

TEST_F(SyncTest, NoPlaintextOnEitherDiskAfterSync) {
  Pair();
  const std::string canary = "canary-" + RandomHex16();
  ASSERT_OK(WriteCheckIn(alex_, UtcToday(), canary + " from Alex"));
  ASSERT_OK(WriteCheckIn(sam_, UtcToday(), canary + " from Sam"));
  ASSERT_TRUE(
      Await([&] { return CheckInDigest(alex_).size() == 2 && CheckInDigest(sam_).size() == 2; }));
  for (DaemonHarness* d : {&alex_, &sam_}) {
    ASSERT_THAT(::testing::PrintToString(CheckInDigest(*d)), HasSubstr(canary));
  }
  ASSERT_EQ(alex_.Stop(), 0);
  ASSERT_EQ(sam_.Stop(), 0);
  for (DaemonHarness* d : {&alex_, &sam_}) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(d->data_dir())) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), {});
      EXPECT_EQ(bytes.find(canary), std::string::npos) << e.path();
    }
    EXPECT_EQ(d->AllStderr().find(canary), std::string::npos);
  }
}

}  // namespace
}  // namespace attune::testing
