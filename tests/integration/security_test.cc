// What keeps a person's words private on their own machine, checked against
// the real daemon: who may open the socket and the data folder, that no
// secret or content reaches a log or a file outside the sealed store, that
// Lock() really drops the keys from the daemon's memory, and that a plugin
// can reach neither the network, nor the daemon's socket, nor the data
// folder.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <google/protobuf/empty.pb.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sodium.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "api_helpers.h"
#include "attune/v1/sync.grpc.pb.h"
#include "daemon/plugins/dirs.h"
#include "daemon/plugins/sandbox.h"
#include "daemon/sync/invites.h"
#include "daemon/sync/tls_credentials.h"
#include "daemon/vault/secret.h"
#include "daemon_harness.h"
#include "exercise_driver.h"
#include "tests/support/test_keys.h"
#include "tests/support/test_plugin.h"

extern char** environ;

namespace attune::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// A distinctive string that appears nowhere unless a test put it there.
std::string Canary(const std::string& what) { return "canary-" + what + "-" + RandomHex16(); }

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Every regular file under `root`, read whole.
std::map<std::string, std::string> FilesUnder(const std::string& root) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(root, ec)) {
    if (e.is_regular_file()) out[e.path().string()] = ReadAll(e.path());
  }
  return out;
}

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

// Labels of the daemon's vocabulary, for the exercise driver.
std::vector<std::string> Vocabulary(DaemonHarness& d) {
  v1::ListEmotionsResponse vocab;
  grpc::Status s =
      d.checkins().ListEmotions(DaemonHarness::Context().get(), v1::ListEmotionsRequest(), &vocab);
  EXPECT_TRUE(s.ok()) << Describe(s);
  std::vector<std::string> labels;
  for (const auto& f : vocab.families()) {
    labels.insert(labels.end(), f.labels().begin(), f.labels().end());
  }
  return labels;
}

grpc::Status InitAs(DaemonHarness& d, const std::string& passphrase, const std::string& name) {
  v1::InitRequest request;
  request.set_passphrase(passphrase);
  request.set_display_name(name);
  request.set_kdf_cost(v1::TEST_ONLY_MINIMUM);
  d.NoteSecret(passphrase);
  v1::VaultStatus status;
  return d.vault().Init(DaemonHarness::Context(std::chrono::seconds(30)).get(), request, &status);
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
    out->set_state(v1::VaultStatus::LOCKED);
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

// ---------------------------------------------------------------------------
// No secret or content in logs or plain files
// ---------------------------------------------------------------------------

// Alex (with plugins) and Sam, paired, used the way people use them, with a
// canary in every secret and every piece of content, and in bad input; then
// every byte the daemons wrote outside the sealed store is searched.
TEST(SecurityTest, NoSecretOrContentReachesALogOrAPlainFile) {
  struct Canaries {
    std::string alex_pass = Canary("alex-passphrase");
    std::string sam_pass = Canary("sam-passphrase");
    std::string wrong_pass = Canary("wrong-passphrase");
    std::string reinit_pass = Canary("reinit-passphrase");
    std::string journal_title = Canary("journal-title");
    std::string journal_body = Canary("journal-body");
    std::string journal_edit = Canary("journal-edit");
    std::string shared_body = Canary("shared-journal");
    std::string high = Canary("checkin-high");
    std::string low = Canary("checkin-low");
    std::string note = Canary("checkin-note");
    std::string sam_high = Canary("sam-checkin");
    std::string goal_title = Canary("goal-title");
    std::string progress_note = Canary("progress-note");
    std::string plugin_answer = Canary("plugin-answer");
    std::string plugin_echoed = Canary("plugin-echoed");
    std::string option_value = Canary("option");
    std::string bad_high = Canary("bad-checkin");
    std::string bad_name = Canary("bad-name");
    std::string bad_mask = Canary("bad-mask");
    std::string bad_code = Canary("bad-invite");
    std::string bad_zone = Canary("bad-zone");
    std::string bad_day = Canary("bad-day");
    std::string bad_label = Canary("bad-label");
    std::string bad_device = Canary("bad-device");
    std::vector<std::string> All() const {
      return {alex_pass,     sam_pass,     wrong_pass,  reinit_pass,   journal_title,
              journal_body,  journal_edit, shared_body, high,          low,
              note,          sam_high,     goal_title,  progress_note, plugin_answer,
              plugin_echoed, option_value, bad_high,    bad_name,      bad_mask,
              bad_code,      bad_zone,     bad_day,     bad_label,     bad_device};
    }
  } c;

  DaemonHarness alex, sam;
  const std::string plugins = alex.root() + "/user-plugins";
  fs::create_directories(plugins);
  ASSERT_NE(MakeTestPlugin(plugins, "tp", "normal", "journal_entry,check_in", "1.0.0", "tp-"), "");
  ASSERT_TRUE(alex.Start({"--plugins-dir", plugins, "--peer-listen", "127.0.0.1:0",
                          "--plugin-restart-backoff", "0.05"}));
  ASSERT_TRUE(sam.Start({"--peer-listen", "127.0.0.1:0"}));
  ASSERT_OK(InitAs(alex, c.alex_pass, "Alex"));
  ASSERT_OK(InitAs(sam, c.sam_pass, "Sam"));
  auto ctx = [] { return DaemonHarness::Context(std::chrono::seconds(30)); };

  // The vault: a wrong passphrase, a second Init, lock and unlock.
  ASSERT_OK(alex.Lock());
  EXPECT_CODE(alex.Unlock(c.wrong_pass), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_CODE(InitAs(alex, c.reinit_pass, "Alex"), grpc::StatusCode::ALREADY_EXISTS);
  ASSERT_OK(alex.Unlock(c.alex_pass));

  // Content of every kind.
  v1::CreateJournalEntryRequest jreq;
  jreq.mutable_journal_entry()->set_title(c.journal_title);
  jreq.mutable_journal_entry()->set_body(c.journal_body);
  v1::JournalEntry entry;
  ASSERT_OK(alex.journal().CreateJournalEntry(ctx().get(), jreq, &entry));
  v1::UpdateJournalEntryRequest ureq;
  ureq.mutable_journal_entry()->set_name(entry.name());
  ureq.mutable_journal_entry()->set_body(c.journal_edit);
  ureq.mutable_update_mask()->add_paths("body");
  ASSERT_OK(alex.journal().UpdateJournalEntry(ctx().get(), ureq, &entry));
  v1::CreateCheckInRequest creq;
  creq.mutable_check_in()->set_high(c.high);
  creq.mutable_check_in()->set_low(c.low);
  creq.mutable_check_in()->set_note(c.note);
  creq.mutable_check_in()->set_connection_rating(4);
  creq.mutable_check_in()->set_time_zone("UTC");
  v1::CheckIn check_in;
  ASSERT_OK(alex.checkins().CreateCheckIn(ctx().get(), creq, &check_in));
  v1::CreateGoalRequest greq;
  greq.mutable_goal()->set_title(c.goal_title);
  greq.mutable_goal()->set_target_per_period(2);
  greq.mutable_goal()->set_period(v1::WEEK);
  greq.mutable_goal()->set_periods(4);
  greq.mutable_goal()->set_time_zone("UTC");
  v1::Goal goal;
  ASSERT_OK(alex.goals().CreateGoal(ctx().get(), greq, &goal));
  v1::LogProgressRequest preq;
  preq.set_parent(goal.name());
  preq.mutable_progress()->set_note(c.progress_note);
  v1::GoalProgress progress;
  ASSERT_OK(alex.goals().LogProgress(ctx().get(), preq, &progress));

  // Bad input carrying canaries: refused, and the refusals may quote them
  // back to the caller, but never into the log.
  {
    v1::CreateCheckInRequest bad = creq;
    bad.mutable_check_in()->set_high(c.bad_high);
    bad.mutable_check_in()->set_connection_rating(9);
    v1::CheckIn out;
    EXPECT_CODE(alex.checkins().CreateCheckIn(ctx().get(), bad, &out),
                grpc::StatusCode::INVALID_ARGUMENT);
    bad = creq;
    bad.mutable_check_in()->set_time_zone(c.bad_zone);
    EXPECT_CODE(alex.checkins().CreateCheckIn(ctx().get(), bad, &out),
                grpc::StatusCode::INVALID_ARGUMENT);
    bad = creq;
    bad.mutable_check_in()->set_day(c.bad_day);
    EXPECT_CODE(alex.checkins().CreateCheckIn(ctx().get(), bad, &out),
                grpc::StatusCode::INVALID_ARGUMENT);
    bad = creq;
    bad.mutable_check_in()->add_emotions()->set_label(c.bad_label);
    EXPECT_CODE(alex.checkins().CreateCheckIn(ctx().get(), bad, &out),
                grpc::StatusCode::INVALID_ARGUMENT);
    v1::GetJournalEntryRequest get;
    get.set_name("journalEntries/" + c.bad_name);
    v1::JournalEntry got;
    grpc::Status s = alex.journal().GetJournalEntry(ctx().get(), get, &got);
    EXPECT_CODE(s, grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), HasSubstr(c.bad_name)) << "the caller is told what was wrong";
    v1::UpdateJournalEntryRequest mask = ureq;
    mask.mutable_update_mask()->add_paths(c.bad_mask);
    EXPECT_CODE(alex.journal().UpdateJournalEntry(ctx().get(), mask, &got),
                grpc::StatusCode::INVALID_ARGUMENT);
    v1::JoinSpaceRequest join;
    join.set_code("attune-invite-" + c.bad_code);
    v1::JoinSpaceResponse joined;
    EXPECT_CODE(v1::SpaceService::NewStub(sam.channel())->JoinSpace(ctx().get(), join, &joined),
                grpc::StatusCode::INVALID_ARGUMENT);
    v1::GetSafetyNumberRequest safety;
    safety.set_device_id(c.bad_device);
    v1::SafetyNumber number;
    EXPECT_FALSE(v1::SpaceService::NewStub(alex.channel())
                     ->GetSafetyNumber(ctx().get(), safety, &number)
                     .ok());
  }

  // Pairing and sync both ways.
  v1::Invite invite;
  ASSERT_OK(v1::SpaceService::NewStub(alex.channel())
                ->CreateInvite(ctx().get(), v1::CreateInviteRequest(), &invite));
  v1::JoinSpaceRequest join;
  join.set_code(invite.code());
  v1::JoinSpaceResponse joined;
  ASSERT_OK(v1::SpaceService::NewStub(sam.channel())->JoinSpace(ctx().get(), join, &joined));
  v1::CreateCheckInRequest sam_checkin;
  sam_checkin.mutable_check_in()->set_high(c.sam_high);
  sam_checkin.mutable_check_in()->set_visibility(v1::SHARED);
  sam_checkin.mutable_check_in()->set_low("a low moment");
  sam_checkin.mutable_check_in()->set_connection_rating(3);
  sam_checkin.mutable_check_in()->set_time_zone("UTC");
  ASSERT_OK(sam.checkins().CreateCheckIn(ctx().get(), sam_checkin, &check_in));
  v1::CreateJournalEntryRequest shared;
  shared.mutable_journal_entry()->set_body(c.shared_body);
  shared.mutable_journal_entry()->set_visibility(v1::SHARED);
  ASSERT_OK(alex.journal().CreateJournalEntry(ctx().get(), shared, &entry));
  ASSERT_TRUE(Eventually([&] {
    for (const auto& ci : ListAllCheckIns(alex)) {
      if (ci.high() == c.sam_high) return true;
    }
    return false;
  })) << "Sam's check-in never reached Alex";
  ASSERT_TRUE(Eventually([&] {
    for (const auto& e : ListAllJournalEntries(sam)) {
      if (e.body() == c.shared_body) return true;
    }
    return false;
  })) << "Alex's shared entry never reached Sam";

  // An exercise: the plugin gets the person's words and options, stores a
  // journal entry with them; then a plugin answer the daemon refuses, whose
  // refusal quotes the person's words.
  ExerciseDriver driver(alex.channel(), Vocabulary(alex));
  v1::GrantPermissionsRequest grant;
  grant.set_plugin("tp");
  v1::PluginInfo info;
  ASSERT_OK(driver.plugins().GrantPermissions(ctx().get(), grant, &info));
  v1::StartSessionRequest start;
  start.set_exercise("tp-echo");
  (*start.mutable_options())["records"] = "journal_entry";
  (*start.mutable_options())["note"] = c.option_value;
  driver.overrides["words"] = Text(c.plugin_answer);
  auto run = driver.RunSession(start);
  ASSERT_OK(run.status);
  EXPECT_THAT(run.last.record().summary(), HasSubstr(c.plugin_answer));
  start.mutable_options()->clear();
  (*start.mutable_options())["bad_records"] = "echo";
  driver.overrides["words"] = Text(c.plugin_echoed);
  auto refused = driver.RunSession(start);
  EXPECT_CODE(refused.status, grpc::StatusCode::ABORTED);
  EXPECT_THAT(refused.status.error_message(), HasSubstr(c.plugin_echoed))
      << "the person is told what the plugin got wrong";
  ASSERT_TRUE(Eventually([&] { return driver.Plugin("tp").failures() == 1; }));

  ASSERT_OK(alex.Lock());
  ASSERT_EQ(alex.Stop(), 0) << alex.StderrSinceStart();
  ASSERT_EQ(sam.Stop(), 0) << sam.StderrSinceStart();

  // Controls: the logs were captured and tell of what happened; the scan
  // does find what the store keeps in the clear (the public display name).
  const std::string alex_log = alex.AllStderr();
  EXPECT_THAT(alex_log, HasSubstr("unlock refused: wrong passphrase"));
  EXPECT_THAT(alex_log, HasSubstr("paired with device"));
  EXPECT_THAT(alex_log, HasSubstr("plugin tp returned bad records (records[0].check_in.day)"));
  EXPECT_THAT(sam.AllStderr(), HasSubstr("joined the space of device"));
  bool display_name_seen = false;
  for (const auto& [path, bytes] : FilesUnder(alex.data_dir())) {
    display_name_seen |= bytes.find("Alex") != std::string::npos;
  }
  EXPECT_TRUE(display_name_seen) << "the scan cannot even find the public display name";

  // Everything under each daemon's folder: its log, the data folder (SST,
  // WAL, MANIFEST and OPTIONS files, the lock file), and any other file it
  // wrote there; and the plugin runtime folder.
  for (DaemonHarness* d : {&alex, &sam}) {
    auto files = FilesUnder(d->root());
    for (auto& [path, bytes] : FilesUnder(PluginRuntimeDir(d->socket_path()))) {
      files[path] = std::move(bytes);
    }
    ASSERT_GE(files.size(), 6u) << d->root();
    bool saw_options = false, saw_manifest = false;
    for (const auto& [path, bytes] : files) {
      std::string file = fs::path(path).filename().string();
      saw_options |= file.rfind("OPTIONS-", 0) == 0;
      saw_manifest |= file.rfind("MANIFEST-", 0) == 0;
      for (const std::string& canary : c.All()) {
        EXPECT_EQ(bytes.find(canary), std::string::npos) << canary << " found in " << path;
        // Its random half alone (the tail after the last '-') too.
        EXPECT_EQ(bytes.find(canary.substr(canary.rfind('-') + 1)), std::string::npos)
            << canary << " (its random part) found in " << path;
      }
    }
    // RocksDB's own log lines go to the daemon's stderr (searched above), so
    // there is no LOG file; its OPTIONS and MANIFEST files must be there.
    EXPECT_TRUE(saw_options && saw_manifest) << "RocksDB's files were not among those searched";
  }
}

// ---------------------------------------------------------------------------
// Keys leave memory at Lock
// ---------------------------------------------------------------------------

// How often each needle occurs in the memory of `pid` that is not a file
// mapping: the heap, the stacks, anonymous mappings (libsodium's guarded
// pages included). `bytes` says how much was read.
std::map<std::string, int> ScanMemory(pid_t pid, const std::vector<std::string>& needles,
                                      size_t* bytes) {
  std::map<std::string, int> hits;
  for (const auto& n : needles) hits[n] = 0;
  *bytes = 0;
  size_t longest = 0;
  for (const auto& n : needles) longest = std::max(longest, n.size());
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  int mem = ::open(("/proc/" + std::to_string(pid) + "/mem").c_str(), O_RDONLY | O_CLOEXEC);
  if (mem < 0) {
    ADD_FAILURE() << "cannot open the daemon's memory: " << std::strerror(errno);
    return hits;
  }
  std::string line;
  std::vector<char> buffer(1 << 20);
  while (std::getline(maps, line)) {
    std::istringstream fields(line);
    std::string range, perms, offset, dev, inode, path;
    fields >> range >> perms >> offset >> dev >> inode;
    std::getline(fields >> std::ws, path);
    if (perms.empty() || perms[0] != 'r') continue;
    if (!path.empty() && path != "[heap]" && path.rfind("[stack", 0) != 0 &&
        path.rfind("[anon", 0) != 0) {
      continue;  // a file, or the vdso
    }
    uint64_t start = std::stoull(range.substr(0, range.find('-')), nullptr, 16);
    uint64_t end = std::stoull(range.substr(range.find('-') + 1), nullptr, 16);
    // Sanitizers reserve terabytes of shadow memory; no key lives there.
    if (end - start > (uint64_t{1} << 30)) continue;
    std::string carry;
    for (uint64_t at = start; at < end;) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), end - at));
      ssize_t n = ::pread(mem, buffer.data(), want, static_cast<off_t>(at));
      if (n <= 0) break;
      *bytes += static_cast<size_t>(n);
      std::string window = carry + std::string(buffer.data(), static_cast<size_t>(n));
      for (const auto& needle : needles) {
        for (size_t p = window.find(needle); p != std::string::npos;
             p = window.find(needle, p + 1)) {
          // A match wholly inside the carried-over part was counted already.
          if (p + needle.size() > carry.size()) ++hits[needle];
        }
      }
      carry = window.substr(window.size() - std::min(window.size(), longest - 1));
      at += static_cast<uint64_t>(n);
    }
  }
  ::close(mem);
  return hits;
}

// Sends Init (or Unlock) on a connection of its own and closes it, as the
// CLI does: gRPC keeps the raw frames of a connection (its header table
// points into them) until the connection closes, and only then are they
// freed and, with the daemon's M_PERTURB, overwritten.
grpc::Status OnItsOwnConnection(const DaemonHarness& d, bool init, const std::string& passphrase) {
  auto channel = DaemonHarness::MakeChannel(d.socket_path());
  auto vault = v1::VaultService::NewStub(channel);
  v1::VaultStatus status;
  auto ctx = DaemonHarness::Context(std::chrono::seconds(30));
  if (init) {
    v1::InitRequest request;
    request.set_passphrase(passphrase);
    request.set_display_name("Alex");
    request.set_kdf_cost(v1::TEST_ONLY_MINIMUM);
    return vault->Init(ctx.get(), request, &status);
  }
  v1::UnlockRequest request;
  request.set_passphrase(passphrase);
  return vault->Unlock(ctx.get(), request, &status);
}

// The test joins the daemon's space as a second device, so it holds the
// space key the daemon holds; then it looks for that key, and for the
// passphrase, in the daemon's memory, unlocked and after Lock().
TEST(SecurityTest, LockDropsTheKeysAndThePassphraseFromTheDaemonsMemory) {
  DaemonHarness alex;
  const std::string passphrase = Canary("memory-passphrase");
  alex.NoteSecret(passphrase);
  ASSERT_TRUE(alex.Start({"--peer-listen", "127.0.0.1:0"}));
  ASSERT_OK(OnItsOwnConnection(alex, /*init=*/true, passphrase));
  v1::Invite invite;
  ASSERT_OK(v1::SpaceService::NewStub(alex.channel())
                ->CreateInvite(DaemonHarness::Context().get(), v1::CreateInviteRequest(), &invite));
  auto code = DecodeInviteCode(invite.code());
  ASSERT_TRUE(code.ok()) << code.status();

  auto me = NewKeys("Memory Test");
  auto identity = MakeTlsIdentity(*me);
  ASSERT_TRUE(identity.ok()) << identity.status();
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetSslTargetNameOverride(PeerTargetName(code->inviter_device()));
  auto channel = grpc::CreateCustomChannel(
      code->addresses(0), PeerChannelCredentials(*identity, code->inviter_device()), args);
  v1::PairRequest pair;
  pair.set_invite_id(code->invite_id());
  pair.set_joiner_device(me->device_public_key);
  pair.set_joiner_member(me->member_id);
  pair.set_joiner_display_name("Memory Test");
  pair.set_mac(
      InviteMac(code->secret(), code->inviter_device(), me->device_public_key, code->invite_id()));
  v1::PairResponse paired;
  ASSERT_OK(v1::Peer::NewStub(channel)->Pair(DaemonHarness::Context().get(), pair, &paired));
  unsigned char curve_pk[crypto_box_PUBLICKEYBYTES];
  SecretBytes curve_sk(crypto_box_SECRETKEYBYTES), space_key(32);
  ASSERT_EQ(crypto_sign_ed25519_pk_to_curve25519(
                curve_pk, reinterpret_cast<const unsigned char*>(me->device_public_key.data())),
            0);
  ASSERT_EQ(crypto_sign_ed25519_sk_to_curve25519(curve_sk.data(), me->device_secret_key.data()), 0);
  ASSERT_EQ(
      crypto_box_seal_open(space_key.data(),
                           reinterpret_cast<const unsigned char*>(paired.sealed_space_key().data()),
                           paired.sealed_space_key().size(), curve_pk, curve_sk.data()),
      0);
  const std::string key(space_key.view());

  // Unlocked, the daemon holds the key: the scan must find it, or it would
  // prove nothing below.
  size_t bytes = 0;
  auto unlocked = ScanMemory(alex.pid(), {key}, &bytes);
  ASSERT_GE(unlocked[key], 1) << "the space key was not found in " << bytes
                              << " bytes of the unlocked daemon's memory";
  v1::CreateJournalEntryRequest journal;
  journal.mutable_journal_entry()->set_body("written before the lock");
  v1::JournalEntry entry;
  ASSERT_OK(alex.journal().CreateJournalEntry(DaemonHarness::Context().get(), journal, &entry));

  auto lock_and_expect_nothing_left = [&](const char* when) {
    SCOPED_TRACE(when);
    v1::VaultStatus status;
    ASSERT_OK(alex.Lock(&status));
    EXPECT_EQ(status.state(), v1::VaultStatus::LOCKED);
    v1::GetJournalEntryRequest get;
    get.set_name(entry.name());
    v1::JournalEntry got;
    EXPECT_CODE(alex.journal().GetJournalEntry(DaemonHarness::Context().get(), get, &got),
                grpc::StatusCode::FAILED_PRECONDITION);
    // Calls that held the keys finish, the connection that carried the
    // passphrase closes; then nothing of either may be left.
    std::map<std::string, int> locked;
    EXPECT_TRUE(Eventually(
        [&] {
          locked = ScanMemory(alex.pid(), {key, passphrase}, &bytes);
#if defined(ATTUNE_SANITIZER_BUILD)
          // A sanitizer's allocator keeps freed memory in quarantine, as it
          // was: glibc's M_PERTURB does not apply there. Keys are in
          // libsodium's memory, which it does not touch.
          locked[passphrase] = 0;
#endif
          return locked[key] == 0 && locked[passphrase] == 0;
        },
        std::chrono::seconds(15)))
        << "locked, the space key is still in memory " << locked[key]
        << " times and the passphrase " << locked[passphrase] << " times (" << bytes
        << " bytes read)";
  };
  lock_and_expect_nothing_left("after Init");

  // Unlocking brings the key back (the scan still sees it), and the next
  // Lock drops it and the passphrase Unlock was given.
  ASSERT_OK(OnItsOwnConnection(alex, /*init=*/false, passphrase));
  EXPECT_GE(ScanMemory(alex.pid(), {key}, &bytes)[key], 1);
  lock_and_expect_nothing_left("after Unlock");
}

// ---------------------------------------------------------------------------
// Plugins are confined
// ---------------------------------------------------------------------------

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
