// What survives a crash, what reaches the disk, and whether the views rebuilt
// from the op log say what the views said before.
#include <gmock/gmock.h>
#include <google/protobuf/empty.pb.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/civil_time.h"
#include "api_helpers.h"
#include "daemon_harness.h"

namespace attune::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr char kPassphrase[] = "durable passphrase 42";

class DurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(d_.Start());
    ASSERT_OK(d_.InitVault(kPassphrase));
  }

  grpc::Status CreateJournal(const std::string& title, const std::string& body,
                             v1::JournalEntry* out) {
    v1::CreateJournalEntryRequest req;
    req.mutable_journal_entry()->set_title(title);
    req.mutable_journal_entry()->set_body(body);
    return d_.journal().CreateJournalEntry(DaemonHarness::Context().get(), req, out);
  }

  grpc::Status CreateCheckIn(const std::string& day, const std::string& high,
                             const std::string& low, const std::string& note, v1::CheckIn* out,
                             bool replace = false) {
    v1::CreateCheckInRequest req;
    req.set_replace(replace);
    v1::CheckIn* c = req.mutable_check_in();
    c->set_day(day);
    c->set_time_zone("UTC");
    c->set_high(high);
    c->set_low(low);
    c->set_note(note);
    c->set_connection_rating(3);
    return d_.checkins().CreateCheckIn(DaemonHarness::Context().get(), req, out);
  }

  grpc::Status CreateGoal(const std::string& title, const std::string& start_day, v1::Goal* out) {
    v1::CreateGoalRequest req;
    v1::Goal* g = req.mutable_goal();
    g->set_title(title);
    g->set_target_per_period(2);
    g->set_period(v1::GOAL_PERIOD_WEEK);
    g->set_periods(4);
    g->set_start_day(start_day);
    g->set_time_zone("UTC");
    return d_.goals().CreateGoal(DaemonHarness::Context().get(), req, out);
  }

  grpc::Status LogProgress(const std::string& goal, const std::string& day,
                           const std::string& note) {
    v1::LogProgressRequest req;
    req.set_parent(goal);
    req.mutable_progress()->set_day(day);
    req.mutable_progress()->set_note(note);
    v1::GoalProgress out;
    return d_.goals().LogProgress(DaemonHarness::Context().get(), req, &out);
  }

  DaemonHarness d_;
};

TEST_F(DurabilityTest, AcknowledgedWritesSurviveSigkill) {
  v1::JournalEntry entry;
  ASSERT_OK(
      CreateJournal("written just before the crash", "an acknowledged write is on disk", &entry));
  v1::CheckIn check_in;
  ASSERT_OK(CreateCheckIn("2025-05-05", "high before the crash", "low before the crash",
                          "note before the crash", &check_in));
  d_.Kill();

  ASSERT_TRUE(d_.Start());
  ASSERT_OK(d_.Unlock(kPassphrase));
  v1::GetJournalEntryRequest jreq;
  jreq.set_name(entry.name());
  v1::JournalEntry got_entry;
  ASSERT_OK(d_.journal().GetJournalEntry(DaemonHarness::Context().get(), jreq, &got_entry));
  EXPECT_TRUE(ProtoEqual(got_entry, entry));
  v1::GetCheckInRequest creq;
  creq.set_name(check_in.name());
  v1::CheckIn got_check_in;
  ASSERT_OK(d_.checkins().GetCheckIn(DaemonHarness::Context().get(), creq, &got_check_in));
  EXPECT_TRUE(ProtoEqual(got_check_in, check_in));
}

TEST_F(DurabilityTest, WritesUnderWayWhenStoppedAreAnsweredAndEveryAcknowledgedOneKept) {
  // Eight clients write journal entries and check-ins (some replacing the
  // day's check-in) as fast as they are answered; attuned is stopped in the
  // middle. It exits cleanly, every call gets an answer, and every write
  // it acknowledged is there after the restart, exactly as acknowledged.
  constexpr int kClients = 8;
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::mutex mu;
  std::vector<v1::JournalEntry> entries;
  std::map<std::string, v1::CheckIn> check_ins;  // by name: a replace overwrites
  std::vector<std::string> unexpected;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      // Stubs of its own: Stop() drops the harness's.
      auto journal = v1::JournalService::NewStub(d_.channel());
      auto checkins = v1::CheckInService::NewStub(d_.channel());
      for (int i = 0; !stop.load(); ++i) {
        grpc::Status s;
        if (c == 0) {
          v1::CreateCheckInRequest req;
          req.set_replace(i % 2 == 1);  // each day twice: written, then replaced
          v1::CheckIn* in = req.mutable_check_in();
          in->set_day(absl::FormatCivilTime(absl::CivilDay(2024, 1, 1) + i / 2));
          in->set_time_zone("UTC");
          in->set_connection_rating(4);
          in->set_high("high " + std::to_string(i));
          in->set_low("low " + std::to_string(i));
          v1::CheckIn out;
          s = checkins->CreateCheckIn(DaemonHarness::Context().get(), req, &out);
          std::lock_guard lock(mu);
          if (s.ok()) check_ins[out.name()] = out;
        } else {
          v1::CreateJournalEntryRequest req;
          req.mutable_journal_entry()->set_title("client " + std::to_string(c));
          req.mutable_journal_entry()->set_body("entry " + std::to_string(i));
          v1::JournalEntry out;
          s = journal->CreateJournalEntry(DaemonHarness::Context().get(), req, &out);
          std::lock_guard lock(mu);
          if (s.ok()) entries.push_back(out);
        }
        if (s.ok()) {
          ++acknowledged;
        } else if (s.error_code() != grpc::StatusCode::UNAVAILABLE &&
                   s.error_code() != grpc::StatusCode::CANCELLED) {
          std::lock_guard lock(mu);
          unexpected.push_back(Describe(s));
        } else {
          break;  // attuned is stopping or gone
        }
      }
    });
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (acknowledged.load() < 300 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(d_.Stop(), 0) << "attuned stopped while writing";
  stop = true;
  for (auto& t : clients) t.join();
  EXPECT_THAT(unexpected, ::testing::IsEmpty());
  ASSERT_GE(acknowledged.load(), 300);

  ASSERT_TRUE(d_.Start());
  ASSERT_OK(d_.Unlock(kPassphrase));
  for (const v1::JournalEntry& entry : entries) {
    v1::GetJournalEntryRequest req;
    req.set_name(entry.name());
    v1::JournalEntry got;
    ASSERT_OK(d_.journal().GetJournalEntry(DaemonHarness::Context().get(), req, &got));
    EXPECT_TRUE(ProtoEqual(got, entry)) << entry.name();
  }
  for (const auto& [name, check_in] : check_ins) {
    v1::GetCheckInRequest req;
    req.set_name(name);
    v1::CheckIn got;
    ASSERT_OK(d_.checkins().GetCheckIn(DaemonHarness::Context().get(), req, &got));
    EXPECT_EQ(got.high(), check_in.high()) << name;
    EXPECT_EQ(got.low(), check_in.low()) << name;
  }
}

TEST_F(DurabilityTest, AcknowledgedUpdateAndDeleteSurviveSigkill) {
  v1::JournalEntry edited;
  v1::JournalEntry deleted;
  ASSERT_OK(CreateJournal("edit me", "old body", &edited));
  ASSERT_OK(CreateJournal("delete me", "doomed", &deleted));
  v1::UpdateJournalEntryRequest ureq;
  ureq.mutable_journal_entry()->set_name(edited.name());
  ureq.mutable_journal_entry()->set_body("new body");
  ureq.mutable_update_mask()->add_paths("body");
  ASSERT_OK(d_.journal().UpdateJournalEntry(DaemonHarness::Context().get(), ureq, &edited));
  v1::DeleteJournalEntryRequest dreq;
  dreq.set_name(deleted.name());
  google::protobuf::Empty empty;
  ASSERT_OK(d_.journal().DeleteJournalEntry(DaemonHarness::Context().get(), dreq, &empty));
  d_.Kill();

  ASSERT_TRUE(d_.Start());
  ASSERT_OK(d_.Unlock(kPassphrase));
  std::vector<v1::JournalEntry> all = ListAllJournalEntries(d_);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(ProtoEqual(all[0], edited));
}

// Reads every regular file under root; returns the paths whose bytes contain
// needle.
std::vector<std::string> FilesContaining(const std::string& root, const std::string& needle,
                                         size_t* files_read, uintmax_t* bytes_read) {
  std::vector<std::string> hits;
  *files_read = 0;
  *bytes_read = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    EXPECT_TRUE(in.good()) << "cannot read " << entry.path();
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ++*files_read;
    *bytes_read += bytes.size();
    if (bytes.find(needle) != std::string::npos) hits.push_back(entry.path().string());
  }
  return hits;
}

TEST_F(DurabilityTest, NoPlaintextOfRecordsReachesTheDataFolder) {
  const std::string canary = "canary-" + RandomHex16();
  const std::string today = UtcToday();

  v1::JournalEntry entry;
  ASSERT_OK(CreateJournal("title " + canary, "body with " + canary + " inside", &entry));
  v1::JournalEntry entry2;
  ASSERT_OK(CreateJournal("plain title", canary, &entry2));
  v1::UpdateJournalEntryRequest ureq;
  ureq.mutable_journal_entry()->set_name(entry2.name());
  ureq.mutable_journal_entry()->set_title("edited " + canary);
  ureq.mutable_update_mask()->add_paths("title");
  ASSERT_OK(d_.journal().UpdateJournalEntry(DaemonHarness::Context().get(), ureq, &entry2));
  v1::CheckIn c1;
  ASSERT_OK(
      CreateCheckIn(AddDays(today, -1), "high " + canary, "low " + canary, "note " + canary, &c1));
  v1::CheckIn c2;
  ASSERT_OK(CreateCheckIn(AddDays(today, -2), canary, canary, canary, &c2));
  v1::Goal goal;
  ASSERT_OK(CreateGoal("goal " + canary, AddDays(today, -3), &goal));
  v1::Goal plain_goal;
  ASSERT_OK(CreateGoal("a goal without the phrase", today, &plain_goal));
  ASSERT_OK(LogProgress(goal.name(), today, "progress " + canary));

  // The phrase is really there to be found: the API returns it.
  std::vector<v1::JournalEntry> journals = ListAllJournalEntries(d_);
  ASSERT_EQ(journals.size(), 2u);
  for (const auto& j : journals) {
    EXPECT_THAT(j.title() + j.body(), HasSubstr(canary));
  }
  std::vector<v1::CheckIn> check_ins = ListAllCheckIns(d_);
  ASSERT_EQ(check_ins.size(), 2u);
  for (const auto& c : check_ins) {
    EXPECT_THAT(c.high(), HasSubstr(canary));
    EXPECT_THAT(c.low(), HasSubstr(canary));
    EXPECT_THAT(c.note(), HasSubstr(canary));
  }
  v1::GetGoalStatusRequest sreq;
  sreq.set_name(goal.name());
  v1::GoalStatus status;
  ASSERT_OK(d_.goals().GetGoalStatus(DaemonHarness::Context().get(), sreq, &status));
  EXPECT_THAT(status.goal().title(), HasSubstr(canary));
  ASSERT_EQ(status.recent_size(), 1);
  EXPECT_THAT(status.recent(0).note(), HasSubstr(canary));

  ASSERT_EQ(d_.Stop(), 0) << d_.StderrSinceStart();

  size_t files = 0;
  uintmax_t bytes = 0;
  std::vector<std::string> hits = FilesContaining(d_.data_dir(), canary, &files, &bytes);
  EXPECT_THAT(hits, ::testing::IsEmpty()) << "record plaintext \"" << canary << "\" found on disk";
  // The random half alone must not appear either.
  hits = FilesContaining(d_.data_dir(), canary.substr(7), &files, &bytes);
  EXPECT_THAT(hits, ::testing::IsEmpty());
  EXPECT_GE(files, 4u) << "the scan found too few files to mean anything";
  EXPECT_GT(bytes, 0u);
  // A control: the scan does see what the store keeps in the clear (the
  // vault's public identity holds the display name given at Init).
  hits = FilesContaining(d_.data_dir(), "Integration Test", &files, &bytes);
  EXPECT_THAT(hits, ::testing::Not(::testing::IsEmpty()))
      << "the scan cannot find even the public display name";
  // The daemon's own log should not echo content either.
  EXPECT_THAT(d_.AllStderr(), ::testing::Not(HasSubstr(canary)));
}

// Everything a person can read back, in one comparable value.
struct Snapshot {
  std::vector<v1::JournalEntry> journals;
  std::vector<v1::CheckIn> check_ins;
  std::vector<v1::Goal> goals;
  std::vector<v1::GoalStatus> statuses;  // in the order of goals
};

Snapshot TakeSnapshot(DaemonHarness& d) {
  Snapshot s;
  s.journals = ListAllJournalEntries(d);
  s.check_ins = ListAllCheckIns(d);
  s.goals = ListAllGoals(d, true);
  for (const auto& g : s.goals) {
    v1::GetGoalStatusRequest req;
    req.set_name(g.name());
    v1::GoalStatus st;
    grpc::Status status = d.goals().GetGoalStatus(DaemonHarness::Context().get(), req, &st);
    EXPECT_TRUE(status.ok()) << g.name() << ": " << Describe(status);
    s.statuses.push_back(st);
  }
  return s;
}

template <typename T>
void ExpectSameList(const char* what, const std::vector<T>& before, const std::vector<T>& after) {
  SCOPED_TRACE(what);
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_TRUE(ProtoEqual(before[i], after[i])) << "item " << i;
  }
}

TEST_F(DurabilityTest, RebuiltViewsEqualTheViewsBefore) {
  const std::string today = UtcToday();

  // Journals: created, edited twice, one deleted.
  std::vector<v1::JournalEntry> entries(4);
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK(
        CreateJournal("entry " + std::to_string(i), "body " + std::to_string(i), &entries[i]));
  }
  for (int round = 0; round < 2; ++round) {
    v1::UpdateJournalEntryRequest ureq;
    ureq.mutable_journal_entry()->set_name(entries[1].name());
    ureq.mutable_journal_entry()->set_body("edited body, round " + std::to_string(round));
    ureq.mutable_journal_entry()->set_visibility(v1::VISIBILITY_SHARED);
    ureq.mutable_update_mask()->add_paths("body");
    if (round == 1) ureq.mutable_update_mask()->add_paths("visibility");
    ASSERT_OK(d_.journal().UpdateJournalEntry(DaemonHarness::Context().get(), ureq, &entries[1]));
  }
  v1::DeleteJournalEntryRequest dreq;
  dreq.set_name(entries[2].name());
  google::protobuf::Empty empty;
  ASSERT_OK(d_.journal().DeleteJournalEntry(DaemonHarness::Context().get(), dreq, &empty));

  // Check-ins: three days, one rewritten, one updated through a mask, one
  // deleted and written again.
  v1::CheckIn c;
  ASSERT_OK(CreateCheckIn(AddDays(today, -3), "h3", "l3", "n3", &c));
  ASSERT_OK(CreateCheckIn(AddDays(today, -2), "h2", "l2", "", &c));
  ASSERT_OK(CreateCheckIn(AddDays(today, -2), "h2 rewritten", "l2 rewritten", "n2", &c,
                          /*replace=*/true));
  v1::UpdateCheckInRequest cu;
  cu.mutable_check_in()->set_name(c.name());
  cu.mutable_check_in()->set_connection_rating(5);
  cu.mutable_update_mask()->add_paths("connection_rating");
  ASSERT_OK(d_.checkins().UpdateCheckIn(DaemonHarness::Context().get(), cu, &c));
  ASSERT_OK(CreateCheckIn(AddDays(today, -1), "h1", "l1", "n1", &c));
  v1::DeleteCheckInRequest cd;
  cd.set_name(c.name());
  ASSERT_OK(d_.checkins().DeleteCheckIn(DaemonHarness::Context().get(), cd, &empty));
  ASSERT_OK(CreateCheckIn(AddDays(today, -1), "h1 again", "l1 again", "n1 again", &c));

  // Goals: one with progress, one archived, one deleted.
  v1::Goal active;
  v1::Goal archived;
  v1::Goal deleted;
  ASSERT_OK(CreateGoal("Reflective listening", AddDays(today, -7), &active));
  ASSERT_OK(LogProgress(active.name(), AddDays(today, -7), "first"));
  ASSERT_OK(LogProgress(active.name(), AddDays(today, -5), "second"));
  ASSERT_OK(LogProgress(active.name(), today, "third"));
  ASSERT_OK(CreateGoal("Walks", AddDays(today, -1), &archived));
  ASSERT_OK(LogProgress(archived.name(), today, "one walk"));
  v1::ArchiveGoalRequest areq;
  areq.set_name(archived.name());
  areq.set_archived(true);
  ASSERT_OK(d_.goals().ArchiveGoal(DaemonHarness::Context().get(), areq, &archived));
  ASSERT_OK(CreateGoal("Short-lived", today, &deleted));
  v1::DeleteGoalRequest gd;
  gd.set_name(deleted.name());
  ASSERT_OK(d_.goals().DeleteGoal(DaemonHarness::Context().get(), gd, &empty));

  Snapshot before = TakeSnapshot(d_);
  ASSERT_EQ(before.journals.size(), 3u);
  ASSERT_EQ(before.check_ins.size(), 3u);
  ASSERT_EQ(before.goals.size(), 2u);
  ASSERT_FALSE(HasFailure());

  ASSERT_EQ(d_.Stop(), 0) << d_.StderrSinceStart();
  ASSERT_TRUE(d_.Start({"--rebuild-views"}));
  ASSERT_OK(d_.Unlock(kPassphrase));
  Snapshot after = TakeSnapshot(d_);

  ExpectSameList("journal entries", before.journals, after.journals);
  ExpectSameList("check-ins", before.check_ins, after.check_ins);
  ExpectSameList("goals", before.goals, after.goals);
  ExpectSameList("goal statuses", before.statuses, after.statuses);

  // And once more without rebuilding: the rebuilt views were persisted.
  ASSERT_EQ(d_.Stop(), 0) << d_.StderrSinceStart();
  ASSERT_TRUE(d_.Start());
  ASSERT_OK(d_.Unlock(kPassphrase));
  Snapshot again = TakeSnapshot(d_);
  ExpectSameList("journal entries (restart)", before.journals, again.journals);
  ExpectSameList("check-ins (restart)", before.check_ins, again.check_ins);
  ExpectSameList("goals (restart)", before.goals, again.goals);
  ExpectSameList("goal statuses (restart)", before.statuses, again.statuses);
}

}  // namespace
}  // namespace attune::testing
