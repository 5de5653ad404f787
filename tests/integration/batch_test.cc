// Batch writes (JournalService.BatchCreateJournalEntries,
// CheckInService.BatchCreateCheckIns) on a real daemon: all or none, a bad
// request refusing the whole batch by its index, and a daemon killed while
// it writes a batch keeping all of it or none of it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "api_helpers.h"
#include "attune/v1/api.pb.h"
#include "daemon_harness.h"
#include "sync_support.h"

namespace attune::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kPassphrase[] = "correct horse battery";

v1::BatchCreateJournalEntriesRequest Entries(int n, const std::string& tag) {
  v1::BatchCreateJournalEntriesRequest batch;
  for (int i = 0; i < n; ++i) {
    v1::JournalEntry* e = batch.add_requests()->mutable_journal_entry();
    e->set_title(absl::StrCat(tag, " ", i));
    e->set_body(absl::StrCat("Entry ", i, " of the batch ", tag, ": ", std::string(600, 'w')));
  }
  return batch;
}

v1::CreateCheckInRequest CheckInFor(const std::string& day, const std::string& high) {
  v1::CreateCheckInRequest r;
  r.mutable_check_in()->set_day(day);
  r.mutable_check_in()->set_time_zone("UTC");
  r.mutable_check_in()->set_high(high);
  r.mutable_check_in()->set_low("a low");
  r.mutable_check_in()->set_connection_rating(3);
  return r;
}

class BatchTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(StartPeer(d_, "Alex")); }
  DaemonHarness d_;
};

TEST_F(BatchTest, EntriesAreWrittenAllTogetherInTheirOrder) {
  v1::BatchCreateJournalEntriesResponse out;
  ASSERT_OK(d_.journal().BatchCreateJournalEntries(DaemonHarness::Context().get(),
                                                   Entries(3, "first"), &out));
  ASSERT_EQ(out.journal_entries_size(), 3);
  EXPECT_EQ(out.journal_entries(2).title(), "first 2");
  EXPECT_THAT(out.journal_entries(0).name(), HasSubstr("journalEntries/"));
  EXPECT_EQ(ListAllJournalEntries(d_).size(), 3u);
}

TEST_F(BatchTest, OneBadRequestRefusesTheWholeBatchByItsIndex) {
  v1::BatchCreateJournalEntriesRequest batch = Entries(4, "bad");
  batch.mutable_requests(2)->mutable_journal_entry()->clear_body();
  v1::BatchCreateJournalEntriesResponse out;
  grpc::Status s =
      d_.journal().BatchCreateJournalEntries(DaemonHarness::Context().get(), batch, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("requests[2].journal_entry.body: is required"));
  EXPECT_EQ(ListAllJournalEntries(d_).size(), 0u);
  // Empty, and too many.
  s = d_.journal().BatchCreateJournalEntries(DaemonHarness::Context().get(), {}, &out);
  EXPECT_THAT(s.error_message(), HasSubstr("requests: the batch is empty"));
  s = d_.journal().BatchCreateJournalEntries(DaemonHarness::Context().get(), Entries(501, "many"),
                                             &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("at most 500"));
  EXPECT_EQ(ListAllJournalEntries(d_).size(), 0u);

  // Check-ins: a bad one, two for one day, a day checked in without
  // `replace`: each refuses the batch and names the request.
  const std::string today = UtcToday(), yesterday = AddDays(UtcToday(), -1);
  v1::BatchCreateCheckInsRequest checkins;
  *checkins.add_requests() = CheckInFor(yesterday, "yesterday");
  *checkins.add_requests() = CheckInFor(today, "today");
  checkins.mutable_requests(1)->mutable_check_in()->set_connection_rating(9);
  v1::BatchCreateCheckInsResponse written;
  s = d_.checkins().BatchCreateCheckIns(DaemonHarness::Context().get(), checkins, &written);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("requests[1].check_in.connection_rating"));
  checkins.mutable_requests(1)->mutable_check_in()->set_connection_rating(4);
  *checkins.add_requests() = CheckInFor(today, "today again");
  s = d_.checkins().BatchCreateCheckIns(DaemonHarness::Context().get(), checkins, &written);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("requests[2]: a second check-in for the day of "
                                           "requests[1]"));
  EXPECT_EQ(ListAllCheckIns(d_).size(), 0u);
  checkins.mutable_requests()->RemoveLast();
  ASSERT_OK(d_.checkins().BatchCreateCheckIns(DaemonHarness::Context().get(), checkins, &written));
  ASSERT_EQ(written.check_ins_size(), 2);
  EXPECT_EQ(written.check_ins(1).high(), "today");
  EXPECT_EQ(ListAllCheckIns(d_).size(), 2u);
  // Again without `replace`: refused, naming the first request.
  s = d_.checkins().BatchCreateCheckIns(DaemonHarness::Context().get(), checkins, &written);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("requests[0]: you have checked in for " + yesterday));
  // With it, both are replaced.
  for (auto& r : *checkins.mutable_requests()) {
    r.set_replace(true);
    r.mutable_check_in()->set_high(r.check_in().high() + ", replaced");
  }
  ASSERT_OK(d_.checkins().BatchCreateCheckIns(DaemonHarness::Context().get(), checkins, &written));
  EXPECT_EQ(written.check_ins(0).high(), "yesterday, replaced");
  EXPECT_EQ(ListAllCheckIns(d_).size(), 2u);
}

// SIGKILL while a batch of 500 is being written, at a different moment each
// round: after a restart the daemon holds all of the batch or none of it,
// and all of it whenever the call was answered.
TEST_F(BatchTest, ABatchKilledWhileItIsWrittenIsKeptWholeOrNotAtAll) {
  size_t before = 0;
  // From before the call arrives to after it is answered, on a quick
  // machine and a loaded one alike.
  const int delays_ms[] = {0, 5, 15, 30, 50, 80, 120, 200, 400};
  for (int round = 0; round < static_cast<int>(std::size(delays_ms)); ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    std::atomic<bool> answered{false};
    v1::BatchCreateJournalEntriesRequest batch = Entries(500, absl::StrCat("round", round));
    // A channel of its own: the harness's stubs end with Kill().
    auto journal = v1::JournalService::NewStub(d_.channel());
    std::thread writer([&] {
      v1::BatchCreateJournalEntriesResponse out;
      grpc::Status s =
          journal->BatchCreateJournalEntries(DaemonHarness::Context().get(), batch, &out);
      answered = s.ok();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(delays_ms[round]));
    d_.Kill();
    writer.join();
    ASSERT_TRUE(d_.Restart({"--peer-listen", "127.0.0.1:0"}));
    ASSERT_OK(d_.Unlock(kPassphrase));
    const size_t now = ListAllJournalEntries(d_).size();
    EXPECT_TRUE(now == before || now == before + 500) << before << " then " << now;
    if (answered) {
      EXPECT_EQ(now, before + 500) << "an answered batch was lost";
    }
    before = now;
  }
}

}  // namespace
}  // namespace attune::testing
