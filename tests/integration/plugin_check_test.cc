// tools/plugin-check on good plugins (every built-in one, the Python one)
// and on broken ones: it must say what is wrong, and exit 1.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/shell_command.h"
#include "tests/support/test_plugin.h"

namespace attune::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

struct Checked {
  int exit_status = -1;
  std::string output;
};

Checked Check(const std::string& args) {
  CommandOutput out = RunShellCommand(std::string(ATTUNE_PLUGIN_CHECK_PATH) + " " + args + " 2>&1");
  return {out.exit_status, out.text};
}

class PluginCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/attune-plugin-check-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  std::string root_;
};

TEST_F(PluginCheckTest, PassesEveryBuiltinPlugin) {
  for (const char* id : {"practices", "curiosity", "study", "challenges"}) {
    Checked c = Check(std::string(ATTUNE_BUILTIN_PLUGINS_DIR) + "/" + id);
    EXPECT_EQ(c.exit_status, 0) << c.output;
    EXPECT_THAT(c.output, AllOf(HasSubstr("ok       start"), HasSubstr("No problems.")));
  }
}

TEST_F(PluginCheckTest, PassesTheTemplate) {
  Checked c = Check(std::string(ATTUNE_TEST_PLUGINS_DIR) + "/three-good-things");
  EXPECT_EQ(c.exit_status, 0) << c.output;
  EXPECT_THAT(c.output, HasSubstr("exercise three-good-things: 4 steps, then journal_entry"));
}

TEST_F(PluginCheckTest, PassesThePythonPlugin) {
  Checked c = Check(std::string(ATTUNE_TEST_PLUGINS_DIR) + "/python-echo");
  EXPECT_EQ(c.exit_status, 0) << c.output;
  EXPECT_THAT(c.output, HasSubstr("exercise python-echo: 3 steps, then plugin_record"));
}

TEST_F(PluginCheckTest, PassesThePythonTemplate) {
  Checked c = Check(std::string(ATTUNE_TEST_PLUGINS_DIR) + "/weekly-appreciation --verbose");
  EXPECT_EQ(c.exit_status, 0) << c.output;
  EXPECT_THAT(c.output, AllOf(HasSubstr("exercise weekly-appreciation: 4 steps, then appreciation"),
                              HasSubstr("What Alex appreciated: Alex, what did Sam do"),
                              HasSubstr("stop: exited with status 0")));
}

TEST_F(PluginCheckTest, SaysWhatIsWrong) {
  std::string tp = MakeTestPlugin(root_, "tp");
  std::string garbage = MakeTestPlugin(root_, "garbage", "garbage", "", "1.0.0", "g-");
  std::string mismatch = MakeTestPlugin(root_, "mismatch", "describe-mismatch", "", "1.0.0", "m-");
  ASSERT_FALSE(tp.empty());
  struct Case {
    std::string args, says;
  } cases[] = {
      {garbage, "PROBLEM  start: the handshake line \"hello from a plugin"},
      {mismatch, "PROBLEM  start: Describe does not match the manifest"},
      {tp + " --exercise test-bad-step", "step 2 (turn) is bad: step.timed_turn.seconds"},
      {tp + " --exercise test-crash", "the plugin was killed by signal 6"},
      {tp + " --exercise test-hang --timeout 0.5", "Advance after step 1 (intro) failed"},
      {tp + " --exercise test-echo --option bad_records=yes",
       "Finish returned bad records: records[0].check_in.low: is required"},
      {tp + " --exercise test-echo --option records=appreciation",
       "which its manifest does not ask for"},
  };
  for (const auto& c : cases) {
    Checked out = Check(c.args);
    EXPECT_EQ(out.exit_status, 1) << c.args << "\n" << out.output;
    EXPECT_THAT(out.output, HasSubstr(c.says)) << c.args;
  }
  Checked good = Check(tp + " --exercise test-echo");
  EXPECT_EQ(good.exit_status, 0) << good.output;

  std::filesystem::create_directories(root_ + "/broken");
  std::ofstream(root_ + "/broken/manifest.textproto")
      << "id: \"broken\"\nexecutable: \"/bin/sh\"\n";
  Checked broken = Check(root_ + "/broken");
  EXPECT_EQ(broken.exit_status, 1);
  EXPECT_THAT(broken.output, HasSubstr("PROBLEM  manifest:"));
  EXPECT_EQ(Check("").exit_status, 2);
}

TEST_F(PluginCheckTest, HelpSaysHowToScriptASession) {
  Checked help = Check("--help");
  EXPECT_EQ(help.exit_status, 0) << help.output;
  EXPECT_THAT(help.output, AllOf(HasSubstr("--answers"), HasSubstr("--verbose"),
                                 HasSubstr("An answers file is JSON"),
                                 HasSubstr("A scripted answer from plugin-check.")));
}

// A plugin author scripts a session with --answers and reads it whole with
// --verbose: the steps as a person sees them (names filled in), each
// answer, the summary, the records, and what the plugin printed.
TEST_F(PluginCheckTest, AnswersFromAFileAndAVerboseTranscript) {
  std::string tp = MakeTestPlugin(root_, "tp");
  ASSERT_FALSE(tp.empty());
  std::ofstream(root_ + "/answers.json")
      << R"({"words": {"text": "from the file"}, "score": {"rating": 2}})";
  Checked c = Check(tp +
                    " --exercise test-echo --option eprint=yes --option records=journal_entry"
                    " --answers " +
                    root_ + "/answers.json --verbose");
  EXPECT_EQ(c.exit_status, 1) << c.output;  // journal_entry is not among tp's permissions
  EXPECT_THAT(c.output, AllOf(HasSubstr("step 1 (intro, prompt) Echo: A test exercise, Alex."),
                              HasSubstr("answer (from --answers): from the file"),
                              HasSubstr("answer (from --answers): 2 of 5"),
                              HasSubstr("What the plugin printed:"),
                              HasSubstr("stderr: debug: the person wrote from the file")));

  Checked good = Check(tp + " --exercise test-echo --answers " + root_ + "/answers.json -v");
  EXPECT_EQ(good.exit_status, 0) << good.output;
  EXPECT_THAT(good.output,
              AllOf(HasSubstr("summary: You wrote: from the file"), HasSubstr("No problems.")));

  std::ofstream(root_ + "/wrong.json") << R"({"score": {"rating": 9}, "nope": {"done": true}})";
  Checked wrong = Check(tp + " --exercise test-echo --answers " + root_ + "/wrong.json");
  EXPECT_EQ(wrong.exit_status, 1) << wrong.output;
  EXPECT_THAT(wrong.output,
              AllOf(HasSubstr("gets an answer from --answers that the daemon would refuse: "
                              "answer.rating"),
                    HasSubstr("--answers: no step \"nope\" was asked")));

  std::ofstream(root_ + "/not.json") << "[1, 2]";
  Checked not_json = Check(tp + " --answers " + root_ + "/not.json");
  EXPECT_EQ(not_json.exit_status, 2) << not_json.output;
  EXPECT_THAT(not_json.output, HasSubstr("is not a JSON object of step keys"));
}

// Options are resolved as the daemon does: an unknown key is refused before
// the plugin sees it.
TEST_F(PluginCheckTest, RefusesOptionsTheDaemonWouldRefuse) {
  std::string tp = MakeTestPlugin(root_, "tp");
  ASSERT_FALSE(tp.empty());
  Checked c = Check(tp + " --exercise test-echo --option loudness=11");
  EXPECT_EQ(c.exit_status, 1) << c.output;
  EXPECT_THAT(c.output, AllOf(HasSubstr("the daemon would refuse to start it: options"),
                              HasSubstr("loudness")));
}

// A plugin that never prints its handshake line (often: it did not flush).
TEST_F(PluginCheckTest, HintsAtFlushingWhenTheHandshakeNeverComes) {
  std::string silent = MakeTestPlugin(root_, "silent", "silent", "", "1.0.0", "s-");
  ASSERT_FALSE(silent.empty());
  Checked c = Check(silent);
  EXPECT_EQ(c.exit_status, 1) << c.output;
  EXPECT_THAT(c.output, HasSubstr("print(..., flush=True)"));
}

}  // namespace
}  // namespace attune::testing
