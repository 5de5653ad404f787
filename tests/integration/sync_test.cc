// Two and three real attuned processes on loopback, paired with the attune
// CLI, syncing what each writes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <thread>
#include <vector>

#include "api_helpers.h"
#include "attune/v1/api.grpc.pb.h"
#include "google/protobuf/empty.pb.h"
#include "sync_support.h"

namespace attune::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The code printed by `attune pair invite`.
std::string InviteCode(DaemonHarness& d) {
  CliResult r = RunCli(d, {"pair", "invite", "--no-qr"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  return InviteCodeIn(r.out);
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

  // Pairs, has Alex check in once and Sam hold it, and copies Alex's data
  // folder (stopped) to the returned path; then Alex, running again, checks
  // in `after` more times, all held by Sam, and stops.
  std::string CopyThenWriteMore(int after) {
    Pair();
    EXPECT_OK(WriteCheckIn(alex_, AddDays(UtcToday(), -3), "before the copy"));
    EXPECT_TRUE(Await([&] { return CheckInDigest(sam_).size() == 1; }));
    EXPECT_EQ(alex_.Stop(), 0);
    const std::string backup = alex_.data_dir() + ".copy";
    std::filesystem::copy(alex_.data_dir(), backup, std::filesystem::copy_options::recursive);
    EXPECT_TRUE(alex_.Restart({"--peer-listen", "127.0.0.1:0"}));
    EXPECT_OK(alex_.Unlock("correct horse battery"));
    for (int i = 1; i <= after; ++i) {
      EXPECT_OK(
          WriteCheckIn(alex_, AddDays(UtcToday(), -3 + i), "after the copy, " + std::to_string(i)));
    }
    EXPECT_TRUE(
        Await([&] { return CheckInDigest(sam_).size() == static_cast<size_t>(1 + after); }));
    EXPECT_EQ(alex_.Stop(), 0);
    return backup;
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
  shared.mutable_journal_entry()->set_visibility(v1::VISIBILITY_SHARED);
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
  goal.mutable_goal()->set_period(v1::GOAL_PERIOD_WEEK);
  goal.mutable_goal()->set_periods(4);
  goal.mutable_goal()->set_time_zone("UTC");
  goal.mutable_goal()->set_visibility(v1::VISIBILITY_SHARED);
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

// `attune checkin` replaces a day's check-in only when told (--replace;
// without a terminal it cannot ask, so it refuses and stores nothing), and
// `attune checkin show` says the check-in was changed, on both devices. The
// CLI calls the partner by name: the check-in's heading, the rating
// question's "saved and shared with", the journal's "Alex's".
// The short form of an invite, "attune pair join XXXX-XXXX-XXXX-XXXX-XXXX
// --at HOST:PORT" as `pair invite` prints it, read aloud: typed in lower
// case with spaces it pairs, and both sides see the same safety number.
// Without an address it says what is missing and dials nothing.
std::pair<std::string, std::string> ShortInviteOf(const CliResult& invite) {
  const std::string marker = "attune pair join ";  // the last one: "<code>" comes first
  auto start = invite.out.rfind(marker);
  if (start == std::string::npos) return {};
  start += marker.size();
  auto end = invite.out.find(" --at ", start);
  if (end == std::string::npos) return {};
  auto at_end = invite.out.find_first_of(" \n", end + 6);
  return {invite.out.substr(start, end - start), invite.out.substr(end + 6, at_end - end - 6)};
}

TEST_F(SyncTest, AShortCodeReadAloudPairsWithTheAddressTypedBeside) {
  CliResult invite = RunCli(alex_, {"pair", "invite", "--no-qr"});
  ASSERT_EQ(invite.exit_code, 0) << invite.out;
  auto [short_code, address] = ShortInviteOf(invite);
  ASSERT_EQ(short_code.size(), 24u) << invite.out;
  ASSERT_FALSE(address.empty()) << invite.out;

  CliResult no_address = RunCli(sam_, {"pair", "join", short_code});
  EXPECT_NE(no_address.exit_code, 0);
  EXPECT_THAT(no_address.out, HasSubstr("needs the inviter's address"));

  std::string spoken;  // "7k3m 9qx2 …": how it is typed from hearing it
  for (char c : short_code) {
    spoken.push_back(c == '-' ? ' '
                              : static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  CliResult joined = RunCli(sam_, {"pair", "join", spoken, "--at", address});
  ASSERT_EQ(joined.exit_code, 0) << joined.out;
  EXPECT_THAT(joined.out, HasSubstr("Paired with Alex"));
  CliResult alex_number = RunCli(alex_, {"pair", "verify"});
  CliResult sam_number = RunCli(sam_, {"pair", "verify"});
  ASSERT_EQ(alex_number.exit_code, 0) << alex_number.out;
  ASSERT_EQ(sam_number.exit_code, 0) << sam_number.out;
  auto digits = [](const std::string& out) { return out.substr(out.find(":\n") + 2); };
  EXPECT_EQ(digits(alex_number.out), digits(sam_number.out));
  // Once used, it is spent.
  DaemonHarness kim;
  ASSERT_TRUE(StartPeer(kim, "Kim"));
  CliResult again = RunCli(kim, {"pair", "join", short_code, "--at", address});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_THAT(again.out, HasSubstr("the short code does not match an open invite"));
}

// A short code names no device key, so the address decides who answers. Sam
// types Alex's code with Mallory's address: Sam's daemon refuses Mallory's
// certificate in the TLS handshake and sends nothing (Mallory's log shows no
// pairing request); Alex's invite is untouched and pairs at Alex's address.
TEST_F(SyncTest, AShortCodeSendsNothingToADeviceItDoesNotPin) {
  DaemonHarness mallory;
  ASSERT_TRUE(StartPeer(mallory, "Mallory"));
  CliResult mallory_invite = RunCli(mallory, {"pair", "invite", "--no-qr"});
  ASSERT_EQ(mallory_invite.exit_code, 0) << mallory_invite.out;
  const std::string mallory_address = ShortInviteOf(mallory_invite).second;
  ASSERT_FALSE(mallory_address.empty()) << mallory_invite.out;

  CliResult invite = RunCli(alex_, {"pair", "invite", "--no-qr"});
  ASSERT_EQ(invite.exit_code, 0) << invite.out;
  auto [short_code, address] = ShortInviteOf(invite);
  ASSERT_FALSE(short_code.empty()) << invite.out;

  CliResult wrong = RunCli(sam_, {"pair", "join", short_code, "--at", mallory_address});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_THAT(wrong.out, HasSubstr("is not the one that made this code"));
  EXPECT_THAT(wrong.out, HasSubstr("nothing of the code was sent"));
  EXPECT_THAT(mallory.StderrSinceStart(), Not(HasSubstr("pairing refused")));
  EXPECT_THAT(mallory.StderrSinceStart(), Not(HasSubstr("paired with")));
  CliResult mallory_members = RunCli(mallory, {"members"});
  EXPECT_THAT(mallory_members.out, Not(HasSubstr("Sam")));

  CliResult joined = RunCli(sam_, {"pair", "join", short_code, "--at", address});
  ASSERT_EQ(joined.exit_code, 0) << joined.out;
  EXPECT_THAT(joined.out, HasSubstr("Paired with Alex"));
}

TEST_F(SyncTest, ACheckInIsReplacedOnlyWhenAskedAndThePartnerIsCalledByName) {
  Pair();
  const std::string day = AddDays(UtcToday(), -1);
  auto check_in = [&](DaemonHarness& d, const std::string& high,
                      const std::vector<std::string>& more) {
    std::vector<std::string> args = {"checkin", "--day", day,     "--tz",     "UTC", "--high",
                                     high,      "--low", "a low", "--rating", "4",   "--shared"};
    args.insert(args.end(), more.begin(), more.end());
    return RunCli(d, args);
  };
  CliResult first = check_in(alex_, "Alex: first words", {});
  ASSERT_EQ(first.exit_code, 0) << first.out;
  EXPECT_THAT(first.out, HasSubstr("Saved and shared with Sam."));
  v1::VaultStatus before, after;
  ASSERT_OK(alex_.GetStatus(&before));

  CliResult unasked = check_in(alex_, "Alex: second thoughts", {});
  EXPECT_EQ(unasked.exit_code, 1) << unasked.out;
  EXPECT_THAT(unasked.out, HasSubstr("you have checked in for " + day + " already"));
  EXPECT_THAT(unasked.out, HasSubstr("no terminal"));
  EXPECT_THAT(unasked.out, HasSubstr("pass --replace"));
  ASSERT_OK(alex_.GetStatus(&after));
  EXPECT_EQ(after.op_count(), before.op_count()) << "nothing was stored";
  ASSERT_EQ(ListAllCheckIns(alex_).size(), 1u);
  EXPECT_EQ(ListAllCheckIns(alex_)[0].high(), "Alex: first words");
  CliResult unchanged = RunCli(alex_, {"checkin", "show", day});
  ASSERT_EQ(unchanged.exit_code, 0) << unchanged.out;
  EXPECT_THAT(unchanged.out, Not(HasSubstr("(changed")));

  CliResult replaced = check_in(alex_, "Alex: second thoughts", {"--replace"});
  ASSERT_EQ(replaced.exit_code, 0) << replaced.out;
  EXPECT_THAT(replaced.out, HasSubstr("Replaced your check-in, shared with Sam."));
  ASSERT_EQ(ListAllCheckIns(alex_).size(), 1u);
  EXPECT_EQ(ListAllCheckIns(alex_)[0].high(), "Alex: second thoughts");
  CliResult shown = RunCli(alex_, {"checkin", "show", day});
  ASSERT_EQ(shown.exit_code, 0) << shown.out;
  EXPECT_THAT(shown.out, HasSubstr("(changed"));
  EXPECT_THAT(shown.out, HasSubstr("Alex: second thoughts"));

  // Sam's device: Sam's own check-in first, then Alex's under Alex's name,
  // marked as changed.
  CliResult sams = check_in(sam_, "Sam: a quiet day", {});
  ASSERT_EQ(sams.exit_code, 0) << sams.out;
  EXPECT_THAT(sams.out, HasSubstr("Saved and shared with Alex."));
  ASSERT_TRUE(Await([&] {
    for (const auto& c : ListAllCheckIns(sam_)) {
      if (c.high() == "Alex: second thoughts") return true;
    }
    return false;
  }));
  CliResult on_sam = RunCli(sam_, {"checkin", "show", day});
  ASSERT_EQ(on_sam.exit_code, 0) << on_sam.out;
  EXPECT_THAT(on_sam.out, HasSubstr("Alex"));
  EXPECT_THAT(on_sam.out, Not(HasSubstr("partner")));
  EXPECT_THAT(on_sam.out, HasSubstr("(changed"));
  EXPECT_LT(on_sam.out.find("Sam: a quiet day"), on_sam.out.find("Alex: second thoughts"));
  CliResult listed = RunCli(sam_, {"checkin", "list", "--from", day, "--to", day});
  ASSERT_EQ(listed.exit_code, 0) << listed.out;
  EXPECT_THAT(listed.out, Not(HasSubstr("partner")));

  // A journal entry Alex shares is "Alex's" on Sam's device.
  v1::CreateJournalEntryRequest shared;
  shared.mutable_journal_entry()->set_title("For both of us");
  shared.mutable_journal_entry()->set_body("what I noticed this week");
  shared.mutable_journal_entry()->set_visibility(v1::VISIBILITY_SHARED);
  v1::JournalEntry entry;
  ASSERT_OK(alex_.journal().CreateJournalEntry(DaemonHarness::Context().get(), shared, &entry));
  ASSERT_TRUE(Await([&] { return ListAllJournalEntries(sam_).size() == 1; }));
  CliResult journal = RunCli(sam_, {"journal", "list"});
  ASSERT_EQ(journal.exit_code, 0) << journal.out;
  EXPECT_THAT(journal.out, HasSubstr("Alex's"));
  CliResult one = RunCli(sam_, {"journal", "show", entry.name()});
  ASSERT_EQ(one.exit_code, 0) << one.out;
  EXPECT_THAT(one.out, HasSubstr("shared by Alex"));
}

// A check-in or goal made with the CLI where the person chose neither
// --shared nor --private (no terminal to ask on) stays on its author's
// device: what nobody chose is private.
TEST_F(SyncTest, ACheckInOrGoalNobodyChoseToShareStaysWithItsAuthor) {
  Pair();
  const std::string day = AddDays(UtcToday(), -1);
  CliResult check_in = RunCli(alex_, {"checkin", "--day", day, "--tz", "UTC", "--high",
                                      "unchosen high", "--low", "unchosen low", "--rating", "3"});
  ASSERT_EQ(check_in.exit_code, 0) << check_in.out;
  EXPECT_THAT(check_in.out, HasSubstr("Saved, private to you."));
  CliResult goal = RunCli(
      alex_, {"goal", "add", "Walk together", "--times", "2", "--per", "week", "--for", "4"});
  ASSERT_EQ(goal.exit_code, 0) << goal.out;
  EXPECT_THAT(goal.out, HasSubstr("private"));
  CliResult both = RunCli(alex_, {"goal", "add", "Both", "--times", "2", "--per", "week", "--for",
                                  "4", "--shared", "--private"});
  EXPECT_EQ(both.exit_code, 2) << both.out;
  EXPECT_THAT(both.out, HasSubstr("--shared or --private, not both"));

  // A shared entry written after them: once Sam holds it, Sam holds
  // everything of Alex's that Sam will ever get.
  v1::CreateJournalEntryRequest create;
  create.mutable_journal_entry()->set_body("the marker");
  create.mutable_journal_entry()->set_visibility(v1::VISIBILITY_SHARED);
  v1::JournalEntry marker;
  ASSERT_OK(alex_.journal().CreateJournalEntry(DaemonHarness::Context().get(), create, &marker));
  ASSERT_TRUE(Await([&] { return ListAllJournalEntries(sam_).size() == 1; }));
  EXPECT_TRUE(CheckInDigest(sam_).empty());
  EXPECT_TRUE(ListAllGoals(sam_, true).empty());
  ASSERT_EQ(ListAllGoals(alex_, true).size(), 1u);
  EXPECT_EQ(ListAllGoals(alex_, true)[0].visibility(), v1::VISIBILITY_PRIVATE);
}

TEST_F(SyncTest, AnEntryMadePrivateAgainDisappearsFromThePartner) {
  Pair();
  v1::CreateJournalEntryRequest create;
  create.mutable_journal_entry()->set_body("shared for a while");
  create.mutable_journal_entry()->set_visibility(v1::VISIBILITY_SHARED);
  v1::JournalEntry entry;
  ASSERT_OK(alex_.journal().CreateJournalEntry(DaemonHarness::Context().get(), create, &entry));
  ASSERT_TRUE(Await([&] { return ListAllJournalEntries(sam_).size() == 1; }));

  v1::UpdateJournalEntryRequest update;
  *update.mutable_journal_entry() = entry;
  update.mutable_journal_entry()->set_visibility(v1::VISIBILITY_PRIVATE);
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

// Sam sees Alex's shared entry, check-in and goal, and can change none of
// them: each refusal names whose it is. Sam logs progress on the shared goal
// (a record of Sam's own), and Alex sees it.
TEST_F(SyncTest, OnlyTheAuthorChangesOrDeletesWhatTheyWrote) {
  Pair();
  v1::CreateJournalEntryRequest create;
  create.mutable_journal_entry()->set_body("Alex's words");
  create.mutable_journal_entry()->set_visibility(v1::VISIBILITY_SHARED);
  v1::JournalEntry entry;
  ASSERT_OK(alex_.journal().CreateJournalEntry(DaemonHarness::Context().get(), create, &entry));
  ASSERT_OK(WriteCheckIn(alex_, UtcToday(), "Alex's high"));
  v1::CreateGoalRequest goal_request;
  goal_request.mutable_goal()->set_title("Listen twice a week");
  goal_request.mutable_goal()->set_target_per_period(2);
  goal_request.mutable_goal()->set_period(v1::GOAL_PERIOD_WEEK);
  goal_request.mutable_goal()->set_periods(4);
  goal_request.mutable_goal()->set_visibility(v1::VISIBILITY_SHARED);
  v1::Goal goal;
  ASSERT_OK(alex_.goals().CreateGoal(DaemonHarness::Context().get(), goal_request, &goal));
  ASSERT_TRUE(Await([&] {
    return ListAllJournalEntries(sam_).size() == 1 && ListAllCheckIns(sam_).size() == 1;
  }));
  v1::CheckIn check_in = ListAllCheckIns(sam_)[0];
  v1::GetGoalRequest get_goal;
  get_goal.set_name(goal.name());
  v1::Goal sams_view;
  ASSERT_TRUE(Await([&] {
    return sam_.goals().GetGoal(DaemonHarness::Context().get(), get_goal, &sams_view).ok();
  }));

  auto refused = [](const grpc::Status& s, const std::string& noun) {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
    EXPECT_EQ(s.error_message(), "this " + noun + " is Alex's; only Alex can change it");
  };
  v1::UpdateJournalEntryRequest edit;
  *edit.mutable_journal_entry() = entry;
  edit.mutable_journal_entry()->set_body("Sam's words in Alex's entry");
  edit.mutable_update_mask()->add_paths("body");
  v1::JournalEntry out;
  refused(sam_.journal().UpdateJournalEntry(DaemonHarness::Context().get(), edit, &out), "entry");
  v1::DeleteJournalEntryRequest rm;
  rm.set_name(entry.name());
  google::protobuf::Empty empty;
  refused(sam_.journal().DeleteJournalEntry(DaemonHarness::Context().get(), rm, &empty), "entry");
  v1::DeleteCheckInRequest rm_check_in;
  rm_check_in.set_name(check_in.name());
  refused(sam_.checkins().DeleteCheckIn(DaemonHarness::Context().get(), rm_check_in, &empty),
          "check-in");
  v1::UpdateCheckInRequest edit_check_in;
  *edit_check_in.mutable_check_in() = check_in;
  edit_check_in.mutable_check_in()->set_high("Sam's high");
  edit_check_in.mutable_update_mask()->add_paths("high");
  v1::CheckIn check_in_out;
  refused(
      sam_.checkins().UpdateCheckIn(DaemonHarness::Context().get(), edit_check_in, &check_in_out),
      "check-in");
  v1::ArchiveGoalRequest archive;
  archive.set_name(goal.name());
  v1::Goal goal_out;
  refused(sam_.goals().ArchiveGoal(DaemonHarness::Context().get(), archive, &goal_out), "goal");
  v1::DeleteGoalRequest rm_goal;
  rm_goal.set_name(goal.name());
  refused(sam_.goals().DeleteGoal(DaemonHarness::Context().get(), rm_goal, &empty), "goal");

  // The command line says whose it is, and asks the author even without a
  // terminal (nothing typed: nothing deleted).
  CliResult sam_rm = RunCli(sam_, {"journal", "rm", entry.name()});
  EXPECT_NE(sam_rm.exit_code, 0);
  EXPECT_THAT(sam_rm.out, HasSubstr("this entry is Alex's; only Alex can change it"));
  // Global flags before the command are no command (nor their values).
  CliResult listed = RunCli(alex_, {"--json", "journal", "list"});
  EXPECT_EQ(listed.exit_code, 0) << listed.out;
  EXPECT_THAT(listed.out, HasSubstr("Alex's words"));
  CliResult unanswered = RunCli(alex_, {"journal", "rm", entry.name()});
  EXPECT_NE(unanswered.exit_code, 0);
  EXPECT_THAT(unanswered.out, HasSubstr("Delete your entry"));
  EXPECT_THAT(unanswered.out, HasSubstr("nothing was deleted"));

  v1::LogProgressRequest log;
  log.set_parent(goal.name());
  v1::GoalProgress progress;
  ASSERT_OK(sam_.goals().LogProgress(DaemonHarness::Context().get(), log, &progress));

  // Alex's device holds everything as Alex wrote it, and Sam's progress.
  v1::GetGoalStatusRequest status_request;
  status_request.set_name(goal.name());
  v1::GoalStatus status;
  ASSERT_TRUE(Await([&] {
    return alex_.goals()
               .GetGoalStatus(DaemonHarness::Context().get(), status_request, &status)
               .ok() &&
           status.periods_size() > 0 && status.periods(0).count() == 1;
  })) << status.DebugString();
  ASSERT_EQ(ListAllJournalEntries(alex_).size(), 1u);
  EXPECT_EQ(ListAllJournalEntries(alex_)[0].body(), "Alex's words");
  ASSERT_EQ(ListAllCheckIns(alex_).size(), 1u);
  EXPECT_EQ(ListAllCheckIns(alex_)[0].high(), "Alex's high");
}

// A shared goal makes sense to both (issue 12.4): it names only an exercise
// an installed plugin offers; its status shows each person's part of the
// week by name; each undoes only their own progress (and the undo reaches
// the partner); only Alex, its author, edits or deletes it, and the command
// line asks before it deletes.
TEST_F(SyncTest, ASharedGoalShowsEachPersonsPartAndOnlyItsAuthorsChangeIt) {
  Pair();
  CliResult unknown = RunCli(alex_, {"goal", "add", "Listen", "--times", "7", "--per", "week",
                                     "--for", "4", "--exercise", "reflective-listenin"});
  EXPECT_NE(unknown.exit_code, 0) << unknown.out;
  EXPECT_THAT(unknown.out, HasSubstr("no installed plugin offers \"reflective-listenin\""));
  EXPECT_THAT(unknown.out, HasSubstr("reflective-listening"));  // among those installed
  EXPECT_TRUE(ListAllGoals(alex_, true).empty());

  v1::CreateGoalRequest create;
  create.mutable_goal()->set_title("Listen every day");
  create.mutable_goal()->set_exercise("reflective-listening");
  create.mutable_goal()->set_target_per_period(7);
  create.mutable_goal()->set_period(v1::GOAL_PERIOD_WEEK);
  create.mutable_goal()->set_periods(4);
  create.mutable_goal()->set_time_zone("UTC");
  create.mutable_goal()->set_visibility(v1::VISIBILITY_SHARED);
  v1::Goal goal;
  ASSERT_OK(alex_.goals().CreateGoal(DaemonHarness::Context().get(), create, &goal));
  const std::string id = goal.name().substr(std::string("goals/").size());
  v1::GetGoalRequest get;
  get.set_name(goal.name());
  v1::Goal sams_view;
  ASSERT_TRUE(Await(
      [&] { return sam_.goals().GetGoal(DaemonHarness::Context().get(), get, &sams_view).ok(); }));

  auto log = [&](DaemonHarness& d, const std::string& note) {
    v1::LogProgressRequest r;
    r.set_parent(goal.name());
    r.mutable_progress()->set_note(note);
    v1::GoalProgress p;
    EXPECT_OK(d.goals().LogProgress(DaemonHarness::Context().get(), r, &p));
    return p;
  };
  v1::GoalProgress alexs = log(alex_, "Alex once");
  log(alex_, "Alex twice");
  log(alex_, "Alex thrice");
  log(sam_, "Sam once");
  log(sam_, "Sam twice");

  auto parts = [&](DaemonHarness& d) {
    v1::GetGoalStatusRequest r;
    r.set_name(goal.name());
    v1::GoalStatus st;
    std::string out;
    if (!d.goals().GetGoalStatus(DaemonHarness::Context().get(), r, &st).ok()) return out;
    for (const auto& c : st.contributions()) {
      out += (out.empty() ? "" : ", ") + c.display_name() + " " + std::to_string(c.count());
    }
    return out;
  };
  ASSERT_TRUE(Await([&] { return parts(alex_) == "Alex 3, Sam 2"; })) << parts(alex_);
  ASSERT_TRUE(Await([&] { return parts(sam_) == "Alex 3, Sam 2"; })) << parts(sam_);
  CliResult status = RunCli(alex_, {"goal", "status", id});
  EXPECT_EQ(status.exit_code, 0) << status.out;
  EXPECT_THAT(status.out, HasSubstr("Alex 3, Sam 2 of 7")) << status.out;

  // Undo: Sam's latest goes, on both devices; Alex's is not Sam's to undo.
  CliResult undone = RunCli(sam_, {"goal", "undo", id});
  EXPECT_EQ(undone.exit_code, 0) << undone.out;
  EXPECT_THAT(undone.out, HasSubstr("Undid your progress of"));
  EXPECT_THAT(undone.out, HasSubstr("Sam twice"));
  EXPECT_TRUE(Await([&] { return parts(sam_) == "Alex 3, Sam 1"; })) << parts(sam_);
  EXPECT_TRUE(Await([&] { return parts(alex_) == "Alex 3, Sam 1"; })) << parts(alex_);
  v1::UndoProgressRequest undo_alexs;
  undo_alexs.set_parent(goal.name());
  undo_alexs.set_name(alexs.name());
  v1::GoalProgress out;
  grpc::Status refused =
      sam_.goals().UndoProgress(DaemonHarness::Context().get(), undo_alexs, &out);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED) << refused.error_message();
  EXPECT_EQ(refused.error_message(), "this progress is Alex's; only Alex can change it");
  ASSERT_OK(alex_.goals().UndoProgress(DaemonHarness::Context().get(), undo_alexs, &out));
  EXPECT_EQ(out.note(), "Alex once");
  EXPECT_TRUE(Await([&] { return parts(sam_) == "Alex 2, Sam 1"; })) << parts(sam_);

  // Edits and deletes: Alex's alone.
  CliResult sam_edit = RunCli(sam_, {"goal", "edit", id, "--title", "Sam's title"});
  EXPECT_NE(sam_edit.exit_code, 0);
  EXPECT_THAT(sam_edit.out, HasSubstr("this goal is Alex's; only Alex can change it"));
  CliResult sam_rm = RunCli(sam_, {"goal", "rm", id, "--yes"});
  EXPECT_NE(sam_rm.exit_code, 0);
  EXPECT_THAT(sam_rm.out, HasSubstr("this goal is Alex's; only Alex can change it"));
  CliResult bad_exercise = RunCli(alex_, {"goal", "edit", id, "--exercise", "no-such-thing"});
  EXPECT_NE(bad_exercise.exit_code, 0);
  EXPECT_THAT(bad_exercise.out, HasSubstr("no installed plugin offers \"no-such-thing\""));
  CliResult edited = RunCli(alex_, {"goal", "edit", id, "--times", "5", "--per", "month"});
  EXPECT_EQ(edited.exit_code, 0) << edited.out;
  EXPECT_THAT(edited.out, HasSubstr("5 per month for 4 months"));
  EXPECT_TRUE(Await([&] {
    return sam_.goals().GetGoal(DaemonHarness::Context().get(), get, &sams_view).ok() &&
           sams_view.target_per_period() == 5 && sams_view.period() == v1::GOAL_PERIOD_MONTH;
  })) << sams_view.DebugString();
  CliResult monthly = RunCli(sam_, {"goal", "status", id});
  EXPECT_THAT(monthly.out, HasSubstr("Alex 2, Sam 1 of 5")) << monthly.out;

  CliResult unanswered = RunCli(alex_, {"goal", "rm", id});
  EXPECT_NE(unanswered.exit_code, 0);
  EXPECT_THAT(unanswered.out, HasSubstr("nothing was deleted (pass --yes to delete it)"));
  EXPECT_EQ(ListAllGoals(alex_, true).size(), 1u);
  CliResult removed = RunCli(alex_, {"goal", "rm", id, "--yes"});
  EXPECT_EQ(removed.exit_code, 0) << removed.out;
  EXPECT_THAT(removed.out, HasSubstr("Deleted goal"));
  EXPECT_TRUE(Await([&] {
    return sam_.goals().GetGoal(DaemonHarness::Context().get(), get, &sams_view).error_code() ==
           grpc::StatusCode::NOT_FOUND;
  }));
}

// Puts back the copy of `d`'s data folder taken earlier into `backup`.
void PutBack(DaemonHarness& d, const std::string& backup) {
  std::filesystem::remove_all(d.data_dir());
  std::filesystem::copy(backup, d.data_dir(), std::filesystem::copy_options::recursive);
}

// The only backup people have today: a copy of the data folder, put back
// after more was written. The device takes its own later ops back from the
// partner before it writes again, so it never numbers two ops alike, and
// nothing acknowledged is lost, on either device.
TEST_F(SyncTest, ADataFolderPutBackFromACopyTakesItsOwnOpsBackBeforeWriting) {
  const std::string backup = CopyThenWriteMore(2);
  ASSERT_FALSE(HasFailure());

  PutBack(alex_, backup);
  ASSERT_TRUE(alex_.Restart({"--peer-listen", "127.0.0.1:0"}));
  ASSERT_OK(alex_.Unlock("correct horse battery"));
  // Once it has met Sam (a write before that, with nobody to ask, would be
  // the fork of the next test), a write either waits for the catch-up
  // (refused, saying why) or comes after it; it never reuses a seq.
  ASSERT_TRUE(Await([&] {
    auto status = SyncStatusOf(alex_);
    return status.peers_size() == 1 && status.peers(0).online();
  }));
  grpc::Status written;
  ASSERT_TRUE(Await([&] {
    written = WriteCheckIn(alex_, UtcToday(), "after the put-back");
    if (!written.ok()) {
      EXPECT_EQ(written.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
      EXPECT_THAT(written.error_message(), HasSubstr("older than what its partners hold"));
    }
    return written.ok();
  })) << written.error_message();
  ASSERT_TRUE(Await([&] { return CheckInDigest(alex_) == CheckInDigest(sam_); }))
      << ::testing::PrintToString(CheckInDigest(alex_));
  EXPECT_EQ(CheckInDigest(alex_).size(), 4u) << ::testing::PrintToString(CheckInDigest(alex_));
  EXPECT_EQ(SyncStatusOf(alex_).write_block(), "");
  // It paused on Sam's proof (Alex's own signed op), not on a bare number.
  EXPECT_THAT(alex_.StderrSinceStart(), HasSubstr("older than what its partners hold"));
  // Rebuilt from the log, Alex's device still holds all four.
  ASSERT_EQ(alex_.Stop(), 0);
  ASSERT_TRUE(alex_.Restart({"--peer-listen", "127.0.0.1:0", "--rebuild-views"}));
  ASSERT_OK(alex_.Unlock("correct horse battery"));
  EXPECT_EQ(CheckInDigest(alex_).size(), 4u);
  std::filesystem::remove_all(backup);
}

// Put back and written to before it met the partner again (offline): the
// device wrote seqs it had used already. Neither side carries on silently:
// both name the fork, and neither takes the other's conflicting ops.
TEST_F(SyncTest, ADeviceThatWroteASeqTwiceIsNamedAsAForkOnBothSides) {
  const std::string backup = CopyThenWriteMore(1);
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(sam_.Stop(), 0);

  PutBack(alex_, backup);
  ASSERT_TRUE(alex_.Restart({"--peer-listen", "127.0.0.1:0"}));
  ASSERT_OK(alex_.Unlock("correct horse battery"));
  ASSERT_OK(WriteCheckIn(alex_, AddDays(UtcToday(), -1), "a different op, same seq"));
  ASSERT_TRUE(sam_.Restart({"--peer-listen", "127.0.0.1:0"}));
  ASSERT_OK(sam_.Unlock("correct horse battery"));
  for (DaemonHarness* d : {&alex_, &sam_}) {
    std::string error;
    EXPECT_TRUE(Await([&] {
      auto status = SyncStatusOf(*d);
      error = status.peers_size() == 1 ? status.peers(0).last_error() : "";
      return error.find("wrote two different ops under seq") != std::string::npos;
    })) << error;
  }
  // The side that found it logs it (the other learns it from the refusal).
  EXPECT_THAT(alex_.StderrSinceStart() + sam_.StderrSinceStart(), HasSubstr("fork: device"));
  EXPECT_EQ(CheckInDigest(sam_).size(), 2u);
  EXPECT_EQ(CheckInDigest(alex_).size(), 2u);
  CliResult shown = RunCli(sam_, {"sync", "status"});
  EXPECT_THAT(shown.out, HasSubstr("wrote two different ops under seq"));
  std::filesystem::remove_all(backup);
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

// A partner's burst (a bulk import and many single writes at once) reaches
// Sam as large batches and many small ones, which Sam's sync takes in as
// background work: Sam's own writes and reads are served meanwhile, and in
// the end both hold every entry of both.
TEST_F(SyncTest, WhileAPartnersBurstComesInTheOwnerIsServedAndNothingIsLost) {
  Pair();
  std::set<std::string> expected;
  std::vector<v1::BatchCreateJournalEntriesRequest> bulk(2);
  for (size_t b = 0; b < bulk.size(); ++b) {
    for (int i = 0; i < 500; ++i) {
      v1::JournalEntry* e = bulk[b].add_requests()->mutable_journal_entry();
      e->set_title("imported");
      e->set_body("Alex, imported " + std::to_string(b) + "/" + std::to_string(i));
      e->set_visibility(v1::VISIBILITY_SHARED);
      expected.insert(e->body());
    }
  }
  constexpr int kWriters = 4, kEach = 50;
  for (int w = 0; w < kWriters; ++w) {
    for (int i = 0; i < kEach; ++i) {
      expected.insert("Alex, one at a time " + std::to_string(w) + "/" + std::to_string(i));
    }
  }

  std::atomic<int> alex_failed{0};
  std::vector<std::thread> alex;
  for (size_t b = 0; b < bulk.size(); ++b) {
    alex.emplace_back([&, b] {
      v1::BatchCreateJournalEntriesResponse out;
      grpc::Status s = alex_.journal().BatchCreateJournalEntries(
          DaemonHarness::Context(std::chrono::seconds(60)).get(), bulk[b], &out);
      if (!s.ok()) ++alex_failed;
    });
  }
  for (int w = 0; w < kWriters; ++w) {
    alex.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        if (!WriteJournal(alex_,
                          "Alex, one at a time " + std::to_string(w) + "/" + std::to_string(i))
                 .ok()) {
          ++alex_failed;
        }
      }
    });
  }
  // Meanwhile Sam writes and reads, each call with the harness's usual
  // deadline (checked once Alex's threads are joined), at least until Sam
  // has taken in 600 of Alex's ops.
  const uint64_t sam_held = SyncStatusOf(sam_).shared_ops();
  std::vector<grpc::Status> sam_calls;
  for (int i = 0; i < 20 || (i < 500 && SyncStatusOf(sam_).shared_ops() < sam_held + 600 + i);
       ++i) {
    const std::string body = "Sam, during the burst " + std::to_string(i);
    sam_calls.push_back(WriteJournal(sam_, body));
    expected.insert(body);
    v1::ListJournalEntriesRequest list;
    list.set_page_size(5);
    v1::ListJournalEntriesResponse page;
    sam_calls.push_back(
        sam_.journal().ListJournalEntries(DaemonHarness::Context().get(), list, &page));
  }
  for (auto& t : alex) t.join();
  for (const grpc::Status& s : sam_calls) ASSERT_OK(s);
  ASSERT_EQ(alex_failed.load(), 0);

  // Listing every entry is slow: only once both hold as many ops.
  ASSERT_TRUE(Await(
      [&] {
        return SyncStatusOf(sam_).shared_ops() == SyncStatusOf(alex_).shared_ops() &&
               JournalBodies(sam_) == expected && JournalBodies(alex_) == expected;
      },
      std::chrono::seconds(180)))
      << "Sam holds " << JournalBodies(sam_).size() << ", Alex " << JournalBodies(alex_).size()
      << " of " << expected.size();
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
  // Two check-ins and each person's settings (reveal together off).
  EXPECT_THAT(json.out, HasSubstr("\"recordCount\": \"4\""));

  // A private entry stays out of it; a shared one changes it on both.
  v1::CreateJournalEntryRequest kept;
  kept.mutable_journal_entry()->set_body("just for me");
  v1::JournalEntry out;
  ASSERT_OK(alex_.journal().CreateJournalEntry(DaemonHarness::Context().get(), kept, &out));
  EXPECT_EQ(digest(alex_), in_sync);
  v1::CreateJournalEntryRequest shared = kept;
  shared.mutable_journal_entry()->set_visibility(v1::VISIBILITY_SHARED);
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
