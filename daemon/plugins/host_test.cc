// The plugin host's lifecycle with a real plugin process (the test plugin):
// lazy start and handshake, idle stop, crash, hang, garbage, versions,
// Describe, backoff and restart.
#include "daemon/plugins/host.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/ascii.h"
#include "daemon/plugins/launcher.h"
#include "daemon/plugins/sandbox.h"
#include "tests/support/test_plugin.h"

namespace attune {
namespace {

using ::attune::testing::ChildPids;
using ::attune::testing::Eventually;
using ::attune::testing::MakeTestPlugin;
using ::attune::testing::ProcessAlive;
using ::testing::HasSubstr;

class HostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/attune-host-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    options_.dirs = {{root_ + "/plugins", false}};
    options_.runtime_dir = root_ + "/run";
    options_.call_timeout = absl::Seconds(5);
    options_.idle_timeout = absl::Hours(1);
    options_.initial_backoff = absl::Hours(1);
  }
  void TearDown() override {
    host_.reset();
    std::filesystem::remove_all(root_);
  }

  void AddPlugin(const std::string& id, const std::string& mode = "normal",
                 const std::string& prefix = "test-") {
    ASSERT_NE(MakeTestPlugin(root_ + "/plugins", id, mode, "", "1.0.0", prefix), "");
  }
  PluginHost& Host() {
    if (!host_) host_ = std::make_unique<PluginHost>(options_, &grants_, clock_);
    return *host_;
  }
  static plugin::v1::StartRequest StartOf(const std::string& exercise) {
    plugin::v1::StartRequest r;
    r.mutable_context()->set_exercise(exercise);
    r.mutable_context()->set_first_name("Alex");
    return r;
  }
  // Answers the first step (a prompt) of `exercise` with done.
  static plugin::v1::AdvanceRequest AfterIntro(const std::string& exercise,
                                               const plugin::v1::StepResponse& first) {
    plugin::v1::AdvanceRequest r;
    r.mutable_context()->set_exercise(exercise);
    auto* ex = r.add_transcript();
    *ex->mutable_step() = first.step();
    ex->mutable_answer()->set_done(true);
    return r;
  }

  std::string root_;
  PluginHostOptions options_;
  MemoryGrantStore grants_;
  // Real time unless a test moves the host to fake_clock_ (UseFakeClock).
  SystemClock system_clock_;
  FakeClock fake_clock_{absl::FromUnixSeconds(1'800'000'000)};
  const Clock* clock_ = &system_clock_;
  std::unique_ptr<PluginHost> host_;
};

TEST_F(HostTest, StartsOnFirstUseAndAnswers) {
  AddPlugin("echo");
  PluginHost& host = Host();
  ASSERT_EQ(host.Plugins().size(), 1u);
  EXPECT_FALSE(host.StateOf("echo").running) << "listing must not start anything";
  EXPECT_TRUE(ChildPids().empty());

  auto step = host.Start("echo", StartOf("test-echo"));
  ASSERT_TRUE(step.ok()) << step.status();
  EXPECT_EQ(step->step().key(), "intro");
  EXPECT_EQ(step->step().text(), "A test exercise, Alex.");
  auto state = host.StateOf("echo");
  ASSERT_TRUE(state.running);
  EXPECT_TRUE(ProcessAlive(state.pid));

  auto next = host.Advance("echo", AfterIntro("test-echo", *step));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->step().key(), "words");
  EXPECT_EQ(host.StateOf("echo").pid, state.pid) << "one process serves every call";
}

TEST_F(HostTest, StopsAfterIdleTime) {
  options_.idle_timeout = absl::Milliseconds(200);
  AddPlugin("echo");
  PluginHost& host = Host();
  ASSERT_TRUE(host.Start("echo", StartOf("test-echo")).ok());
  int pid = host.StateOf("echo").pid;
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(Eventually([&] { return !host.StateOf("echo").running; }));
  EXPECT_TRUE(Eventually([&] { return !ProcessAlive(pid); }));
  EXPECT_EQ(host.StateOf("echo").failures, 0) << "an idle stop is not a failure";
  // And it starts again on the next use.
  ASSERT_TRUE(host.Start("echo", StartOf("test-echo")).ok());
  EXPECT_NE(host.StateOf("echo").pid, pid);
}

TEST_F(HostTest, AHeldSessionIsReleasedThenStopped) {
  options_.idle_timeout = absl::Milliseconds(100);
  AddPlugin("echo");
  PluginHost& host = Host();
  host.Hold("echo", "sessions/1");
  ASSERT_TRUE(host.Start("echo", StartOf("test-echo")).ok());
  int pid = host.StateOf("echo").pid;
  host.Release("echo", "sessions/1");
  EXPECT_TRUE(Eventually([&] { return !ProcessAlive(pid); }));
}

TEST_F(HostTest, CrashEndsTheCallAndBacksOff) {
  AddPlugin("echo");
  PluginHost& host = Host();
  auto first = host.Start("echo", StartOf("test-crash"));
  ASSERT_TRUE(first.ok()) << first.status();
  int pid = host.StateOf("echo").pid;
  auto crashed = host.Advance("echo", AfterIntro("test-crash", *first));
  ASSERT_EQ(crashed.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(crashed.status().message(), HasSubstr("crashed during Advance"));
  EXPECT_THAT(crashed.status().message(), HasSubstr("signal 6"));
  EXPECT_FALSE(ProcessAlive(pid));
  auto state = host.StateOf("echo");
  EXPECT_FALSE(state.running);
  EXPECT_EQ(state.failures, 1);
  EXPECT_TRUE(state.retry_after.has_value());
  auto refused = host.Start("echo", StartOf("test-echo"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(refused.status().message(), HasSubstr("tried again in"));
}

// On the host's clock: refused during the backoff, started again once it
// has passed, and a new failure waits again from the clock's now.
TEST_F(HostTest, RestartsAfterTheBackoff) {
  clock_ = &fake_clock_;
  options_.initial_backoff = absl::Minutes(1);
  AddPlugin("echo");
  PluginHost& host = Host();
  auto first = host.Start("echo", StartOf("test-crash"));
  ASSERT_TRUE(first.ok());
  int pid = host.StateOf("echo").pid;
  ASSERT_FALSE(host.Advance("echo", AfterIntro("test-crash", *first)).ok());
  fake_clock_.Advance(absl::Seconds(59));
  auto refused = host.Start("echo", StartOf("test-echo"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(refused.status().message(), HasSubstr("tried again in 1 s"));
  fake_clock_.Advance(absl::Seconds(1));
  auto again = host.Start("echo", StartOf("test-crash"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_NE(host.StateOf("echo").pid, pid);
  ASSERT_FALSE(host.Advance("echo", AfterIntro("test-crash", *again)).ok());
  auto state = host.StateOf("echo");
  ASSERT_TRUE(state.retry_after.has_value());
  EXPECT_GE(*state.retry_after, fake_clock_.Now() + absl::Minutes(1));
}

TEST_F(HostTest, AHangingCallMeetsItsDeadline) {
  options_.call_timeout = absl::Milliseconds(300);
  AddPlugin("echo");
  PluginHost& host = Host();
  auto first = host.Start("echo", StartOf("test-hang"));
  ASSERT_TRUE(first.ok());
  int pid = host.StateOf("echo").pid;
  auto hung = host.Advance("echo", AfterIntro("test-hang", *first));
  ASSERT_EQ(hung.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(hung.status().message(), HasSubstr("did not answer Advance"));
  EXPECT_FALSE(ProcessAlive(pid)) << "a hung plugin is killed";
}

TEST_F(HostTest, APluginThatFailsItsHealthCheckIsStopped) {
  options_.health_interval = absl::Milliseconds(100);
  options_.call_timeout = absl::Milliseconds(300);
  AddPlugin("echo", "freeze");
  PluginHost& host = Host();
  auto first = host.Start("echo", StartOf("test-echo"));
  ASSERT_TRUE(first.ok()) << first.status();
  int pid = host.StateOf("echo").pid;
  ASSERT_GT(pid, 0);
  // It freezes itself a second after starting; the next ping finds out.
  ASSERT_TRUE(Eventually([&] { return !ProcessAlive(pid); }))
      << "a plugin that stops answering is killed";
  EXPECT_THAT(host.StateOf("echo").last_error, HasSubstr("health check"));
  EXPECT_FALSE(host.StateOf("echo").running);
}

TEST_F(HostTest, BadStartsLeaveNoProcess) {
#if defined(ATTUNE_SANITIZER_BUILD)
  // A sanitized plugin takes over a second to start (TSan most).
  options_.start_timeout = absl::Seconds(5);
#else
  options_.start_timeout = absl::Milliseconds(500);
#endif
  struct Case {
    std::string mode, message;
  } cases[] = {
      {"garbage", "forgot the protocol"},
      {"wrong-version", "protocol version 99"},
      {"silent", "no handshake line in time"},
      {"exit", "exited with status 3"},
      {"describe-mismatch", "Describe does not match the manifest"},
  };
  for (const auto& c : cases) AddPlugin("p-" + c.mode, c.mode, c.mode + "-");
  PluginHost& host = Host();
  for (const auto& c : cases) {
    auto s = host.Start("p-" + c.mode, StartOf("test-echo"));
    EXPECT_EQ(s.status().code(), absl::StatusCode::kUnavailable) << c.mode;
    EXPECT_THAT(s.status().message(), HasSubstr(c.message)) << c.mode;
    auto state = host.StateOf("p-" + c.mode);
    EXPECT_FALSE(state.running);
    EXPECT_EQ(state.failures, 1);
    EXPECT_THAT(state.last_error, HasSubstr(c.message));
  }
  EXPECT_TRUE(ChildPids().empty()) << "every failed plugin was reaped";
}

TEST_F(HostTest, MisbehaviourIsAFailure) {
  AddPlugin("echo");
  PluginHost& host = Host();
  ASSERT_TRUE(host.Start("echo", StartOf("test-echo")).ok());
  int pid = host.StateOf("echo").pid;
  host.ReportMisbehaviour("echo", "", "answered with a bad step");
  EXPECT_FALSE(ProcessAlive(pid));
  EXPECT_EQ(host.StateOf("echo").last_error, "answered with a bad step");
  host.ReportSuccess("echo", "");
  EXPECT_EQ(host.StateOf("echo").failures, 0);
}

TEST_F(HostTest, StoppingTheHostStopsItsPlugins) {
  AddPlugin("echo");
  ASSERT_TRUE(Host().Start("echo", StartOf("test-echo")).ok());
  int pid = Host().StateOf("echo").pid;
  host_.reset();
  EXPECT_FALSE(ProcessAlive(pid));
  EXPECT_TRUE(ChildPids().empty());
}

TEST_F(HostTest, UnknownPluginsAndExercises) {
  AddPlugin("echo");
  PluginHost& host = Host();
  EXPECT_TRUE(absl::IsNotFound(host.Start("nope", StartOf("test-echo")).status()));
  EXPECT_TRUE(absl::IsNotFound(host.FindExercise("nope", nullptr).status()));
  v1::Exercise e;
  auto found = host.FindExercise("test-hang", &e);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(e.plugin(), "echo");
  // A plugin asked for an exercise it does not offer refuses; it is alive.
  auto refused = host.Start("echo", StartOf("not-offered"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(refused.status().message(), HasSubstr("offers no exercise"));
}

// A seccomp filter the kernel refuses (here an empty program) means the
// plugin is not started, and the reason is reported: it never runs without
// its filter.
TEST_F(HostTest, APluginWhoseFilterCannotBeInstalledIsNotStarted) {
  AddPlugin("echo");
  SeccompProgram empty{nullptr, 0};
  OverridePluginSeccompProgramForTesting(&empty);
  auto refused = Host().Start("echo", StartOf("test-echo"));
  OverridePluginSeccompProgramForTesting(nullptr);
  EXPECT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("seccomp filter could not be installed"));
  EXPECT_FALSE(Host().StateOf("echo").running);
  EXPECT_TRUE(ChildPids().empty());
}

// Even when the daemon's stderr is a terminal, a plugin gets no terminal:
// stdin is /dev/null, stderr a pipe to the daemon, and it has no controlling terminal
// (so it cannot type into the daemon's with TIOCSTI, nor read from it).
TEST_F(HostTest, APluginNeverGetsTheDaemonsTerminal) {
  int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(master, 0);
  ASSERT_EQ(::grantpt(master), 0);
  ASSERT_EQ(::unlockpt(master), 0);
  int terminal = ::open(::ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(terminal, 0);
  int saved_stderr = ::dup(STDERR_FILENO);
  ASSERT_GE(saved_stderr, 0);
  ASSERT_EQ(::dup2(terminal, STDERR_FILENO), STDERR_FILENO);
  LaunchSpec spec;
  spec.executable = "/bin/sh";
  spec.args = {"-c",
               "[ -t 0 ] && a=tty || a=none; [ -t 2 ] && b=tty || b=none; "
               "(: </dev/tty) 2>/dev/null && c=tty || c=none; "
               "echo stdin=$a stderr=$b controlling=$c"};
  spec.working_dir = root_;
  spec.allowed_paths = PluginAllowedPaths(root_, spec.executable, root_);
  auto child = SpawnChild(spec);
  ::dup2(saved_stderr, STDERR_FILENO);
  ::close(saved_stderr);
  ASSERT_TRUE(child.ok()) << child.status();
  std::string line;
  char c;
  while (::read(child->stdout_fd, &c, 1) == 1 && c != '\n') line += c;
  ::waitpid(child->pid, nullptr, 0);
  ::close(child->stdout_fd);
  ::close(child->stderr_fd);
  ::close(child->status_fd);
  ::close(terminal);
  ::close(master);
  EXPECT_EQ(line, "stdin=none stderr=none controlling=none");
}

// The test plugin in fork-bomb mode, run from `folder`.
LaunchSpec ForkBomb(const std::string& folder, const std::string& plugin) {
  LaunchSpec spec;
  spec.executable = plugin;
  spec.args = {"--mode", "fork-bomb"};
  spec.working_dir = folder;
  spec.allowed_paths = PluginAllowedPaths(folder, spec.executable, folder);
  return spec;
}

// The bomb's line: forks ended with EAGAIN before RLIMIT_NPROC processes.
void ExpectStoppedAtTheLimit(const std::string& line) {
  EXPECT_THAT(line, HasSubstr("forks stopped at"));
  EXPECT_THAT(line, HasSubstr(": EAGAIN")) << "RLIMIT_NPROC is " << PluginLimits().processes;
  int forks = 0;
  ASSERT_EQ(std::sscanf(line.c_str(), "forks stopped at %d", &forks), 1) << line;
  EXPECT_LT(forks, static_cast<int>(PluginLimits().processes));
}

// RLIMIT_NPROC stops a fork bomb. The kernel never applies it to root, so a
// daemon running as root gives its plugin user kRootPluginUid outside the
// plugin's namespaces (root inside, root's files readable as before): run as
// root, this test starts the plugin from a folder only root may enter, and
// checks that it runs, as that user, and stops at the limit. Run as another
// user, the plugin is that user, in a namespace where only its own
// processes count.
TEST_F(HostTest, AForkBombStopsAtTheProcessLimit) {
  const std::string folder = root_ + "/bomb";
  ASSERT_TRUE(std::filesystem::create_directories(folder));
  ::chmod(folder.c_str(), 0700);
  const std::string plugin = folder + "/attune-test-plugin";
  std::filesystem::copy_file(ATTUNE_TEST_PLUGIN_PATH, plugin);
  ::chmod(plugin.c_str(), 0700);
  auto child = SpawnChild(ForkBomb(folder, plugin));
  ASSERT_TRUE(child.ok()) << child.status();
  std::string line;
  char c;
  while (::read(child->stdout_fd, &c, 1) == 1 && c != '\n') line += c;
  // The plugin: the first child's grandchild (the first child, the init, it).
  std::string plugin_uid, plugin_gid, plugin_groups = "(none read)";
  for (pid_t init : ChildPids(child->pid)) {
    for (pid_t p : ChildPids(init)) {
      std::ifstream status("/proc/" + std::to_string(p) + "/status");
      for (std::string l; std::getline(status, l);) {
        if (l.rfind("Uid:", 0) == 0) plugin_uid = l;
        if (l.rfind("Gid:", 0) == 0) plugin_gid = l;
        if (l.rfind("Groups:", 0) == 0) plugin_groups = l;
      }
    }
  }
  ::kill(-child->pid, SIGKILL);
  ::waitpid(child->pid, nullptr, 0);
  ::close(child->stdout_fd);
  ::close(child->stderr_fd);
  ::close(child->status_fd);
  ExpectStoppedAtTheLimit(line);
  if (::geteuid() == 0) {
    EXPECT_THAT(plugin_uid, HasSubstr("\t" + std::to_string(kRootPluginUid) + "\t"))
        << "the plugin of a root daemon runs as user " << kRootPluginUid << " outside";
    EXPECT_THAT(plugin_gid, HasSubstr("\t" + std::to_string(kRootPluginUid) + "\t"));
    EXPECT_EQ(absl::StripTrailingAsciiWhitespace(plugin_groups), "Groups:")
        << "root's supplementary groups stay with the daemon";
  }
}

// The same for a daemon that is not root (as it normally runs): when this
// test runs as root, the launcher runs as nobody, from a copy nobody can
// reach.
TEST_F(HostTest, AnUnprivilegedDaemonsPluginStopsAtTheProcessLimitToo) {
  const std::string folder = root_ + "/bomb-nobody";
  ASSERT_TRUE(std::filesystem::create_directories(folder));
  ::chmod(root_.c_str(), 0755);
  ::chmod(folder.c_str(), 0755);
  const std::string plugin = folder + "/attune-test-plugin";
  std::filesystem::copy_file(ATTUNE_TEST_PLUGIN_PATH, plugin);
  ::chmod(plugin.c_str(), 0755);
  int result[2];
  ASSERT_EQ(::pipe(result), 0);
  pid_t helper = ::fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    ::close(result[0]);
    std::string line;
    if (::geteuid() == 0 &&
        (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 ||
         ::setresuid(65534, 65534, 65534) != 0)) {
      line = "cannot become nobody";
    } else {
      auto child = SpawnChild(ForkBomb(folder, plugin));
      if (!child.ok()) {
        line = std::string(child.status().message());
      } else {
        char c;
        while (::read(child->stdout_fd, &c, 1) == 1 && c != '\n') line += c;
        ::kill(-child->pid, SIGKILL);
        ::waitpid(child->pid, nullptr, 0);
      }
    }
    ssize_t ignored = ::write(result[1], line.data(), line.size());
    (void)ignored;
    ::_exit(0);
  }
  ::close(result[1]);
  std::string line;
  char buffer[256];
  ssize_t n;
  while ((n = ::read(result[0], buffer, sizeof buffer)) > 0) line.append(buffer, n);
  ::close(result[0]);
  ASSERT_EQ(::waitpid(helper, nullptr, 0), helper);
  ExpectStoppedAtTheLimit(line);
}

}  // namespace
}  // namespace attune
