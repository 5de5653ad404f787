// Plugins are confined, checked against the real daemon: a plugin can
// reach neither the network, nor the daemon's socket, nor the data folder.
// The other security tests: security_test.cc (another local user),
// secrets_test.cc (no secret or content in a log, a plain file or the
// daemon's memory after Lock).
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "api_helpers.h"
#include "daemon/plugins/sandbox.h"
#include "daemon_harness.h"
#include "exercise_driver.h"
#include "security_support.h"
#include "tests/support/test_plugin.h"

namespace attune::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class PluginConfinementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    plugins_ = d_.root() + "/user-plugins";
    fs::create_directories(plugins_);
    ASSERT_NE(MakeTestPlugin(plugins_, "tp", "normal", "", "1.0.0", "tp-"), "");
    ASSERT_TRUE(d_.Start({"--plugins-dir", plugins_}));
    ASSERT_OK(d_.InitVault("confinement passphrase"));
    v1::CreateJournalEntryRequest journal;
    journal.mutable_journal_entry()->set_body("what a plugin must never read");
    v1::JournalEntry entry;
    ASSERT_OK(d_.journal().CreateJournalEntry(DaemonHarness::Context().get(), journal, &entry));
    driver_ = std::make_unique<ExerciseDriver>(d_.channel(), Vocabulary(d_));
  }

  // Runs tp-echo with `options` and returns its summary, where the plugin
  // says what it could do.
  std::string Probe(const std::map<std::string, std::string>& options) {
    v1::StartSessionRequest start;
    start.set_exercise("tp-echo");
    for (const auto& [k, v] : options) {
      EXPECT_LE(v.size(), 64u) << k << ": option values are at most 64 characters";
      (*start.mutable_options())[k] = v;
    }
    auto run = driver_->RunSession(start);
    EXPECT_TRUE(run.status.ok()) << Describe(run.status);
    return run.last.record().summary();
  }

  // Paths as the plugin sees them from its folder (root/user-plugins/tp),
  // which keeps them short whatever TMPDIR is.
  static std::string FromPlugin(const std::string& in_root) { return "../../" + in_root; }

  DaemonHarness d_;
  std::string plugins_;
  std::unique_ptr<ExerciseDriver> driver_;
};

int BoundLoopbackSocket(int type, int* port) {
  int fd = ::socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      (type == SOCK_STREAM && ::listen(fd, 4) != 0) ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return -1;
  }
  *port = ntohs(addr.sin_port);
  return fd;
}

TEST_F(PluginConfinementTest, APluginCannotReachTheNetworkOrTheDaemonsSocket) {
  int tcp_port = 0, udp_port = 0;
  int tcp = BoundLoopbackSocket(SOCK_STREAM, &tcp_port);
  int udp = BoundLoopbackSocket(SOCK_DGRAM, &udp_port);
  ASSERT_GE(tcp, 0) << std::strerror(errno);
  ASSERT_GE(udp, 0) << std::strerror(errno);
  std::string summary = Probe({{"probe", "yes"},
                               {"tcp_port", std::to_string(tcp_port)},
                               {"udp_port", std::to_string(udp_port)},
                               {"unix", FromPlugin("attuned.sock")},
                               {"own", "manifest.textproto"}});
  EXPECT_THAT(summary, HasSubstr("network=blocked"));
  EXPECT_THAT(summary, HasSubstr("tcp=EACCES"));
  EXPECT_THAT(summary, HasSubstr("tcp6=EACCES"));
  EXPECT_THAT(summary, HasSubstr("udp=EACCES"));
  // The daemon's own socket would give the plugin every record: refused.
  EXPECT_THAT(summary, HasSubstr("unix=EACCES"));
  // The control: the plugin does run its probes, and reads its own folder.
  EXPECT_THAT(summary, HasSubstr("own=ok"));
  // Nothing arrived on loopback.
  EXPECT_LT(::accept(tcp, nullptr, nullptr), 0);
  EXPECT_EQ(errno, EAGAIN);
  char byte;
  EXPECT_LT(::recv(udp, &byte, 1, 0), 0);
  EXPECT_EQ(errno, EAGAIN);
  ::close(tcp);
  ::close(udp);
  // The test itself can reach the socket, so the refusal above is the
  // plugin's confinement, not a wrong path.
  v1::VaultStatus st;
  EXPECT_OK(d_.GetStatus(&st));
}

TEST_F(PluginConfinementTest, APluginCannotReadTheDataFolder) {
  std::string reason;
  if (LandlockAbi(&reason) == 0) {
    EXPECT_THAT(d_.StderrSinceStart(), HasSubstr("plugins are not confined to their own folder"))
        << "the daemon must say so in its log";
    GTEST_SKIP() << "no Landlock here (" << reason
                 << "), so nothing stops a plugin from reading its user's files";
  }
  const std::string data = d_.data_dir();
  ASSERT_TRUE(fs::exists(data + "/attuned.lock"));
  ASSERT_TRUE(fs::exists(data + "/db/CURRENT"));
  std::string summary = Probe({{"read", FromPlugin("data/db/CURRENT")},
                               {"list", FromPlugin("data")},
                               {"own", "manifest.textproto"}});
  EXPECT_THAT(summary, HasSubstr("read=EACCES"));
  EXPECT_THAT(summary, HasSubstr("list=EACCES"));
  EXPECT_THAT(summary, HasSubstr("own=ok")) << "the control: its own folder stays readable";
  summary = Probe({{"read", FromPlugin("data/attuned.lock")}, {"list", FromPlugin("data/db")}});
  EXPECT_THAT(summary, HasSubstr("read=EACCES"));
  EXPECT_THAT(summary, HasSubstr("list=EACCES"));
  // Nor anything else of the test's folder, such as the daemon's log.
  summary = Probe({{"read", FromPlugin("attuned.stderr")}});
  EXPECT_THAT(summary, HasSubstr("read=EACCES"));
  EXPECT_THAT(d_.StderrSinceStart(), HasSubstr("plugins may read only system files"));
}

}  // namespace
}  // namespace attune::testing
