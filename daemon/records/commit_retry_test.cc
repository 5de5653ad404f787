#include <gtest/gtest.h>

#include "daemon/records/record_ops.h"

namespace attune {
namespace {

// A write that lost a race (the store refused its Require condition) is
// planned again; one that keeps losing ends with the message the person sees.
TEST(CommitWithRetryTest, PlansAgainAfterARaceAndGivesUpInTime) {
  int calls = 0;
  auto wins_third = CommitWithRetry<int>(
      [&]() -> absl::StatusOr<int> {
        ++calls;
        if (calls == 1) return absl::AlreadyExistsError("written meanwhile");
        if (calls == 2) return absl::NotFoundError("deleted meanwhile");
        return 42;
      },
      "kept changing");
  ASSERT_TRUE(wins_third.ok());
  EXPECT_EQ(*wins_third, 42);
  EXPECT_EQ(calls, 3);

  calls = 0;
  auto never = CommitWithRetry<int>(
      [&]() -> absl::StatusOr<int> {
        ++calls;
        return absl::AlreadyExistsError("written meanwhile");
      },
      "the day's check-in kept changing; try again");
  EXPECT_EQ(never.status(), absl::AbortedError("the day's check-in kept changing; try again"));
  EXPECT_EQ(calls, kMaxCommitAttempts);
}

TEST(CommitWithRetryTest, OtherFailuresAreReturnedAtOnce) {
  int calls = 0;
  auto refused = CommitWithRetry<int>(
      [&]() -> absl::StatusOr<int> {
        ++calls;
        return absl::InvalidArgumentError("check_in.high: is required");
      },
      "unused");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace attune
