// attuned.toml (daemon/config_file.h): every setting can come from the file,
// a flag wins over it, --print-config shows what is in effect and reads back,
// and each kind of mistake stops the daemon naming the file, line and key.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "api_helpers.h"
#include "daemon_harness.h"

namespace attune::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = d_.root() + "/config/attune/attuned.toml";
    std::filesystem::create_directories(d_.root() + "/config/attune");
  }
  void Write(const std::string& text) { std::ofstream(path_) << text; }
  // attuned with these arguments only (no --data-dir or --socket given).
  ProcessResult Run(const std::vector<std::string>& args) { return d_.RunToExit(args); }

  DaemonHarness d_;
  std::string path_;
};

// Every setting, written in the file, is the one in effect.
TEST_F(ConfigFileTest, EverySettingComesFromTheFile) {
  Write(R"(# settings of a test
data-dir = "/srv/attune/data"
socket = "/srv/attune/attuned.sock"
peer-listen = "127.0.0.1:27500"
peer-advertise = ["home.example:27500", "10.1.2.3:27500"]
discovery = false
kept-events = 500
live-events = 300
plugins-dir = ["/srv/attune/plugins"]
plugin_idle_timeout = 7.5
plugin-call-timeout = 3
plugin-restart-backoff = 0.5
)");
  ProcessResult r = Run({"--print-config"});
  ASSERT_EQ(r.exit_status, 0) << r.output;
  EXPECT_THAT(
      r.output,
      AllOf(HasSubstr("data-dir = '/srv/attune/data'"),
            HasSubstr("socket = '/srv/attune/attuned.sock'"),
            HasSubstr("peer-listen = '127.0.0.1:27500'"),
            HasSubstr("peer-advertise = [ 'home.example:27500', '10.1.2.3:27500' ]"),
            HasSubstr("discovery = false"), HasSubstr("kept-events = 500"),
            HasSubstr("live-events = 300"), HasSubstr("plugins-dir = [ '/srv/attune/plugins' ]"),
            HasSubstr("plugin-idle-timeout = 7.5"), HasSubstr("plugin-call-timeout = 3"),
            HasSubstr("plugin-restart-backoff = 0.5")));

  // What --print-config prints is a file attuned reads back as it is.
  const std::string printed = d_.root() + "/printed.toml";
  std::ofstream(printed) << r.output;
  ProcessResult again = Run({"--config", printed, "--print-config"});
  ASSERT_EQ(again.exit_status, 0) << again.output;
  EXPECT_EQ(again.output, r.output);
}

TEST_F(ConfigFileTest, AFlagWinsOverTheFile) {
  Write("kept-events = 500\nplugin-call-timeout = 3\n");
  ProcessResult r = Run({"--print-config", "--kept-events", "42"});
  ASSERT_EQ(r.exit_status, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("kept-events = 42"), HasSubstr("plugin-call-timeout = 3")));
}

TEST_F(ConfigFileTest, WithoutAFileTheDefaultsHold) {
  ProcessResult r = Run({"--print-config"});
  ASSERT_EQ(r.exit_status, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("peer-listen = '0.0.0.0:27441'"),
                              HasSubstr("kept-events = 10000"), HasSubstr("peer-advertise = []")));
  ProcessResult missing = Run({"--config", d_.root() + "/none.toml", "--print-config"});
  EXPECT_NE(missing.exit_status, 0);
  EXPECT_THAT(missing.output, HasSubstr("none.toml"));
}

// A daemon started with no flag but --config serves where its file says.
TEST_F(ConfigFileTest, ADaemonRunsFromTheFileAlone) {
  const std::string socket = d_.root() + "/from-file.sock";
  const std::string data = d_.root() + "/from-file-data";
  Write("data-dir = \"" + data + "\"\nsocket = \"" + socket + "\"\npeer-listen = \"\"\n");
  pid_t pid = ::fork();
  if (pid == 0) {
    int out = ::open((d_.root() + "/from-file.stderr").c_str(), O_WRONLY | O_CREAT, 0600);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::execl(AttunedPath(), AttunedPath(), "--config", path_.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(pid, 0);
  auto channel = DaemonHarness::MakeChannel(socket);
  auto vault = v1::VaultService::NewStub(channel);
  grpc::Status s;
  v1::VaultStatus status;
  for (auto end = std::chrono::steady_clock::now() + DaemonHarness::kReadyTimeout;
       std::chrono::steady_clock::now() < end;
       std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
    google::protobuf::Empty empty;
    s = vault->GetStatus(DaemonHarness::Context(std::chrono::milliseconds(500)).get(), empty,
                         &status);
    if (s.ok()) break;
  }
  EXPECT_OK(s);
  EXPECT_EQ(status.state(), v1::VaultStatus::STATE_UNINITIALIZED);
  EXPECT_TRUE(std::filesystem::exists(data)) << "the data folder the file names";
  ::kill(pid, SIGTERM);
  int wait_status = 0;
  ::waitpid(pid, &wait_status, 0);
  EXPECT_TRUE(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0);
}

// Each kind of mistake stops the daemon before it starts, naming the file,
// the line and the key; nothing is created.
TEST_F(ConfigFileTest, MistakesNameTheFileTheLineAndTheKey) {
  struct Case {
    std::string text, says;
  } cases[] = {
      {"kept-events = 5\ncolour = \"blue\"\n",
       ":2: colour: is not a setting of attuned (they are: data-dir, socket"},
      {"\nkept-events = \"many\"\n", ":2: kept-events: must be a whole number"},
      {"peer-advertise = [1, 2]\n", ":1: peer-advertise: must be an array of strings"},
      {"peer-listen = 27441\n", ":1: peer-listen: must be a string in quotes"},
      {"rebuild-views = true\n",
       ":1: rebuild-views: is a one-time action, not a setting: give --rebuild-views on the "
       "command line"},
      {"\n\nkept-events = 0\n", ":3: kept-events: Value 0 not in range 1 to 1000000"},
      {"plugin-call-timeout = -1\n",
       ":1: plugin-call-timeout: \"-1\" is not a positive number of seconds"},
      {"peer-advertise = [\"nowhere\"]\n", ":1: peer-advertise: \"nowhere\" is not host:port"},
      {"[plugins]\nidle = 5\n", ":1: plugins: is not a setting of attuned"},
      {"kept-events = \n", ":1: "},
  };
  for (const auto& c : cases) {
    Write(c.text);
    ProcessResult r = Run({"--data-dir", d_.root() + "/never", "--socket", d_.root() + "/x.sock"});
    EXPECT_NE(r.exit_status, 0) << c.text;
    EXPECT_THAT(r.output, HasSubstr(path_ + c.says)) << c.text;
    EXPECT_FALSE(std::filesystem::exists(d_.root() + "/never")) << c.text;
  }
}

}  // namespace
}  // namespace attune::testing
