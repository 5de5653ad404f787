#include "daemon/store/hlc.h"

#include <gtest/gtest.h>

namespace attune {
namespace {

TEST(HybridClockTest, ReadingsIncreaseEvenWhenTheWallClockStepsBack) {
  FakeClock wall(absl::FromUnixSeconds(1'800'000'000));
  HybridClock hlc(&wall);
  uint64_t a = hlc.Now();
  uint64_t b = hlc.Now();
  EXPECT_GT(b, a);
  wall.Advance(-absl::Hours(1));
  uint64_t c = hlc.Now();
  EXPECT_GT(c, b);
  EXPECT_EQ(HybridClock::WallMillis(a), 1'800'000'000'000u);
}

TEST(HybridClockTest, FollowsWallTimeAndObservedReadings) {
  FakeClock wall(absl::FromUnixSeconds(1'800'000'000));
  HybridClock hlc(&wall);
  uint64_t a = hlc.Now();
  wall.Advance(absl::Seconds(1));
  EXPECT_EQ(HybridClock::WallMillis(hlc.Now()), HybridClock::WallMillis(a) + 1000);
  uint64_t future = (uint64_t{1'900'000'000'000} << 16) | 5;
  hlc.Observe(future);
  EXPECT_GT(hlc.Now(), future);
}

}  // namespace
}  // namespace attune
