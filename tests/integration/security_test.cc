// What keeps a person's words private from another local user, checked
// against the real daemon: the folders the daemon makes and everything in
// them are private, another user can neither connect to the socket nor read
// the data, the daemon refuses folders another user could have made, and
// the CLI neither sends anything to a socket another user serves nor prints
// a control character a daemon sends. The other security tests:
// secrets_test.cc (no secret or content in a log, a plain file or the
// daemon's memory after Lock), plugin_confinement_test.cc (what a plugin
// cannot reach).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <google/protobuf/empty.pb.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "api_helpers.h"
#include "daemon/plugins/dirs.h"
#include "daemon_harness.h"
#include "exercise_driver.h"
#include "security_support.h"
#include "tests/support/test_plugin.h"

extern char** environ;

namespace attune::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// "path: mode" of every file and folder under (and including) `root` that
// its group or other users may use in any way.
std::vector<std::string> OpenToOthers(const std::string& root, size_t* checked) {
  std::vector<std::string> out;
  auto check = [&](const fs::path& p) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || S_ISLNK(st.st_mode)) return;
    ++*checked;
    if ((st.st_mode & 077) != 0) {
      std::ostringstream line;
      line << p.string() << ": " << std::oct << (st.st_mode & 07777);
      out.push_back(line.str());
    }
  };
  check(root);
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(root, ec)) check(e.path());
  return out;
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

std::string Octal(mode_t mode) {
  std::ostringstream out;
  out << std::oct << mode;
  return out.str();
}

// ---------------------------------------------------------------------------
// Permissions
// ---------------------------------------------------------------------------

// attuned started by hand (the harness always passes its own --socket): the
// folders it has to make itself must come out private, parents included.
TEST(SecurityTest, FoldersTheDaemonMakesArePrivate) {
  DaemonHarness scratch;  // only for its temporary folder
  const std::string base = scratch.root() + "/fresh";
  const std::string data = base + "/share/attune";
  const std::string socket_dir = base + "/run/attune";
  const std::string socket = socket_dir + "/attuned.sock";
  std::vector<std::string> args = {AttunedPath(), "--data-dir",    data, "--socket",
                                   socket,        "--peer-listen", ""};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log = scratch.root() + "/fresh.stderr";
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT, 0600);
  pid_t pid = -1;
  ASSERT_EQ(::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  bool ready = Eventually([&] {
    struct stat st {};
    return ::lstat(socket.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) &&
           (st.st_mode & 07777) == 0600;
  });
  std::string modes = "socket " + Octal(ModeOf(socket)) + ", its folder " +
                      Octal(ModeOf(socket_dir)) + ", its parent " + Octal(ModeOf(base + "/run")) +
                      ", data " + Octal(ModeOf(data)) + ", its parent " +
                      Octal(ModeOf(base + "/share"));
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(ready) << "no socket with mode 0600 appeared; " << modes << "\n" << ReadAll(log);
  EXPECT_EQ(ModeOf(socket_dir), 0700u) << modes;
  EXPECT_EQ(ModeOf(base + "/run"), 0700u) << modes;
  EXPECT_EQ(ModeOf(data), 0700u) << modes;
  EXPECT_EQ(ModeOf(base + "/share"), 0700u) << modes;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadAll(log);
}

TEST(SecurityTest, NothingInTheDataFolderOrTheRuntimeFolderIsOpenToOthers) {
  DaemonHarness d;
  const std::string plugins = d.root() + "/user-plugins";
  fs::create_directories(plugins);
  ASSERT_NE(MakeTestPlugin(plugins, "tp", "normal", "", "1.0.0", "tp-"), "");
  ASSERT_TRUE(d.Start({"--plugins-dir", plugins, "--peer-listen", "127.0.0.1:0"}));
  ASSERT_OK(d.InitVault("permissions passphrase"));
  // Write what makes files appear: records, an invite (the peer listener and
  // its port), a session of a plugin (its socket folder).
  v1::CreateJournalEntryRequest journal;
  journal.mutable_journal_entry()->set_body("a private thought");
  v1::JournalEntry entry;
  ASSERT_OK(d.journal().CreateJournalEntry(DaemonHarness::Context().get(), journal, &entry));
  v1::Invite invite;
  ASSERT_OK(v1::SpaceService::NewStub(d.channel())
                ->CreateInvite(DaemonHarness::Context().get(), v1::CreateInviteRequest(), &invite));
  ExerciseDriver driver(d.channel(), Vocabulary(d));
  v1::StartSessionRequest start;
  start.set_exercise("tp-echo");
  v1::LiveSession session;
  ASSERT_OK(driver.Start(start, &session));
  const std::string runtime = PluginRuntimeDir(d.socket_path());

  auto check_all = [&](const char* when) {
    SCOPED_TRACE(when);
    size_t checked = 0;
    EXPECT_THAT(OpenToOthers(d.data_dir(), &checked), IsEmpty());
    EXPECT_GE(checked, 8u) << "too few files to mean anything";
    if (fs::exists(runtime)) {
      size_t runtime_checked = 0;
      EXPECT_THAT(OpenToOthers(runtime, &runtime_checked), IsEmpty());
    }
  };
  EXPECT_EQ(ModeOf(d.socket_path()), 0600u);
  EXPECT_EQ(ModeOf(d.data_dir()), 0700u);
  ASSERT_TRUE(fs::exists(runtime));
  EXPECT_EQ(ModeOf(runtime), 0700u);
  check_all("while serving");
  // RocksDB writes more files (OPTIONS, a new LOG) at close and open.
  ASSERT_EQ(d.Stop(), 0) << d.StderrSinceStart();
  check_all("after a stop");
  ASSERT_TRUE(d.Start({"--plugins-dir", plugins, "--peer-listen", "127.0.0.1:0"}));
  check_all("after a restart");
}

// The results of the probes another user makes, in order.
struct OtherUserProbes {
  int control = -1;  // reading a file every user may read (0 = it worked)
  int connect = -1;  // connecting to the daemon's socket
  int list_data = -1;
  int read_lock = -1;
  int read_current = -1;
  int list_runtime = -1;
};

int ErrnoOf(bool ok) { return ok ? 0 : errno; }

// Whether every folder from / down to `path` lets other users pass.
bool TraversableByAll(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::canonical(path, ec);
  if (ec) return false;
  for (fs::path at = p;; at = at.parent_path()) {
    struct stat st {};
    if (::stat(at.c_str(), &st) != 0 || (st.st_mode & S_IXOTH) == 0) return false;
    if (at == at.root_path()) return true;
  }
}

TEST(SecurityTest, AnotherLocalUserCanNeitherConnectNorReadTheData) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root to act as another local user (running as uid " << ::geteuid()
                 << "); the modes that stop one are checked by the tests above";
  }
  struct passwd* nobody = ::getpwnam("nobody");
  if (nobody == nullptr) GTEST_SKIP() << "this machine has no user \"nobody\" to act as";
  const uid_t uid = nobody->pw_uid;
  const gid_t gid = nobody->pw_gid;

  // The harness makes its folder in $TMPDIR: choose a place every user can
  // pass through, or the other user is stopped before the daemon's own modes
  // are ever tested (/tmp is 0700 on some machines).
  std::string base;
  const char* tmpdir = std::getenv("TMPDIR");
  for (const char* candidate : {static_cast<const char*>(tmpdir), "/tmp", "/var/tmp", "/dev/shm"}) {
    if (candidate != nullptr && *candidate != '\0' && TraversableByAll(candidate)) {
      base = candidate;
      break;
    }
  }
  if (base.empty()) {
    GTEST_SKIP() << "no temporary folder here that other users may pass through (tried "
                    "$TMPDIR, /tmp, /var/tmp, /dev/shm)";
  }
  std::unique_ptr<DaemonHarness> harness;
  {
    const char* old = std::getenv("TMPDIR");
    std::string saved = old != nullptr ? old : "";
    ::setenv("TMPDIR", base.c_str(), 1);
    harness = std::make_unique<DaemonHarness>();
    if (old != nullptr) {
      ::setenv("TMPDIR", saved.c_str(), 1);
    } else {
      ::unsetenv("TMPDIR");
    }
  }
  DaemonHarness& d = *harness;
  ASSERT_TRUE(d.Start());
  ASSERT_OK(d.InitVault("another user's passphrase"));
  v1::CreateJournalEntryRequest journal;
  journal.mutable_journal_entry()->set_body("not for the neighbours");
  v1::JournalEntry entry;
  ASSERT_OK(d.journal().CreateJournalEntry(DaemonHarness::Context().get(), journal, &entry));
  // Only the daemon's own modes may stand in the way: open the test's folder
  // to everyone, and leave a file there every user may read.
  ASSERT_EQ(::chmod(d.root().c_str(), 0755), 0);
  const std::string control = d.root() + "/public.txt";
  std::ofstream(control) << "anyone may read this\n";
  ASSERT_EQ(::chmod(control.c_str(), 0644), 0);
  const std::string lock = d.data_dir() + "/attuned.lock";
  const std::string current = d.data_dir() + "/db/CURRENT";
  const std::string runtime = PluginRuntimeDir(d.socket_path());
  ASSERT_TRUE(fs::exists(lock) && fs::exists(current));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, d.socket_path().c_str(), sizeof addr.sun_path - 1);

  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Only system calls from here on: the test process has threads.
    ::close(pipe_fds[0]);
    OtherUserProbes p;
    if (::syscall(SYS_setgroups, 0, nullptr) != 0 || ::syscall(SYS_setresgid, gid, gid, gid) != 0 ||
        ::syscall(SYS_setresuid, uid, uid, uid) != 0) {
      ::_exit(2);
    }
    int fd = ::open(control.c_str(), O_RDONLY);
    p.control = ErrnoOf(fd >= 0);
    if (fd >= 0) ::close(fd);
    int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
    p.connect =
        ErrnoOf(s >= 0 && ::connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    if (s >= 0) ::close(s);
    fd = ::open(d.data_dir().c_str(), O_RDONLY | O_DIRECTORY);
    p.list_data = ErrnoOf(fd >= 0);
    if (fd >= 0) ::close(fd);
    fd = ::open(lock.c_str(), O_RDONLY);
    p.read_lock = ErrnoOf(fd >= 0);
    if (fd >= 0) ::close(fd);
    fd = ::open(current.c_str(), O_RDONLY);
    p.read_current = ErrnoOf(fd >= 0);
    if (fd >= 0) ::close(fd);
    fd = ::open(runtime.c_str(), O_RDONLY | O_DIRECTORY);
    p.list_runtime = ErrnoOf(fd >= 0);
    if (fd >= 0) ::close(fd);
    ssize_t written = ::write(pipe_fds[1], &p, sizeof p);
    ::_exit(written == sizeof p ? 0 : 3);
  }
  ::close(pipe_fds[1]);
  OtherUserProbes p;
  ssize_t n = ::read(pipe_fds[0], &p, sizeof p);
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the child could not become uid " << uid << " (status " << status << ")";
  ASSERT_EQ(n, static_cast<ssize_t>(sizeof p));
  if (p.control != 0) {
    GTEST_SKIP() << "user nobody cannot read a file every user may read in the test's folder ("
                 << std::strerror(p.control) << "), so the probes would prove nothing";
  }
  EXPECT_EQ(p.connect, EACCES) << std::strerror(p.connect);
  EXPECT_EQ(p.list_data, EACCES) << std::strerror(p.list_data);
  EXPECT_EQ(p.read_lock, EACCES) << std::strerror(p.read_lock);
  EXPECT_EQ(p.read_current, EACCES) << std::strerror(p.read_current);
  if (fs::exists(runtime)) {
    EXPECT_EQ(p.list_runtime, EACCES) << std::strerror(p.list_runtime);
  }
  // The refused user changed nothing: the daemon serves its owner as before.
  v1::GetJournalEntryRequest get;
  get.set_name(entry.name());
  v1::JournalEntry got;
  ASSERT_OK(d.journal().GetJournalEntry(DaemonHarness::Context().get(), get, &got));
  EXPECT_EQ(got.body(), "not for the neighbours");
}

// The daemon opens its folders without following a symbolic link and
// refuses one another user owns or others may write in, so nobody can make
// /tmp/attune-<uid> (or any of its places) first and wait there.
TEST(SecurityTest, TheDaemonRefusesFoldersAnotherUserCouldHaveMade) {
  DaemonHarness scratch;  // only for its temporary folder and RunToExit
  const std::string base = scratch.root();
  int n = 0;
  // A fresh set of places; `prepare` makes the one under test bad.
  auto run =
      [&](const std::string& what,
          const std::function<void(const std::string& data, const std::string& sock)>& prepare,
          const std::string& says) {
        SCOPED_TRACE(what);
        const std::string dir = base + "/case" + std::to_string(++n);
        ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
        const std::string data = dir + "/data";
        const std::string sock_dir = dir + "/run";
        const std::string sock = sock_dir + "/attuned.sock";
        prepare(data, sock);
        ProcessResult r =
            scratch.RunToExit({"--data-dir", data, "--socket", sock, "--peer-listen", ""});
        EXPECT_FALSE(r.timed_out) << "it kept running";
        EXPECT_EQ(r.exit_status, 1) << r.output;
        EXPECT_THAT(r.output, HasSubstr(says));
        struct stat st {};
        EXPECT_NE(::lstat(sock.c_str(), &st), 0) << "it made a socket anyway";
      };
  auto make = [](const std::string& path, mode_t mode) {
    ASSERT_TRUE(fs::create_directories(path));
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
  };
  run(
      "a data folder that is a symbolic link to a folder of one's own",
      [&](const std::string& data, const std::string&) {
        make(data + "-real", 0700);
        ASSERT_EQ(::symlink((data + "-real").c_str(), data.c_str()), 0);
      },
      "is a symbolic link");
  run(
      "a data folder every user may write in",
      [&](const std::string& data, const std::string&) { make(data, 0777); },
      "group or others may write in it");
  run(
      "a socket folder that is a symbolic link",
      [&](const std::string&, const std::string& sock) {
        const std::string folder = fs::path(sock).parent_path();
        make(folder + "-real", 0700);
        ASSERT_EQ(::symlink((folder + "-real").c_str(), folder.c_str()), 0);
      },
      "is a symbolic link");
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root to give folders to another user (running as uid " << ::geteuid()
                 << ")";
  }
  const std::string other = "belongs to uid 65534, not to you (uid 0)";
  run(
      "a data folder another user made",
      [&](const std::string& data, const std::string&) {
        make(data, 0700);
        ASSERT_EQ(::chown(data.c_str(), 65534, 65534), 0);
      },
      "the data folder " + base + "/case" + std::to_string(n + 1) + "/data " + other);
  run(
      "a socket folder another user made (as in /tmp/attune-<uid>)",
      [&](const std::string&, const std::string& sock) {
        const std::string folder = fs::path(sock).parent_path();
        make(folder, 0700);
        ASSERT_EQ(::chown(folder.c_str(), 65534, 65534), 0);
      },
      "the socket folder " + base + "/case" + std::to_string(n + 1) + "/run " + other);
  run(
      "a plugin runtime folder another user made",
      [&](const std::string&, const std::string& sock) {
        make(fs::path(sock).parent_path(), 0700);
        const std::string runtime = PluginRuntimeDir(sock);
        make(runtime, 0700);
        ASSERT_EQ(::chown(runtime.c_str(), 65534, 65534), 0);
      },
      "the plugin runtime folder");
  // A folder of one's own that others may only read is made private, and
  // the daemon starts.
  DaemonHarness d;
  make(d.data_dir(), 0755);
  ASSERT_TRUE(d.Start());
  EXPECT_EQ(ModeOf(d.data_dir()), 0700u);
}

#ifdef ATTUNE_CLI_PATH
// `attune` with its output (stdout and stderr) and exit code.
std::pair<int, std::string> RunCliAt(const std::string& socket,
                                     const std::vector<std::string>& args) {
  auto quote = [](const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  };
  std::string command = quote(ATTUNE_CLI_PATH) + " --socket " + quote(socket);
  for (const auto& a : args) command += " " + quote(a);
  command += " 2>&1 </dev/null";
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  char buffer[4096];
  size_t got;
  while ((got = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, got);
  int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// A Unix socket bound at `path` (not yet listening), or -1.
int BoundSocket(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Another local user serves a fake daemon where the CLI looks for the real
// one (as they could in /tmp/attune-<uid> before the daemon checked that
// folder): `attune unlock` must refuse before it sends a byte, passphrase
// included. Also refused: a socket file or a socket folder of another user.
TEST(SecurityTest, TheCliSendsNothingToASocketAnotherUserServes) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root to act as another local user (running as uid " << ::geteuid()
                 << ")";
  }
  DaemonHarness scratch;  // only for its temporary folder
  const std::string passphrase_file = scratch.root() + "/pass";
  std::ofstream(passphrase_file) << "the passphrase a fake daemon wants\n";
  ASSERT_EQ(::chmod(passphrase_file.c_str(), 0600), 0);
  const std::vector<std::string> unlock = {"unlock", "--passphrase-file", passphrase_file};

  // The socket in a folder of ours, its file ours too (bound here), but the
  // process listening on it is another user (SO_PEERCRED names the user who
  // called listen()).
  const std::string folder = scratch.root() + "/run";
  ASSERT_EQ(::mkdir(folder.c_str(), 0700), 0);
  const std::string path = folder + "/attuned.sock";
  int listener = BoundSocket(path);
  ASSERT_GE(listener, 0) << std::strerror(errno);
  int ready[2], report[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(report), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Only system calls from here on: the test process has threads.
    ::close(ready[0]);
    ::close(report[0]);
    if (::syscall(SYS_setgroups, 0, nullptr) != 0 ||
        ::syscall(SYS_setresgid, 65534, 65534, 65534) != 0 ||
        ::syscall(SYS_setresuid, 65534, 65534, 65534) != 0 || ::listen(listener, 16) != 0) {
      ::_exit(2);
    }
    char one = 1;
    if (::write(ready[1], &one, 1) != 1) ::_exit(3);
    // Each connection: read to its end; "END" (the test's own last
    // connection) stops; otherwise report how many bytes came.
    for (;;) {
      int c = ::accept(listener, nullptr, nullptr);
      if (c < 0) ::_exit(4);
      char buffer[4096];
      long total = 0;
      bool end = false;
      ssize_t got;
      while ((got = ::read(c, buffer, sizeof buffer)) > 0) {
        if (total == 0 && got == 3 && std::memcmp(buffer, "END", 3) == 0) end = true;
        total += got;
      }
      ::close(c);
      if (end && total == 3) ::_exit(0);
      if (::write(report[1], &total, sizeof total) != sizeof total) ::_exit(5);
    }
  }
  ::close(listener);
  ::close(ready[1]);
  ::close(report[1]);
  char one = 0;
  ASSERT_EQ(::read(ready[0], &one, 1), 1) << "the other user's server did not start";
  ::close(ready[0]);

  auto [code, out] = RunCliAt(path, unlock);
  EXPECT_EQ(code, 1) << out;
  EXPECT_THAT(out, HasSubstr("runs as uid 65534, not as you (uid 0): it is not your attuned"));
  EXPECT_THAT(out, HasSubstr("nothing was sent"));
  auto [status_code, status_out] = RunCliAt(path, {"status"});
  EXPECT_EQ(status_code, 1) << status_out;
  EXPECT_THAT(status_out, HasSubstr("not your attuned"));

  // The test's last connection; then what the fake daemon received.
  int last = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(::connect(last, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::write(last, "END", 3), 3);
  ::close(last);
  std::vector<long> received;
  long bytes = 0;
  while (::read(report[0], &bytes, sizeof bytes) == sizeof bytes) received.push_back(bytes);
  ::close(report[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_THAT(received, ::testing::Each(0)) << "the fake daemon received bytes";

  // A socket file another user owns, in a folder of ours.
  const std::string theirs = folder + "/theirs.sock";
  int bound = BoundSocket(theirs);
  ASSERT_GE(bound, 0);
  ASSERT_EQ(::lchown(theirs.c_str(), 65534, 65534), 0);
  auto [file_code, file_out] = RunCliAt(theirs, unlock);
  ::close(bound);
  EXPECT_EQ(file_code, 1) << file_out;
  EXPECT_THAT(file_out, HasSubstr("the socket " + theirs + " belongs to uid 65534"));
  // A folder another user owns (they could swap the socket at any time).
  const std::string their_folder = scratch.root() + "/their-run";
  ASSERT_EQ(::mkdir(their_folder.c_str(), 0700), 0);
  const std::string in_theirs = their_folder + "/attuned.sock";
  bound = BoundSocket(in_theirs);
  ASSERT_GE(bound, 0);
  ASSERT_EQ(::chown(their_folder.c_str(), 65534, 65534), 0);
  auto [folder_code, folder_out] = RunCliAt(in_theirs, unlock);
  ::close(bound);
  EXPECT_EQ(folder_code, 1) << folder_out;
  EXPECT_THAT(folder_out, HasSubstr("the socket's folder " + their_folder + " belongs to uid"));
}

// A daemon (here a fake one, as records stored before the daemon refused
// control characters, or an older peer's, would) sends names and messages
// with escape sequences: `attune` prints none of them, as text or as JSON.
class EscapingVault : public v1::VaultService::Service {
 public:
  grpc::Status GetStatus(grpc::ServerContext*, const google::protobuf::Empty*,
                         v1::VaultStatus* out) override {
    out->set_state(v1::VaultStatus::STATE_LOCKED);
    out->set_display_name(
        "Alex\x1b[2K\x1b]0;owned\x07\xc2\x9b"
        "2J");
    out->set_device_id("dev\x1b[31mred");
    return grpc::Status::OK;
  }
  grpc::Status Lock(grpc::ServerContext*, const google::protobuf::Empty*,
                    v1::VaultStatus*) override {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "quoted \x1b[2J\x1b[H back");
  }
};

TEST(SecurityTest, TheCliPrintsNoControlCharacterADaemonSends) {
  DaemonHarness scratch;  // only for its private temporary folder
  const std::string path = scratch.root() + "/escaping.sock";
  EscapingVault vault;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("unix:" + path, grpc::InsecureServerCredentials());
  builder.RegisterService(&vault);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  const std::vector<std::vector<std::string>> runs = {{"status"}, {"status", "--json"}, {"lock"}};
  for (const std::vector<std::string>& args : runs) {
    SCOPED_TRACE(::testing::PrintToString(args));
    auto [code, out] = RunCliAt(path, args);
    EXPECT_THAT(out, HasSubstr(args[0] == "lock" ? "quoted" : "Alex")) << out;
    for (char c : out) {
      unsigned char u = static_cast<unsigned char>(c);
      EXPECT_FALSE((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f)
          << "control character " << static_cast<int>(u) << " in: " << out;
    }
    EXPECT_EQ(out.find("\xc2\x9b"), std::string::npos) << out;
  }
  server->Shutdown(std::chrono::system_clock::now());
}
#endif  // ATTUNE_CLI_PATH

}  // namespace
}  // namespace attune::testing
