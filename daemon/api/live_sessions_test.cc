#include "daemon/api/live_sessions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace attune {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<LiveSessionData> Session(const std::string& name) {
  auto s = std::make_shared<LiveSessionData>();
  s->name = name;
  return s;
}

class LiveSessionsTest : public ::testing::Test {
 protected:
  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  LiveSessions sessions_{absl::Minutes(30), 2, &clock_};
};

// A person who steps away for less than the time-to-live finds the session
// where they left it; one who stays away longer is told it expired.
TEST_F(LiveSessionsTest, ASessionLivesUntilItIsUntouchedForTheTtl) {
  ASSERT_TRUE(sessions_.Add(Session("sessions/a")).ok());
  clock_.Advance(absl::Minutes(29));
  auto taken = sessions_.Checkout("sessions/a");
  ASSERT_TRUE(taken.ok()) << taken.status();
  sessions_.Return("sessions/a");  // an answer counts as activity
  clock_.Advance(absl::Minutes(29));
  ASSERT_TRUE(sessions_.Checkout("sessions/a").ok());
  sessions_.Return("sessions/a");
  clock_.Advance(absl::Minutes(30));
  auto expired = sessions_.Checkout("sessions/a");
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(expired.status().message(), HasSubstr("expired after 30 minutes"));
}

// An answer being handled (for longer than the ttl, say a slow plugin) does
// not let the session expire under it, and a second answer waits its turn.
TEST_F(LiveSessionsTest, ABusySessionNeitherExpiresNorTakesASecondAnswer) {
  ASSERT_TRUE(sessions_.Add(Session("sessions/a")).ok());
  ASSERT_TRUE(sessions_.Checkout("sessions/a").ok());
  EXPECT_EQ(sessions_.Checkout("sessions/a").status().code(),
            absl::StatusCode::kFailedPrecondition);
  clock_.Advance(absl::Hours(2));
  ASSERT_TRUE(sessions_.Add(Session("sessions/b")).ok());  // drops expired ones first
  sessions_.Return("sessions/a");
  EXPECT_TRUE(sessions_.Checkout("sessions/a").ok());
}

// The table is bounded; an expired or removed session frees its place.
TEST_F(LiveSessionsTest, CapacityIsBoundedAndFreedByExpiryOrRemoval) {
  ASSERT_TRUE(sessions_.Add(Session("sessions/a")).ok());
  ASSERT_TRUE(sessions_.Add(Session("sessions/b")).ok());
  auto full = sessions_.Add(Session("sessions/c"));
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(full.message(), HasSubstr("2 exercise sessions are under way"));
  EXPECT_NE(sessions_.Remove("sessions/a"), nullptr);
  EXPECT_EQ(sessions_.Remove("sessions/a"), nullptr);
  ASSERT_TRUE(sessions_.Add(Session("sessions/c")).ok());
  clock_.Advance(absl::Minutes(31));
  EXPECT_TRUE(sessions_.Add(Session("sessions/d")).ok());
  EXPECT_TRUE(sessions_.Add(Session("sessions/e")).ok());
}

}  // namespace
}  // namespace attune
