// attuned through its gRPC API, as the CLI and the web client use it: each
// test is a behaviour a person relies on, checked against the real daemon.
#include <gmock/gmock.h>
#include <google/protobuf/empty.pb.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "api_helpers.h"
#include "daemon_harness.h"

namespace attune::testing {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;

constexpr char kPassphrase[] = "correct horse battery staple";

class DaemonApiTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(d_.Start()); }

  void Init() {
    v1::VaultStatus st;
    ASSERT_OK(d_.InitVault(kPassphrase, &st));
    ASSERT_EQ(st.state(), v1::VaultStatus::STATE_UNLOCKED);
  }

  // Labels from the daemon's own vocabulary.
  std::vector<std::string> SomeLabels(size_t n) {
    v1::ListEmotionsResponse resp;
    grpc::Status s = d_.checkins().ListEmotions(DaemonHarness::Context().get(),
                                                v1::ListEmotionsRequest(), &resp);
    EXPECT_TRUE(s.ok()) << Describe(s);
    std::vector<std::string> out;
    for (const auto& f : resp.families()) {
      for (const auto& l : f.labels()) {
        if (out.size() < n) out.push_back(l);
      }
    }
    EXPECT_EQ(out.size(), n) << "the vocabulary has too few labels";
    return out;
  }

  grpc::Status CreateJournal(const std::string& title, const std::string& body,
                             v1::JournalEntry* out) {
    v1::CreateJournalEntryRequest req;
    req.mutable_journal_entry()->set_title(title);
    req.mutable_journal_entry()->set_body(body);
    return d_.journal().CreateJournalEntry(DaemonHarness::Context().get(), req, out);
  }

  grpc::Status GetJournal(const std::string& name, v1::JournalEntry* out) {
    v1::GetJournalEntryRequest req;
    req.set_name(name);
    return d_.journal().GetJournalEntry(DaemonHarness::Context().get(), req, out);
  }

  static v1::CheckIn ValidCheckIn(const std::string& day) {
    v1::CheckIn c;
    c.set_day(day);
    c.set_time_zone("UTC");
    c.set_high("we laughed at dinner");
    c.set_low("a short argument about the dishes");
    c.set_connection_rating(4);
    c.set_note("tired but glad");
    return c;
  }

  grpc::Status CreateCheckIn(const v1::CheckIn& c, v1::CheckIn* out) {
    v1::CreateCheckInRequest req;
    *req.mutable_check_in() = c;
    return d_.checkins().CreateCheckIn(DaemonHarness::Context().get(), req, out);
  }

  grpc::Status LogProgress(const std::string& goal, const std::string& day,
                           v1::GoalProgress* out = nullptr) {
    v1::LogProgressRequest req;
    req.set_parent(goal);
    req.mutable_progress()->set_day(day);
    req.mutable_progress()->set_note("it went well");
    v1::GoalProgress ignored;
    return d_.goals().LogProgress(DaemonHarness::Context().get(), req,
                                  out != nullptr ? out : &ignored);
  }

  grpc::Status GoalStatus(const std::string& goal, v1::GoalStatus* out) {
    v1::GetGoalStatusRequest req;
    req.set_name(goal);
    return d_.goals().GetGoalStatus(DaemonHarness::Context().get(), req, out);
  }

  DaemonHarness d_;
};

// ---------------------------------------------------------------------------
// Vault
// ---------------------------------------------------------------------------

TEST_F(DaemonApiTest, FreshDaemonAsksForInitThenInitUnlocksOnce) {
  v1::VaultStatus st;
  ASSERT_OK(d_.GetStatus(&st));
  EXPECT_EQ(st.state(), v1::VaultStatus::STATE_UNINITIALIZED);

  v1::ListJournalEntriesResponse list;
  grpc::Status s = d_.journal().ListJournalEntries(DaemonHarness::Context().get(),
                                                   v1::ListJournalEntriesRequest(), &list);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << Describe(s);
  EXPECT_THAT(s.error_message(), HasSubstr("attune init"));
  v1::JournalEntry e;
  s = CreateJournal("", "before init", &e);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << Describe(s);
  EXPECT_THAT(s.error_message(), HasSubstr("attune init"));

  v1::VaultStatus init;
  ASSERT_OK(d_.InitVault(kPassphrase, &init));
  EXPECT_EQ(init.state(), v1::VaultStatus::STATE_UNLOCKED);
  EXPECT_TRUE(std::regex_match(init.device_id(), std::regex("[^-]{7}(-[^-]{7}){7}")))
      << "device_id: " << init.device_id();
  ASSERT_OK(d_.GetStatus(&st));
  EXPECT_EQ(st.state(), v1::VaultStatus::STATE_UNLOCKED);
  EXPECT_EQ(st.device_id(), init.device_id());

  v1::VaultStatus again;
  EXPECT_CODE(d_.InitVault("another passphrase", &again), grpc::StatusCode::ALREADY_EXISTS);
  // The second Init changed nothing: same device, and the first passphrase
  // still opens the vault.
  ASSERT_OK(d_.GetStatus(&st));
  EXPECT_EQ(st.device_id(), init.device_id());
  ASSERT_OK(d_.Lock());
  EXPECT_CODE(d_.Unlock("another passphrase"), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_OK(d_.Unlock(kPassphrase));
}

TEST_F(DaemonApiTest, LockHidesContentUntilTheRightPassphrase) {
  Init();
  v1::JournalEntry created;
  ASSERT_OK(CreateJournal("before lock", "something I wrote", &created));

  v1::VaultStatus st;
  ASSERT_OK(d_.Lock(&st));
  EXPECT_EQ(st.state(), v1::VaultStatus::STATE_LOCKED);
  ASSERT_OK(d_.GetStatus(&st));
  EXPECT_EQ(st.state(), v1::VaultStatus::STATE_LOCKED);
  EXPECT_FALSE(st.device_id().empty()) << "device_id is known while locked";

  v1::JournalEntry got;
  grpc::Status s = GetJournal(created.name(), &got);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << Describe(s);
  EXPECT_THAT(s.error_message(), HasSubstr("run attune unlock"));
  v1::ListJournalEntriesResponse list;
  s = d_.journal().ListJournalEntries(DaemonHarness::Context().get(),
                                      v1::ListJournalEntriesRequest(), &list);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << Describe(s);
  EXPECT_THAT(s.error_message(), HasSubstr("run attune unlock"));
  v1::CheckIn c;
  s = CreateCheckIn(ValidCheckIn("2025-03-01"), &c);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << Describe(s);
  EXPECT_THAT(s.error_message(), HasSubstr("run attune unlock"));

  s = d_.Unlock("wrong passphrase!");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << Describe(s);
  EXPECT_THAT(s.error_message(), HasSubstr("wrong passphrase"));
  ASSERT_OK(d_.GetStatus(&st));
  EXPECT_EQ(st.state(), v1::VaultStatus::STATE_LOCKED);
  s = GetJournal(created.name(), &got);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << Describe(s);

  ASSERT_OK(d_.Unlock(kPassphrase, &st));
  EXPECT_EQ(st.state(), v1::VaultStatus::STATE_UNLOCKED);
  ASSERT_OK(GetJournal(created.name(), &got));
  EXPECT_TRUE(ProtoEqual(got, created));
  // The check-in refused while locked was not stored.
  EXPECT_TRUE(ListAllCheckIns(d_).empty());
}

// ---------------------------------------------------------------------------
// Journal
// ---------------------------------------------------------------------------

TEST_F(DaemonApiTest, JournalCreateDefaultsToPrivateAndGetReturnsIt) {
  Init();
  v1::JournalEntry created;
  ASSERT_OK(CreateJournal("A quiet evening", "We read together and it felt close.", &created));
  EXPECT_TRUE(std::regex_match(created.name(), std::regex("journalEntries/[0-9a-f]{32}")))
      << created.name();
  EXPECT_EQ(created.visibility(), v1::VISIBILITY_PRIVATE);
  EXPECT_EQ(created.title(), "A quiet evening");
  EXPECT_EQ(created.body(), "We read together and it felt close.");
  EXPECT_TRUE(created.has_create_time());
  EXPECT_TRUE(created.has_update_time());
  EXPECT_FALSE(created.author().empty());

  v1::JournalEntry got;
  ASSERT_OK(GetJournal(created.name(), &got));
  EXPECT_TRUE(ProtoEqual(got, created));
}

TEST_F(DaemonApiTest, JournalListIsNewestFirstAndPagesWithoutDuplicates) {
  Init();
  std::vector<std::string> created;  // in creation order
  for (int i = 0; i < 7; ++i) {
    v1::JournalEntry e;
    ASSERT_OK(CreateJournal("entry " + std::to_string(i), "body " + std::to_string(i), &e));
    created.push_back(e.name());
  }
  std::vector<std::string> expected(created.rbegin(), created.rend());

  std::vector<size_t> page_sizes;
  std::vector<v1::JournalEntry> seen;
  v1::ListJournalEntriesRequest req;
  req.set_page_size(3);
  for (int page = 0; page < 5; ++page) {
    v1::ListJournalEntriesResponse resp;
    ASSERT_OK(d_.journal().ListJournalEntries(DaemonHarness::Context().get(), req, &resp));
    page_sizes.push_back(static_cast<size_t>(resp.journal_entries_size()));
    seen.insert(seen.end(), resp.journal_entries().begin(), resp.journal_entries().end());
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  EXPECT_EQ(page_sizes, (std::vector<size_t>{3, 3, 1}))
      << "7 entries in pages of 3, the last page with an empty token";
  std::vector<std::string> names;
  std::set<std::string> unique;
  for (const auto& e : seen) {
    names.push_back(e.name());
    unique.insert(e.name());
  }
  EXPECT_EQ(unique.size(), names.size()) << "an entry appeared on two pages";
  EXPECT_EQ(names, expected) << "newest first";
  for (size_t i = 1; i < seen.size(); ++i) {
    EXPECT_GE(seen[i - 1].create_time(), seen[i].create_time())
        << "create_time must not increase down the list";
  }
}

TEST_F(DaemonApiTest, JournalUpdateChangesOnlyMaskedFields) {
  Init();
  std::vector<std::string> labels = SomeLabels(2);
  v1::CreateJournalEntryRequest creq;
  creq.mutable_journal_entry()->set_title("first title");
  creq.mutable_journal_entry()->set_body("first body");
  auto* em = creq.mutable_journal_entry()->add_emotions();
  em->set_label(labels[0]);
  em->set_intensity(2);
  v1::JournalEntry created;
  ASSERT_OK(d_.journal().CreateJournalEntry(DaemonHarness::Context().get(), creq, &created));

  v1::UpdateJournalEntryRequest ureq;
  ureq.mutable_journal_entry()->set_name(created.name());
  ureq.mutable_journal_entry()->set_title("second title");
  ureq.mutable_journal_entry()->set_body("this body is not in the mask");
  ureq.mutable_journal_entry()->add_emotions()->set_label(labels[1]);
  ureq.mutable_journal_entry()->set_visibility(v1::VISIBILITY_SHARED);
  ureq.mutable_update_mask()->add_paths("title");
  v1::JournalEntry updated;
  ASSERT_OK(d_.journal().UpdateJournalEntry(DaemonHarness::Context().get(), ureq, &updated));
  EXPECT_EQ(updated.name(), created.name());
  EXPECT_EQ(updated.title(), "second title");
  EXPECT_EQ(updated.body(), "first body");
  ASSERT_EQ(updated.emotions_size(), 1);
  EXPECT_EQ(updated.emotions(0).label(), labels[0]);
  EXPECT_EQ(updated.emotions(0).intensity(), 2);
  EXPECT_EQ(updated.visibility(), v1::VISIBILITY_PRIVATE);
  EXPECT_EQ(updated.create_time(), created.create_time());
  EXPECT_GT(updated.update_time(), created.update_time()) << "update_time must move";
  EXPECT_EQ(updated.author(), created.author());

  v1::JournalEntry got;
  ASSERT_OK(GetJournal(created.name(), &got));
  EXPECT_TRUE(ProtoEqual(got, updated));

  // A second update with two paths changes exactly those two.
  ureq.mutable_update_mask()->Clear();
  ureq.mutable_update_mask()->add_paths("body");
  ureq.mutable_update_mask()->add_paths("visibility");
  ureq.mutable_journal_entry()->set_title("ignored title");
  ureq.mutable_journal_entry()->set_body("second body");
  v1::JournalEntry updated2;
  ASSERT_OK(d_.journal().UpdateJournalEntry(DaemonHarness::Context().get(), ureq, &updated2));
  EXPECT_EQ(updated2.title(), "second title");
  EXPECT_EQ(updated2.body(), "second body");
  EXPECT_EQ(updated2.visibility(), v1::VISIBILITY_SHARED);
  ASSERT_EQ(updated2.emotions_size(), 1);
  EXPECT_EQ(updated2.emotions(0).label(), labels[0]);
  EXPECT_GT(updated2.update_time(), updated.update_time());
}

TEST_F(DaemonApiTest, JournalUpdateWithUnknownMaskPathIsRefused) {
  Init();
  v1::JournalEntry created;
  ASSERT_OK(CreateJournal("title", "body", &created));

  v1::UpdateJournalEntryRequest ureq;
  ureq.mutable_journal_entry()->set_name(created.name());
  ureq.mutable_journal_entry()->set_title("changed");
  ureq.mutable_journal_entry()->set_author("someone else");
  ureq.mutable_update_mask()->add_paths("title");
  ureq.mutable_update_mask()->add_paths("author");
  v1::JournalEntry updated;
  EXPECT_CODE(d_.journal().UpdateJournalEntry(DaemonHarness::Context().get(), ureq, &updated),
              grpc::StatusCode::INVALID_ARGUMENT);

  ureq.mutable_update_mask()->Clear();
  ureq.mutable_update_mask()->add_paths("no_such_field");
  EXPECT_CODE(d_.journal().UpdateJournalEntry(DaemonHarness::Context().get(), ureq, &updated),
              grpc::StatusCode::INVALID_ARGUMENT);

  // Nothing was stored: not even the valid "title" half of the first request.
  v1::JournalEntry got;
  ASSERT_OK(GetJournal(created.name(), &got));
  EXPECT_TRUE(ProtoEqual(got, created));
}

TEST_F(DaemonApiTest, JournalDeleteIsFinal) {
  Init();
  v1::JournalEntry keep;
  v1::JournalEntry gone;
  ASSERT_OK(CreateJournal("keep", "this one stays", &keep));
  ASSERT_OK(CreateJournal("gone", "this one goes", &gone));
  ASSERT_EQ(ListAllJournalEntries(d_).size(), 2u);

  v1::DeleteJournalEntryRequest dreq;
  dreq.set_name(gone.name());
  google::protobuf::Empty empty;
  ASSERT_OK(d_.journal().DeleteJournalEntry(DaemonHarness::Context().get(), dreq, &empty));

  v1::JournalEntry got;
  EXPECT_CODE(GetJournal(gone.name(), &got), grpc::StatusCode::NOT_FOUND);
  EXPECT_CODE(d_.journal().DeleteJournalEntry(DaemonHarness::Context().get(), dreq, &empty),
              grpc::StatusCode::NOT_FOUND);
  std::vector<v1::JournalEntry> list = ListAllJournalEntries(d_);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name(), keep.name());

  // An update of the deleted entry does not bring it back.
  v1::UpdateJournalEntryRequest ureq;
  ureq.mutable_journal_entry()->set_name(gone.name());
  ureq.mutable_journal_entry()->set_title("resurrected?");
  ureq.mutable_update_mask()->add_paths("title");
  v1::JournalEntry updated;
  EXPECT_CODE(d_.journal().UpdateJournalEntry(DaemonHarness::Context().get(), ureq, &updated),
              grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ListAllJournalEntries(d_).size(), 1u);
}

// ---------------------------------------------------------------------------
// Check-ins
// ---------------------------------------------------------------------------

// Nothing is replaced unasked: a second check-in for a day is refused
// without `replace`, and stores nothing; with it, it replaces the content,
// keeps the name and create_time, and update_time says it changed.
TEST_F(DaemonApiTest, CheckInSecondOfTheDayReplacesTheFirstOnlyWhenAsked) {
  Init();
  v1::CheckIn first;
  ASSERT_OK(CreateCheckIn(ValidCheckIn("2025-03-10"), &first));
  EXPECT_EQ(first.day(), "2025-03-10");
  EXPECT_EQ(first.time_zone(), "UTC");
  EXPECT_TRUE(std::regex_match(first.name(), std::regex("checkIns/.+"))) << first.name();
  EXPECT_EQ(first.visibility(), v1::VISIBILITY_PRIVATE) << "an unset visibility is PRIVATE";

  v1::CheckIn again = ValidCheckIn("2025-03-10");
  again.set_high("a long walk together");
  again.set_low("work ran late");
  again.set_connection_rating(5);
  again.set_note("better day");
  v1::VaultStatus before_refusal, after_refusal;
  ASSERT_OK(d_.GetStatus(&before_refusal));
  v1::CheckIn refused;
  grpc::Status unasked = CreateCheckIn(again, &refused);
  EXPECT_CODE(unasked, grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(unasked.error_message(),
            "you have checked in for 2025-03-10 already; pass replace to replace it");
  ASSERT_OK(d_.GetStatus(&after_refusal));
  EXPECT_EQ(after_refusal.op_count(), before_refusal.op_count()) << "nothing was stored";
  ASSERT_EQ(ListAllCheckIns(d_).size(), 1u);
  EXPECT_EQ(ListAllCheckIns(d_)[0].high(), first.high());

  v1::CreateCheckInRequest replace;
  *replace.mutable_check_in() = again;
  replace.set_replace(true);
  v1::CheckIn second;
  ASSERT_OK(d_.checkins().CreateCheckIn(DaemonHarness::Context().get(), replace, &second));
  EXPECT_EQ(second.name(), first.name());
  EXPECT_TRUE(ProtoEqual(second.create_time(), first.create_time()));
  EXPECT_FALSE(ProtoEqual(second.update_time(), first.update_time()))
      << "update_time says the check-in was changed";
  EXPECT_EQ(second.high(), "a long walk together");
  EXPECT_EQ(second.low(), "work ran late");
  EXPECT_EQ(second.connection_rating(), 5);
  EXPECT_EQ(second.note(), "better day");

  v1::GetCheckInRequest greq;
  greq.set_name(first.name());
  v1::CheckIn got;
  ASSERT_OK(d_.checkins().GetCheckIn(DaemonHarness::Context().get(), greq, &got));
  EXPECT_TRUE(ProtoEqual(got, second));
  std::vector<v1::CheckIn> all = ListAllCheckIns(d_);
  ASSERT_EQ(all.size(), 1u) << "one check-in per day";
  EXPECT_EQ(all[0].high(), "a long walk together");
}

TEST_F(DaemonApiTest, CheckInListByDateRangeIsOldestFirst) {
  Init();
  // Created out of order on purpose.
  for (const char* day : {"2025-03-04", "2025-03-01", "2025-03-03", "2025-03-05", "2025-03-02"}) {
    v1::CheckIn c;
    ASSERT_OK(CreateCheckIn(ValidCheckIn(day), &c));
  }
  std::vector<v1::CheckIn> in_range = ListAllCheckIns(d_, "2025-03-02", "2025-03-04");
  std::vector<std::string> days;
  for (const auto& c : in_range) days.push_back(c.day());
  EXPECT_EQ(days, (std::vector<std::string>{"2025-03-02", "2025-03-03", "2025-03-04"}));

  days.clear();
  for (const auto& c : ListAllCheckIns(d_, "2025-03-04", "")) days.push_back(c.day());
  EXPECT_EQ(days, (std::vector<std::string>{"2025-03-04", "2025-03-05"}));
  days.clear();
  for (const auto& c : ListAllCheckIns(d_, "", "2025-03-01")) days.push_back(c.day());
  EXPECT_EQ(days, (std::vector<std::string>{"2025-03-01"}));
  EXPECT_EQ(ListAllCheckIns(d_).size(), 5u);
}

TEST_F(DaemonApiTest, CheckInRefusesBadFieldsAndStoresNothing) {
  Init();
  v1::CheckIn stored;
  ASSERT_OK(CreateCheckIn(ValidCheckIn("2025-04-01"), &stored));
  const size_t before = ListAllCheckIns(d_).size();
  ASSERT_EQ(before, 1u);

  struct Case {
    const char* what;
    v1::CheckIn check_in;
    const char* field;  // must be named in the message
  };
  std::vector<Case> cases;
  {
    v1::CheckIn c = ValidCheckIn("2025-04-02");
    c.set_connection_rating(0);
    cases.push_back({"rating 0", c, "connection_rating"});
  }
  {
    v1::CheckIn c = ValidCheckIn("2025-04-02");
    c.set_connection_rating(6);
    cases.push_back({"rating 6", c, "connection_rating"});
  }
  {
    v1::CheckIn c = ValidCheckIn("2025-04-02");
    c.add_emotions()->set_label("flibbertigibbeted");
    cases.push_back({"unknown emotion", c, "emotions"});
  }
  {
    v1::CheckIn c = ValidCheckIn("2026-02-30");
    cases.push_back({"no such day", c, "day"});
  }
  {
    v1::CheckIn c = ValidCheckIn("2025-04-02");
    c.set_time_zone("Mars/Olympus_Mons");
    cases.push_back({"unknown time zone", c, "time_zone"});
  }
  {
    v1::CheckIn c = ValidCheckIn("2025-04-02");
    c.set_high("");
    cases.push_back({"empty high", c, "high"});
  }
  {
    // A rewrite of the stored day with a bad field must leave it untouched.
    v1::CheckIn c = ValidCheckIn("2025-04-01");
    c.set_high("this must not be stored");
    c.set_connection_rating(9);
    cases.push_back({"bad rewrite of a stored day", c, "connection_rating"});
  }

  for (const Case& tc : cases) {
    SCOPED_TRACE(tc.what);
    v1::CheckIn out;
    grpc::Status s = CreateCheckIn(tc.check_in, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << Describe(s);
    EXPECT_THAT(s.error_message(), HasSubstr(tc.field));
    std::vector<v1::CheckIn> after = ListAllCheckIns(d_);
    EXPECT_EQ(after.size(), before) << "a refused check-in was stored";
    if (!after.empty()) {
      EXPECT_TRUE(ProtoEqual(after[0], stored));
    }
  }
}

TEST_F(DaemonApiTest, EmotionVocabularyIsRichAndAvailableWhileLocked) {
  Init();
  ASSERT_OK(d_.Lock());
  v1::ListEmotionsResponse resp;
  ASSERT_OK(
      d_.checkins().ListEmotions(DaemonHarness::Context().get(), v1::ListEmotionsRequest(), &resp));
  std::set<std::string> labels;
  size_t total = 0;
  for (const auto& f : resp.families()) {
    EXPECT_FALSE(f.name().empty());
    EXPECT_FALSE(f.labels().empty()) << f.name();
    for (const auto& l : f.labels()) {
      ++total;
      labels.insert(l);
      EXPECT_EQ(l, [&] {
        std::string lower = l;
        std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
        return lower;
      }()) << "labels are lower case";
    }
  }
  EXPECT_GE(resp.families_size(), 6);
  EXPECT_GE(labels.size(), 60u);
  EXPECT_EQ(labels.size(), total) << "a label appears in two families";
}

// ---------------------------------------------------------------------------
// Goals
// ---------------------------------------------------------------------------

TEST_F(DaemonApiTest, GoalStatusCountsPeriodsStreakAndTotals) {
  Init();
  const std::string today = UtcToday();
  const std::string start = AddDays(today, -7);

  v1::CreateGoalRequest creq;
  v1::Goal* g = creq.mutable_goal();
  g->set_title("Reflective listening");
  g->set_exercise("reflective-listening");
  g->set_target_per_period(2);
  g->set_period(v1::GOAL_PERIOD_WEEK);
  g->set_periods(4);
  g->set_start_day(start);
  g->set_time_zone("UTC");
  v1::Goal goal;
  ASSERT_OK(d_.goals().CreateGoal(DaemonHarness::Context().get(), creq, &goal));
  EXPECT_EQ(goal.start_day(), start);
  EXPECT_EQ(goal.visibility(), v1::VISIBILITY_PRIVATE) << "an unset visibility is PRIVATE";
  EXPECT_FALSE(goal.archived());

  ASSERT_OK(LogProgress(goal.name(), start));
  ASSERT_OK(LogProgress(goal.name(), AddDays(start, 4)));
  v1::GoalProgress p;
  ASSERT_OK(LogProgress(goal.name(), today, &p));
  EXPECT_EQ(p.day(), today);
  EXPECT_EQ(p.name().rfind(goal.name() + "/progress/", 0), 0u) << p.name();

  v1::GoalStatus st;
  ASSERT_OK(GoalStatus(goal.name(), &st));
  EXPECT_EQ(st.today(), today);
  ASSERT_EQ(st.periods_size(), 4);
  const auto& p1 = st.periods(0);
  EXPECT_EQ(p1.index(), 1);
  EXPECT_EQ(p1.start_day(), start);
  EXPECT_EQ(p1.end_day(), AddDays(start, 6));
  EXPECT_EQ(p1.count(), 2);
  EXPECT_EQ(p1.target(), 2);
  EXPECT_TRUE(p1.met());
  EXPECT_EQ(p1.when(), v1::GoalStatus::Period::WHEN_PAST);
  const auto& p2 = st.periods(1);
  EXPECT_EQ(p2.index(), 2);
  EXPECT_EQ(p2.start_day(), today);
  EXPECT_EQ(p2.count(), 1);
  EXPECT_FALSE(p2.met());
  EXPECT_EQ(p2.when(), v1::GoalStatus::Period::WHEN_CURRENT);
  EXPECT_EQ(st.periods(2).when(), v1::GoalStatus::Period::WHEN_FUTURE);
  EXPECT_EQ(st.periods(3).when(), v1::GoalStatus::Period::WHEN_FUTURE);
  EXPECT_EQ(st.periods(3).end_day(), AddDays(start, 27));
  EXPECT_EQ(st.state(), v1::GoalStatus::STATE_ACTIVE);
  EXPECT_TRUE(st.on_track());
  EXPECT_EQ(st.current_streak(), 1);
  EXPECT_EQ(st.total_count(), 3);
  EXPECT_EQ(st.total_target(), 8);
  EXPECT_EQ(st.recent_size(), 3);

  // Progress in the future, or before the goal started, is refused and not
  // counted.
  grpc::Status s = LogProgress(goal.name(), AddDays(today, 1));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << Describe(s);
  s = LogProgress(goal.name(), AddDays(start, -1));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << Describe(s);
  ASSERT_OK(GoalStatus(goal.name(), &st));
  EXPECT_EQ(st.total_count(), 3) << "refused progress was counted";
  EXPECT_EQ(st.recent_size(), 3);
}

// A monthly goal's periods are calendar months from its start day; one
// started on the 31st uses each shorter month's last day. Progress is counted
// in the month it falls in, and a day after the last month is refused.
TEST_F(DaemonApiTest, MonthlyGoalCountsCalendarMonthsFromItsStartDay) {
  Init();
  v1::CreateGoalRequest creq;
  v1::Goal* g = creq.mutable_goal();
  g->set_title("Read a book together");
  g->set_target_per_period(1);
  g->set_period(v1::GOAL_PERIOD_MONTH);
  g->set_periods(3);
  g->set_start_day("2026-01-31");
  g->set_time_zone("UTC");
  v1::Goal goal;
  ASSERT_OK(d_.goals().CreateGoal(DaemonHarness::Context().get(), creq, &goal));
  EXPECT_EQ(goal.period(), v1::GOAL_PERIOD_MONTH);
  ASSERT_OK(LogProgress(goal.name(), "2026-02-27"));
  ASSERT_OK(LogProgress(goal.name(), "2026-02-28"));
  ASSERT_OK(LogProgress(goal.name(), "2026-04-29"));
  grpc::Status after = LogProgress(goal.name(), "2026-04-30");
  EXPECT_EQ(after.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << Describe(after);
  EXPECT_THAT(after.error_message(), ::testing::HasSubstr("2026-01-31 to 2026-04-29"));

  v1::GoalStatus st;
  ASSERT_OK(GoalStatus(goal.name(), &st));
  ASSERT_EQ(st.periods_size(), 3);
  EXPECT_EQ(st.periods(0).end_day(), "2026-02-27");
  EXPECT_EQ(st.periods(1).start_day(), "2026-02-28");
  EXPECT_EQ(st.periods(1).end_day(), "2026-03-30");
  EXPECT_EQ(st.periods(2).start_day(), "2026-03-31");
  EXPECT_EQ(st.periods(2).end_day(), "2026-04-29");
  EXPECT_EQ(st.periods(0).count(), 1);
  EXPECT_EQ(st.periods(1).count(), 1);
  EXPECT_EQ(st.periods(2).count(), 1);
  EXPECT_EQ(st.state(), v1::GoalStatus::STATE_DONE);
  EXPECT_EQ(st.contributions_size(), 0) << "no period is under way";
}

TEST_F(DaemonApiTest, ArchivedGoalIsHiddenAndTakesNoProgress) {
  Init();
  const std::string today = UtcToday();
  v1::CreateGoalRequest creq;
  creq.mutable_goal()->set_title("Weekly date night");
  creq.mutable_goal()->set_target_per_period(1);
  creq.mutable_goal()->set_period(v1::GOAL_PERIOD_WEEK);
  creq.mutable_goal()->set_periods(8);
  creq.mutable_goal()->set_start_day(today);
  creq.mutable_goal()->set_time_zone("UTC");
  v1::Goal kept;
  v1::Goal archived;
  ASSERT_OK(d_.goals().CreateGoal(DaemonHarness::Context().get(), creq, &archived));
  creq.mutable_goal()->set_title("Daily appreciation");
  creq.mutable_goal()->set_period(v1::GOAL_PERIOD_DAY);
  ASSERT_OK(d_.goals().CreateGoal(DaemonHarness::Context().get(), creq, &kept));
  ASSERT_OK(LogProgress(archived.name(), today));
  ASSERT_EQ(ListAllGoals(d_, false).size(), 2u);

  v1::ArchiveGoalRequest areq;
  areq.set_name(archived.name());
  areq.set_archived(true);
  v1::Goal after;
  ASSERT_OK(d_.goals().ArchiveGoal(DaemonHarness::Context().get(), areq, &after));
  EXPECT_TRUE(after.archived());

  std::vector<v1::Goal> shown = ListAllGoals(d_, false);
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0].name(), kept.name());
  std::vector<v1::Goal> everything = ListAllGoals(d_, true);
  ASSERT_EQ(everything.size(), 2u);
  EXPECT_TRUE(std::any_of(everything.begin(), everything.end(), [&](const v1::Goal& x) {
    return x.name() == archived.name() && x.archived();
  }));

  grpc::Status s = LogProgress(archived.name(), today);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << Describe(s);
  v1::GoalStatus st;
  ASSERT_OK(GoalStatus(archived.name(), &st));
  EXPECT_EQ(st.state(), v1::GoalStatus::STATE_ARCHIVED);
  EXPECT_EQ(st.total_count(), 1) << "progress is kept, and the refused one not added";
}

TEST_F(DaemonApiTest, GoalListIsNewestFirst) {
  Init();
  std::vector<std::string> created;  // in creation order
  for (int i = 0; i < 5; ++i) {
    v1::CreateGoalRequest creq;
    creq.mutable_goal()->set_title("goal " + std::to_string(i));
    creq.mutable_goal()->set_target_per_period(1);
    creq.mutable_goal()->set_period(v1::GOAL_PERIOD_DAY);
    creq.mutable_goal()->set_periods(10);
    creq.mutable_goal()->set_time_zone("UTC");
    v1::Goal g;
    ASSERT_OK(d_.goals().CreateGoal(DaemonHarness::Context().get(), creq, &g));
    EXPECT_EQ(g.start_day(), UtcToday()) << "start_day empty means today";
    created.push_back(g.name());
  }
  std::vector<std::string> names;
  for (const auto& g : ListAllGoals(d_, false)) names.push_back(g.name());
  EXPECT_EQ(names, std::vector<std::string>(created.rbegin(), created.rend())) << "newest first";
}

// ---------------------------------------------------------------------------
// Transport and process
// ---------------------------------------------------------------------------

TEST_F(DaemonApiTest, OversizedRequestIsRefusedAndTheDaemonKeepsServing) {
  Init();
  v1::JournalEntry e;
  grpc::Status s = CreateJournal("big", std::string(5 * 1024 * 1024, 'x'), &e);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << Describe(s);

  v1::VaultStatus st;
  ASSERT_OK(d_.GetStatus(&st));
  EXPECT_EQ(st.state(), v1::VaultStatus::STATE_UNLOCKED);
  ASSERT_OK(CreateJournal("small", "a normal entry", &e));
  std::vector<v1::JournalEntry> all = ListAllJournalEntries(d_);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].title(), "small");
}

TEST_F(DaemonApiTest, SocketAndDataFolderArePrivate) {
  struct stat st {};
  ASSERT_EQ(::lstat(d_.socket_path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u) << std::oct << (st.st_mode & 07777);
  ASSERT_EQ(::stat(d_.data_dir().c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0700u) << std::oct << (st.st_mode & 07777);
}

TEST_F(DaemonApiTest, SecondDaemonOnTheSameDataFolderRefusesToStart) {
  Init();
  v1::JournalEntry e;
  ASSERT_OK(CreateJournal("first", "served by the first daemon", &e));

  const std::string other_socket = d_.root() + "/second.sock";
  ProcessResult second = d_.RunToExit({"--data-dir", d_.data_dir(), "--socket", other_socket});
  EXPECT_FALSE(second.timed_out) << "the second attuned kept running";
  EXPECT_NE(second.exit_status, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("already using the data folder"));
  EXPECT_THAT(second.output, HasSubstr(d_.data_dir()));

  // The same again on the same socket as the first.
  second = d_.RunToExit({"--data-dir", d_.data_dir(), "--socket", d_.socket_path()});
  EXPECT_FALSE(second.timed_out);
  EXPECT_NE(second.exit_status, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("already using the data folder"));

  // The first is untouched and still serving.
  ASSERT_TRUE(d_.running());
  v1::JournalEntry got;
  ASSERT_OK(GetJournal(e.name(), &got));
  EXPECT_TRUE(ProtoEqual(got, e));
  struct stat st {};
  EXPECT_EQ(::lstat(d_.socket_path().c_str(), &st), 0) << "the first daemon's socket vanished";
}

TEST_F(DaemonApiTest, StaleSocketOfAKilledDaemonIsReplaced) {
  Init();
  v1::JournalEntry e;
  ASSERT_OK(CreateJournal("before the crash", "still here", &e));
  d_.Kill();
  struct stat st {};
  ASSERT_EQ(::lstat(d_.socket_path().c_str(), &st), 0)
      << "SIGKILL should leave the socket file behind";
  ASSERT_TRUE(S_ISSOCK(st.st_mode));

  ASSERT_TRUE(d_.Start());
  v1::VaultStatus vs;
  ASSERT_OK(d_.GetStatus(&vs));
  EXPECT_EQ(vs.state(), v1::VaultStatus::STATE_LOCKED);
  ASSERT_OK(d_.Unlock(kPassphrase));
  v1::JournalEntry got;
  ASSERT_OK(GetJournal(e.name(), &got));
  EXPECT_TRUE(ProtoEqual(got, e));
  ASSERT_EQ(::lstat(d_.socket_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST_F(DaemonApiTest, SigtermExitsCleanlyAndRemovesTheSocket) {
  Init();
  EXPECT_EQ(d_.Stop(), 0) << d_.StderrSinceStart();
  struct stat st {};
  EXPECT_NE(::lstat(d_.socket_path().c_str(), &st), 0) << "the socket file was left behind";
}

TEST_F(DaemonApiTest, SigtermWhileUninitialisedAlsoExitsCleanly) {
  EXPECT_EQ(d_.Stop(), 0) << d_.StderrSinceStart();
  struct stat st {};
  EXPECT_NE(::lstat(d_.socket_path().c_str(), &st), 0);
}

}  // namespace
}  // namespace attune::testing
