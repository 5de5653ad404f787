#include "daemon/plugins/manifest.h"

#include <gmock/gmock.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace attune {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kGood[] = R"(
id: "practices"
version: "1.0.0"
protocol_version: 1
executable: "bin/attune-practices"
permissions: "check_in"
permissions: "appreciation"
exercises {
  id: "daily-checkin" title: "Daily check-in" summary: "One high, one low."
  minutes: 10 mode: EXERCISE_MODE_PAIR tags: "daily"
}
exercises {
  id: "emotion-naming" title: "Name the feeling" summary: "Pause and name it."
  minutes: 5 mode: EXERCISE_MODE_SOLO
}
)";

std::string With(const std::string& from, const std::string& to) {
  std::string s = kGood;
  size_t pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

TEST(ManifestTest, ParsesAGoodManifest) {
  auto m = ParseManifest(kGood);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->id(), "practices");
  EXPECT_EQ(m->executable(), "bin/attune-practices");
  ASSERT_EQ(m->exercises_size(), 2);
  EXPECT_EQ(m->exercises(1).mode(), v1::EXERCISE_MODE_SOLO);
  EXPECT_THAT(m->permissions(), ::testing::ElementsAre("check_in", "appreciation"));
}

TEST(ManifestTest, ReportsSyntaxErrorsWithTheirPlace) {
  auto m = ParseManifest("id: \"x\"\nversion: 1.0.0\n");
  ASSERT_TRUE(absl::IsInvalidArgument(m.status()));
  EXPECT_THAT(m.status().message(), HasSubstr("line 2"));
}

TEST(ManifestTest, NamesTheWrongField) {
  struct Case {
    std::string from, to, field;
  } cases[] = {
      {"id: \"practices\"", "id: \"Practices!\"", "id:"},
      {"version: \"1.0.0\"", "", "version:"},
      {"protocol_version: 1", "protocol_version: 2", "protocol_version:"},
      {"\"bin/attune-practices\"", "\"/usr/bin/evil\"", "executable:"},
      {"\"bin/attune-practices\"", "\"../outside\"", "executable:"},
      {"permissions: \"appreciation\"", "permissions: \"keys\"", "permissions[1]:"},
      {"permissions: \"appreciation\"", "permissions: \"check_in\"", "permissions[1]:"},
      {"id: \"emotion-naming\"", "id: \"daily-checkin\"", "exercises[1].id:"},
      {"minutes: 5", "minutes: 0", "exercises[1].minutes:"},
      {"mode: EXERCISE_MODE_SOLO", "", "exercises[1].mode:"},
      {"title: \"Name the feeling\"", "title: \"\"", "exercises[1].title:"},
      // Escape sequences (written as text-format escapes) in what attune
      // exercise list shows.
      {"title: \"Name the feeling\"", "title: \"Name\\x1b[2K\"", "exercises[1].title:"},
      {"summary: \"Pause and name it.\"", "summary: \"Pause\\x1b]0;x\\x07\"",
       "exercises[1].summary:"},
  };
  for (const auto& c : cases) {
    auto m = ParseManifest(With(c.from, c.to));
    EXPECT_TRUE(absl::IsInvalidArgument(m.status())) << c.field;
    EXPECT_THAT(m.status().message(), HasSubstr(c.field)) << m.status();
  }
}

// A manifest written with the names before 0.1.0 (mode: PAIR) is refused
// with the spelling it needs.
TEST(ManifestTest, AnOldEnumSpellingSaysTheNewOne) {
  auto m = ParseManifest(With("mode: EXERCISE_MODE_PAIR", "mode: PAIR"));
  EXPECT_TRUE(absl::IsInvalidArgument(m.status()));
  EXPECT_THAT(m.status().message(),
              AllOf(HasSubstr("\"PAIR\""), HasSubstr("mode: EXERCISE_MODE_PAIR")));
}

TEST(ManifestTest, NeedsAnExercise) {
  pv1::PluginManifest m;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kGood, &m));
  m.clear_exercises();
  EXPECT_THAT(CheckManifest(m).message(), HasSubstr("exercises:"));
}

TEST(ManifestTest, ReadManifestChecksTheExecutable) {
  char tmpl[] = "/tmp/attune-manifest-test-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  EXPECT_TRUE(absl::IsNotFound(ReadManifest(dir).status()));
  std::ofstream(dir + "/manifest.textproto") << kGood;
  auto missing = ReadManifest(dir);
  EXPECT_THAT(missing.status().message(), HasSubstr("does not exist"));
  std::filesystem::create_directories(dir + "/bin");
  std::ofstream(dir + "/bin/attune-practices") << "#!/bin/sh\n";
  EXPECT_THAT(ReadManifest(dir).status().message(), HasSubstr("not executable"));
  ::chmod((dir + "/bin/attune-practices").c_str(), 0755);
  EXPECT_TRUE(ReadManifest(dir).ok());
  std::filesystem::remove_all(dir);
}

TEST(ManifestTest, DescribeMustMatchTheManifest) {
  auto m = ParseManifest(kGood);
  ASSERT_TRUE(m.ok());
  pv1::DescribeResponse d;
  d.set_plugin_id("practices");
  d.set_version("1.0.0");
  for (const auto& e : m->exercises()) *d.add_exercises() = e;
  EXPECT_TRUE(CheckDescribeMatches(*m, d).ok());

  auto other = d;
  other.set_version("1.0.1");
  EXPECT_THAT(CheckDescribeMatches(*m, other).message(), HasSubstr("version"));
  other = d;
  other.set_plugin_id("impostor");
  EXPECT_THAT(CheckDescribeMatches(*m, other).message(), HasSubstr("plugin id"));
  other = d;
  other.mutable_exercises()->RemoveLast();
  EXPECT_THAT(CheckDescribeMatches(*m, other).message(), HasSubstr("emotion-naming"));
  other = d;
  other.add_exercises()->set_id("surprise");
  EXPECT_THAT(CheckDescribeMatches(*m, other).message(), HasSubstr("surprise"));
  other = d;
  other.mutable_exercises(0)->set_title("Another title");
  EXPECT_THAT(CheckDescribeMatches(*m, other).message(), HasSubstr("daily-checkin"));
  EXPECT_EQ(CheckDescribeMatches(*m, other).code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace attune
