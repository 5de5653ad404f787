// InsightsService and `attune insights` on a real daemon: streaks from the
// check-ins written, the week's summary, refusals by name.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api_helpers.h"
#include "attune/v1/api.grpc.pb.h"
#include "daemon_harness.h"
#include "sync_support.h"

namespace attune::testing {
namespace {

using ::testing::HasSubstr;

grpc::Status GetInsights(DaemonHarness& d, const std::string& zone, int weeks, v1::Insights* out) {
  auto stub = v1::InsightsService::NewStub(d.channel());
  v1::GetInsightsRequest request;
  request.set_time_zone(zone);
  request.set_weeks(weeks);
  return stub->GetInsights(DaemonHarness::Context().get(), request, out);
}

TEST(InsightsIT, StreaksAndTheWeekComeFromTheCheckInsWritten) {
  DaemonHarness d;
  ASSERT_TRUE(d.Start());
  ASSERT_OK(d.InitVault("a passphrase for insights"));
  // Three days in a row up to yesterday (UTC), and one a week earlier.
  for (int back : {3, 2, 1, 9}) ASSERT_OK(WriteCheckIn(d, AddDays(UtcToday(), -back), "a high"));

  v1::Insights got;
  ASSERT_OK(GetInsights(d, "UTC", 4, &got));
  EXPECT_EQ(got.my_streak().current(), 3);
  EXPECT_EQ(got.my_streak().longest(), 3);
  EXPECT_EQ(got.my_streak().last_day(), AddDays(UtcToday(), -1));
  EXPECT_EQ(got.others_size(), 0);
  EXPECT_EQ(got.trend_size(), 4);
  EXPECT_EQ(got.this_week().check_ins() + got.last_week().check_ins() >= 3, true);
  EXPECT_TRUE(got.this_week().care_note().empty());

  CliResult text = RunCli(d, {"insights"});
  ASSERT_EQ(text.exit_code, 0) << text.out;
  EXPECT_THAT(text.out, HasSubstr("3 days in a row"));
  EXPECT_THAT(text.out, HasSubstr("This week"));
  CliResult json = RunCli(d, {"--json", "insights", "--weeks", "8"});
  ASSERT_EQ(json.exit_code, 0) << json.out;
  EXPECT_THAT(json.out, HasSubstr("\"current\": 3"));
}

TEST(InsightsIT, BadRequestsAreRefusedByNameAndLockedIsLocked) {
  DaemonHarness d;
  ASSERT_TRUE(d.Start());
  ASSERT_OK(d.InitVault("a passphrase for insights"));
  v1::Insights got;
  grpc::Status zone = GetInsights(d, "Mars/Olympus_Mons", 0, &got);
  EXPECT_EQ(zone.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(zone.error_message(), HasSubstr("time_zone"));
  grpc::Status weeks = GetInsights(d, "", 105, &got);
  EXPECT_EQ(weeks.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(weeks.error_message(), HasSubstr("weeks"));
  ASSERT_OK(d.Lock());
  grpc::Status locked = GetInsights(d, "", 0, &got);
  EXPECT_EQ(locked.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_OK(d.Unlock("a passphrase for insights"));
  EXPECT_TRUE(GetInsights(d, "", 0, &got).ok());
}

}  // namespace
}  // namespace attune::testing
