#include "daemon/plugins/discovery.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace attune {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

class DiscoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/attune-discovery-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // A plugin folder dir/name with a manifest for `id` offering `exercise`.
  void Plugin(const std::string& dir, const std::string& name, const std::string& id,
              const std::string& exercise) {
    std::string folder = root_ + "/" + dir + "/" + name;
    std::filesystem::create_directories(folder);
    std::ofstream(folder + "/manifest.textproto")
        << "id: \"" << id << "\" version: \"1\" protocol_version: 1 executable: \"run\"\n"
        << "exercises { id: \"" << exercise
        << "\" title: \"T\" summary: \"S\" minutes: 1 mode: EXERCISE_MODE_SOLO }\n";
    std::ofstream(folder + "/run") << "#!/bin/sh\n";
    ::chmod((folder + "/run").c_str(), 0755);
  }

  std::string root_;
};

TEST_F(DiscoveryTest, FindsPluginsInOrderWithoutRunningThem) {
  Plugin("builtin", "b", "bravo", "ex-b");
  Plugin("builtin", "a", "alpha", "ex-a");
  Plugin("user", "c", "charlie", "ex-c");
  std::filesystem::create_directories(root_ + "/user/not-a-plugin");
  Discovery d = DiscoverPlugins(
      {{root_ + "/builtin", true}, {root_ + "/user", false}, {root_ + "/missing", false}});
  EXPECT_THAT(d.problems, ::testing::IsEmpty());
  ASSERT_THAT(d.plugins, SizeIs(3));
  EXPECT_EQ(d.plugins[0].manifest.id(), "alpha");
  EXPECT_TRUE(d.plugins[0].builtin);
  EXPECT_EQ(d.plugins[1].manifest.id(), "bravo");
  EXPECT_EQ(d.plugins[2].manifest.id(), "charlie");
  EXPECT_FALSE(d.plugins[2].builtin);
  EXPECT_EQ(d.plugins[2].executable, root_ + "/user/c/run");
}

TEST_F(DiscoveryTest, FirstPluginWithAnIdOrExerciseWins) {
  Plugin("builtin", "a", "alpha", "ex-a");
  Plugin("user", "a2", "alpha", "ex-other");
  Plugin("user", "b", "bravo", "ex-a");
  Plugin("user", "bad", "Bad Id", "ex-z");
  Discovery d = DiscoverPlugins({{root_ + "/builtin", true}, {root_ + "/user", false}});
  ASSERT_THAT(d.plugins, SizeIs(1));
  ASSERT_THAT(d.problems, SizeIs(3));
  EXPECT_THAT(d.problems[0], HasSubstr("plugin id alpha is already taken"));
  EXPECT_THAT(d.problems[1], HasSubstr("exercise id ex-a is already offered"));
  EXPECT_THAT(d.problems[2], HasSubstr("id:"));
}

}  // namespace
}  // namespace attune
