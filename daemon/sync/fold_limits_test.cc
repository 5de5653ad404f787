#include "daemon/sync/fold_limits.h"

#include <gtest/gtest.h>

namespace attune {
namespace {

using Written = std::pair<RecordStore::VersionVector, RecordStore::VersionVector>;

TEST(FoldLimitsTest, ARemovalMattersOnlyWhenOpsPastTheCutOffAreHeld) {
  const FoldLimits none;
  const FoldLimits removed = {{"phone", {100, 5}}};
  EXPECT_FALSE(FoldLimitsMatter(none, removed, Written{{{"phone", 100}}, {{"phone", 5}}}, "me"));
  EXPECT_TRUE(FoldLimitsMatter(none, removed, Written{{{"phone", 101}}, {}}, "me"));
  EXPECT_TRUE(FoldLimitsMatter(none, removed, Written{{}, {{"phone", 6}}}, "me"));
  // This device's own ops are never checked at a fold.
  EXPECT_FALSE(FoldLimitsMatter(none, removed, Written{{{"phone", 101}}, {}}, "phone"));
}

TEST(FoldLimitsTest, ARaisedCutOffMattersForTheOpsBetweenTheTwo) {
  const FoldLimits first = {{"phone", {100, 5}}};
  const FoldLimits raised = {{"phone", {120, 5}}};
  EXPECT_FALSE(FoldLimitsMatter(first, raised, Written{{{"phone", 100}}, {{"phone", 9}}}, "me"));
  EXPECT_TRUE(FoldLimitsMatter(first, raised, Written{{{"phone", 101}}, {}}, "me"));
  // The same limits: nothing to fold again, whatever is held.
  EXPECT_FALSE(FoldLimitsMatter(raised, raised, Written{{{"phone", 500}}, {}}, "me"));
}

}  // namespace
}  // namespace attune
