// examples/python/week.py, the README's example of a program calling
// attuned: run against a real daemon, it lists the week's check-ins with
// their author, and with --watch prints a change as it happens.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "api_helpers.h"
#include "daemon_harness.h"
#include "tests/support/shell_command.h"

namespace attune::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kPassphrase[] = "a long passphrase for the example";

class ClientExampleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(d_.Start({"--peer-listen", ""}));
    ASSERT_OK(d_.InitVault(kPassphrase));
  }
  std::string Command(const std::string& args) const {
    return "ATTUNE_SOCKET='" + d_.socket_path() + "' /usr/bin/python3 " +
           ATTUNE_PYTHON_EXAMPLE_DIR + "/week.py " + args + " 2>&1";
  }
  DaemonHarness d_;
};

TEST_F(ClientExampleTest, ListsTheWeeksCheckInsWithTheirAuthor) {
  v1::CreateCheckInRequest request;
  request.mutable_check_in()->set_high("a long walk by the river");
  request.mutable_check_in()->set_low("a tense call about money");
  request.mutable_check_in()->set_connection_rating(4);
  v1::CheckIn made;
  ASSERT_OK(d_.checkins().CreateCheckIn(DaemonHarness::Context().get(), request, &made));
  CommandOutput run = RunShellCommand(Command(""));
  EXPECT_EQ(run.exit_status, 0) << run.text;
  EXPECT_THAT(run.text,
              AllOf(HasSubstr(made.day()), HasSubstr("Integration Test"),
                    HasSubstr("connection 4/5"), HasSubstr("high: a long walk by the river"),
                    HasSubstr("low:  a tense call about money"), HasSubstr("1 check-in since"),
                    HasSubstr("connection 4.0 of 5 on average")));
}

TEST_F(ClientExampleTest, SaysPlainlyWhenTheVaultIsLocked) {
  ASSERT_OK(d_.Lock());
  CommandOutput run = RunShellCommand(Command(""));
  EXPECT_EQ(run.exit_status, 3) << run.text;
  EXPECT_THAT(run.text, HasSubstr("the vault is locked: run attune unlock"));
}

TEST_F(ClientExampleTest, WatchPrintsAChangeAsItHappens) {
  const std::string out_path = d_.root() + "/watch.out";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);  // its own group, so the shell and Python stop together
    ::execl("/bin/sh", "sh", "-c", (Command("--watch") + " > '" + out_path + "'").c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(pid, 0);
  auto read_out = [&] {
    std::string text;
    if (FILE* f = std::fopen(out_path.c_str(), "r")) {
      char buffer[4096];
      size_t n;
      while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) text.append(buffer, n);
      std::fclose(f);
    }
    return text;
  };
  auto eventually = [&](const char* what) {
    for (auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
         std::chrono::steady_clock::now() < end;
         std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
      if (read_out().find(what) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(eventually("Watching")) << read_out();
  v1::CreateJournalEntryRequest entry;
  entry.mutable_journal_entry()->set_body("written while the example watched");
  v1::JournalEntry made;
  ASSERT_OK(d_.journal().CreateJournalEntry(DaemonHarness::Context().get(), entry, &made));
  EXPECT_TRUE(eventually(("created " + made.name()).c_str())) << read_out();
  ::kill(-pid, SIGTERM);
  ::kill(pid, SIGTERM);
  ::waitpid(pid, nullptr, 0);
}

}  // namespace
}  // namespace attune::testing
