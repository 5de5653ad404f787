#include "suggest.h"

#include <gtest/gtest.h>

namespace attune::cli {
namespace {

const std::vector<std::string> kCommands = {"checkin", "journal", "goal",
                                            "status",  "sync",    "exercise"};

TEST(SuggestTest, AMistypedCommandGetsTheNearestKnownOnes) {
  EXPECT_EQ(Nearest("jornal", kCommands), std::vector<std::string>{"journal"});
  EXPECT_EQ(Nearest("check", kCommands), std::vector<std::string>{"checkin"});
  EXPECT_EQ(UnknownCommandMessage("stats", kCommands),
            "unknown command 'stats'; did you mean status?");
}

TEST(SuggestTest, WithNothingNearEveryCommandIsListed) {
  EXPECT_EQ(UnknownCommandMessage("search", kCommands),
            "unknown command 'search'; the commands are: checkin, journal, goal, status, sync, "
            "exercise");
}

}  // namespace
}  // namespace attune::cli
