// HomeDir() never falls back to a shared place such as /tmp.
#include "daemon/base/home_dir.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace attune {
namespace {

class HomeDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* home = std::getenv("HOME");
    if (home != nullptr) saved_ = home;
  }
  void TearDown() override {
    if (saved_) {
      ::setenv("HOME", saved_->c_str(), 1);
    } else {
      ::unsetenv("HOME");
    }
  }
  std::optional<std::string> saved_;
};

TEST_F(HomeDirTest, HomeWhenSet) {
  ::setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(HomeDir(), "/home/someone");
}

TEST_F(HomeDirTest, ThePasswordDatabaseWhenHomeIsUnsetNeverTmp) {
  for (bool unset : {true, false}) {
    if (unset) {
      ::unsetenv("HOME");
    } else {
      ::setenv("HOME", "", 1);
    }
    struct passwd* me = ::getpwuid(::getuid());
    std::string expected = me != nullptr && me->pw_dir != nullptr && me->pw_dir[0] == '/'
                               ? std::string(me->pw_dir)
                               : std::string();
    EXPECT_EQ(HomeDir(), expected);
    EXPECT_NE(HomeDir().rfind("/tmp", 0), 0u);
  }
}

}  // namespace
}  // namespace attune
