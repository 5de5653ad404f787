#include "daemon/store/own_log_head.h"

#include <gtest/gtest.h>

#include <vector>

namespace attune {
namespace {

// Three ops written at seqs 1..3: the head as the store keeps it.
class OwnLogHeadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (uint64_t seq = 1; seq <= 3; ++seq) Advance(&head_, seq, ops_[seq - 1]);
  }
  StreamScan ScanOf(const std::vector<std::pair<uint64_t, std::string>>& held) {
    StreamScan scan;
    for (const auto& [seq, op] : held) scan.Add(seq, op);
    return scan;
  }
  std::string Problem(const std::vector<std::pair<uint64_t, std::string>>& held) {
    std::string at_head;
    for (const auto& [seq, op] : held) {
      if (seq == head_.seq()) at_head = OpDigest(op);
    }
    return StreamProblem("shared", head_, ScanOf(held), at_head);
  }

  const std::vector<std::string> ops_ = {"op one", "op two", "op three"};
  v1::OwnStreamHead head_;
};

TEST_F(OwnLogHeadTest, TheLogAsWrittenAgrees) {
  EXPECT_EQ(head_.seq(), 3u);
  EXPECT_EQ(head_.count(), 3u);
  EXPECT_EQ(Problem({{1, "op one"}, {2, "op two"}, {3, "op three"}}), "");
}

// Each way a thief (or a bad restore) can change the log is named.
TEST_F(OwnLogHeadTest, EachChangeToTheLogIsNamed) {
  EXPECT_EQ(Problem({{1, "op one"}, {2, "op two"}}),
            "own shared op 3 (the last one this device wrote) is missing from the data folder");
  EXPECT_EQ(Problem({{1, "op one"}}),
            "own shared ops 2 to 3 (the last ones this device wrote) are missing from the data "
            "folder");
  EXPECT_EQ(Problem({{1, "op one"}, {3, "op three"}}),
            "own shared op 2 is missing from the data folder");
  EXPECT_EQ(Problem({{1, "op one"}, {2, "op two"}, {3, "op 3 forged"}}),
            "own shared op 3 in the data folder is not the one this device wrote");
  EXPECT_EQ(Problem({{1, "op one"}, {2, "op 2 forged"}, {3, "op three"}}),
            "own shared ops before op 3 in the data folder are not the ones this device wrote");
  EXPECT_EQ(Problem({{1, "op one"}, {2, "op two"}, {3, "op three"}, {4, "op four"}}),
            "the data folder holds own shared ops up to 4, but this device wrote only up to 3");
  StreamScan malformed = ScanOf({{1, "op one"}});
  malformed.malformed = true;
  EXPECT_EQ(StreamProblem("private", head_, malformed, ""),
            "a key of this device's private ops is malformed");
}

TEST_F(OwnLogHeadTest, TheChainDependsOnOrderAndEveryByte) {
  EXPECT_NE(ChainNext(ChainNext("", "a"), "b"), ChainNext(ChainNext("", "b"), "a"));
  EXPECT_NE(ChainNext("", "a"), ChainNext("", "b"));
  EXPECT_EQ(OpDigest("x").size(), 32u);
}

}  // namespace
}  // namespace attune
