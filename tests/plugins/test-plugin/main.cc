// attune-test-plugin: a plugin made with the SDK that can misbehave on
// purpose, for the plugin host's tests. Its manifest args choose how:
//
//   --id ID --version V --permissions a,b   who it says it is, what it asks
//   --prefix P                what its exercise ids start with ("test-")
//   --mode normal             serves the test exercises below
//   --mode garbage            prints a line that is not a handshake
//   --mode wrong-version      prints a handshake with protocol version 99
//   --mode silent             prints nothing and waits
//   --mode exit               exits at once with status 3
//   --mode describe-mismatch  serves, but Describe names another version
//   --mode freeze             serves, then stops itself (SIGSTOP) after 1 s,
//                             so it stops answering health checks
//   --mode fork-bomb          forks (children that wait) until fork fails or
//                             1000 have started, and prints "forks stopped
//                             at N: ERRNO" instead of a handshake
//   --write-manifest PATH     writes the manifest for these args and exits
//
// Exercises: test-echo (prompt, required text, rating; Finish returns the
// record kinds named in the option "records", or a bad check-in when the
// option "bad_records" is "yes" (or one whose day is the words written, when
// it is "echo"); with "probe" "yes" its summary says what the
// sandbox allows (see Probe); the options below make it try to get out, and its summary
// says " what=ok" or " what=ERRNO" for each:
//   tcp_port P  connect over TCP to 127.0.0.1:P  (tcp=), and to [::1]:P (tcp6=)
//   udp_port P  send a UDP datagram to 127.0.0.1:P (udp=)
//   read PATH   open PATH and read from it (read=)
//   list PATH   list the folder PATH (list=)
//   own  NAME   read NAME in its own folder, as a control (own=)
//   unix PATH   connect to the Unix socket PATH (unix=)
//   kill_pid P  send SIGKILL to process P, the daemon (kill=)
//   kill_parent yes  send SIGKILL to its parent, kill -9 $PPID (kill_parent=)
//   setsid_child NAME  start a grandchild in a session of its own that
//               renames itself NAME (prctl PR_SET_NAME) and waits for ever
//               (setsid_child=)
//   tiocsti yes  push a character into its stdin's input queue with the
//               ioctl TIOCSTI, which on a terminal types it (tiocsti=)
// and with "print" TEXT it prints TEXT ("print_times" N times, on one line)
// on its stdout after the handshake; \xHH and \r written out in TEXT stand
// for those bytes, as the daemon refuses control characters in options),
// test-crash (aborts when asked for the second step), test-hang (never
// answers for the second step), test-bad-step (answers with a 0-second timed
// turn), test-empty (no steps: Start answers complete), test-endless (a new
// step after every answer, for ever), test-long (100 text steps with questions
// of 4,000 characters).
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "plugins/sdk/sdk.h"

namespace ap = attune::plugin;
namespace av1 = attune::v1;

namespace {

// A backslash, "x" and two hex digits become that byte, a backslash and "r"
// a carriage return; the rest is kept.
std::string Unescape(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 'r') {
      out += '\r';
      ++i;
    } else if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] == 'x') {
      out += static_cast<char>(std::stoi(text.substr(i + 2, 2), nullptr, 16));
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, ',')) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

// What the sandbox allows: " network=open|blocked nofile=N cpu=N nproc=N
// tmp=ok|ERRNO tmpmode=OCTAL tmpinside=yes|no" (nproc=unlimited when
// RLIMIT_NPROC is not set; tmp: a file made with mkstemp in $TMPDIR, written
// and removed, as tempfile would; tmpmode: $TMPDIR's permissions; tmpinside:
// whether it is inside the process's own socket folder).
std::string Probe() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  std::string network = fd >= 0 ? "open" : "blocked";
  if (fd >= 0) ::close(fd);
  struct rlimit files, cpu, procs;
  ::getrlimit(RLIMIT_NOFILE, &files);
  ::getrlimit(RLIMIT_CPU, &cpu);
  ::getrlimit(RLIMIT_NPROC, &procs);
  const char* tmpdir = std::getenv("TMPDIR");
  std::string tmp = "unset";
  if (tmpdir != nullptr) {
    std::string path = std::string(tmpdir) + "/probe.XXXXXX";
    int t = ::mkstemp(path.data());
    bool ok = t >= 0 && ::write(t, "x", 1) == 1;
    int err = errno;
    if (t >= 0) {
      ::close(t);
      ::unlink(path.c_str());
    }
    tmp = ok ? "ok" : std::to_string(err);
    struct stat st;
    char mode[8] = "none";
    if (::stat(tmpdir, &st) == 0) std::snprintf(mode, sizeof mode, "%o", st.st_mode & 0777);
    const char* socket_dir = std::getenv("ATTUNE_PLUGIN_SOCKET_DIR");
    bool inside =
        socket_dir != nullptr && std::string(tmpdir).rfind(std::string(socket_dir) + "/", 0) == 0;
    tmp += std::string(" tmpmode=") + mode + " tmpinside=" + (inside ? "yes" : "no");
  }
  return " network=" + network + " nofile=" + std::to_string(files.rlim_cur) +
         " cpu=" + std::to_string(cpu.rlim_cur) + " nproc=" +
         (procs.rlim_cur == RLIM_INFINITY ? std::string("unlimited")
                                          : std::to_string(procs.rlim_cur)) +
         " tmp=" + tmp;
}

std::string Outcome(bool ok, int err) {
  if (ok) return "ok";
  switch (err) {
    case EACCES:
      return "EACCES";
    case EPERM:
      return "EPERM";
    case ENOENT:
      return "ENOENT";
    case ECONNREFUSED:
      return "ECONNREFUSED";
    case ENOSYS:
      return "ENOSYS";
    case ESRCH:
      return "ESRCH";
    case ENOTTY:
      return "ENOTTY";
    case EAGAIN:
      return "EAGAIN";
    default:
      return "errno" + std::to_string(err);
  }
}

// Connects a new socket of `family` and `type` to `addr`; for datagrams,
// sends one instead.
std::string Reach(int family, int type, const sockaddr* addr, socklen_t len) {
  int fd = ::socket(family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return Outcome(false, errno);
  bool ok =
      type == SOCK_DGRAM ? ::sendto(fd, "x", 1, 0, addr, len) == 1 : ::connect(fd, addr, len) == 0;
  int err = errno;
  ::close(fd);
  return Outcome(ok, err);
}

std::string Escape(const ap::Session& s) {
  std::string out;
  if (std::string port = s.Option("tcp_port", ""); !port.empty()) {
    sockaddr_in v4{};
    v4.sin_family = AF_INET;
    v4.sin_port = htons(static_cast<uint16_t>(std::stoi(port)));
    v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    out += " tcp=" + Reach(AF_INET, SOCK_STREAM, reinterpret_cast<sockaddr*>(&v4), sizeof v4);
    sockaddr_in6 v6{};
    v6.sin6_family = AF_INET6;
    v6.sin6_port = v4.sin_port;
    v6.sin6_addr = in6addr_loopback;
    out += " tcp6=" + Reach(AF_INET6, SOCK_STREAM, reinterpret_cast<sockaddr*>(&v6), sizeof v6);
  }
  if (std::string port = s.Option("udp_port", ""); !port.empty()) {
    sockaddr_in v4{};
    v4.sin_family = AF_INET;
    v4.sin_port = htons(static_cast<uint16_t>(std::stoi(port)));
    v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    out += " udp=" + Reach(AF_INET, SOCK_DGRAM, reinterpret_cast<sockaddr*>(&v4), sizeof v4);
  }
  for (const char* what : {"read", "own"}) {
    std::string path = s.Option(what, "");
    if (path.empty()) continue;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    char byte;
    bool ok = fd >= 0 && ::read(fd, &byte, 1) >= 0;
    int err = errno;
    if (fd >= 0) ::close(fd);
    out += std::string(" ") + what + "=" + Outcome(ok, err);
  }
  if (std::string path = s.Option("list", ""); !path.empty()) {
    DIR* dir = ::opendir(path.c_str());
    int err = errno;
    if (dir != nullptr) ::closedir(dir);
    out += " list=" + Outcome(dir != nullptr, err);
  }
  if (std::string path = s.Option("unix", ""); !path.empty()) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    out += " unix=" + Reach(AF_UNIX, SOCK_STREAM, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  }
  if (std::string pid = s.Option("kill_pid", ""); !pid.empty()) {
    bool ok = ::kill(std::stoi(pid), SIGKILL) == 0;
    out += " kill=" + Outcome(ok, errno);
  }
  if (s.Option("kill_parent", "") == "yes") {
    bool ok = ::kill(::getppid(), SIGKILL) == 0;
    out += " kill_parent=" + Outcome(ok, errno);
  }
  if (std::string name = s.Option("setsid_child", ""); !name.empty()) {
    pid_t child = ::fork();
    if (child == 0) {
      ::setsid();
      if (::fork() == 0) {
        ::prctl(PR_SET_NAME, name.c_str(), 0, 0, 0);
        while (true) ::pause();
      }
      ::_exit(0);
    }
    int status = 0;
    bool ok = child > 0 && ::waitpid(child, &status, 0) == child;
    out += " setsid_child=" + Outcome(ok, errno);
  }
  if (s.Option("tiocsti", "") == "yes") {
    char c = 'x';
    bool ok = ::ioctl(STDIN_FILENO, TIOCSTI, &c) == 0;
    out += " tiocsti=" + Outcome(ok, errno);
  }
  return out;
}

// Forks children that wait until it closes a pipe, until fork fails or 1000
// have started; "forks stopped at N: ERRNO" (or ": none").
std::string ForkBomb() {
  int gate[2];
  if (::pipe(gate) != 0) return "no pipe";
  int n = 0, err = 0;
  for (; n < 1000; ++n) {
    pid_t pid = ::fork();
    if (pid < 0) {
      err = errno;
      break;
    }
    if (pid == 0) {
      ::close(gate[1]);
      char byte;
      ssize_t ignored = ::read(gate[0], &byte, 1);
      (void)ignored;
      ::_exit(0);
    }
  }
  ::close(gate[1]);
  ::close(gate[0]);
  while (::wait(nullptr) > 0) {
  }
  return "forks stopped at " + std::to_string(n) + ": " + (err == 0 ? "none" : Outcome(false, err));
}

[[noreturn]] void Idle() {
  while (true) ::pause();
}

std::vector<ap::Exercise> Exercises(const std::string& p) {
  std::vector<av1::ExerciseOption> options;
  for (const char* key :
       {"records", "bad_records", "probe", "print", "tcp_port", "udp_port", "read", "own", "list",
        "unix", "kill_pid", "kill_parent", "setsid_child", "tiocsti", "note", "eprint", "fail"}) {
    options.push_back(ap::TextOption(key, "what the test plugin tries (see its source)"));
  }
  options.push_back(ap::IntegerOption("print_times", "how often to print", 1, 1, 100000));
  ap::Exercise echo({.id = p + "echo",
                     .title = "Echo",
                     .summary = "Says back what you write.",
                     .minutes = 1,
                     .mode = av1::EXERCISE_MODE_SOLO,
                     .tags = {"test"},
                     .writes = std::nullopt,
                     .options = options});
  echo.Add(ap::Prompt("intro", "Echo", "A test exercise, {first}."));
  echo.Add(ap::TextInput("words", "Words", "Write something.").Required().MaxChars(100));
  echo.Add(ap::RatingInput("score", "Score", "Rate it.", "low", "high"));
  echo.OnFinish([](const ap::Session& s, ap::Outcome& out) {
    std::string summary = "You wrote: " + s.Text("words");
    if (s.Option("probe", "") == "yes") summary += Probe();
    summary += Escape(s);
    if (std::string text = Unescape(s.Option("print", "")); !text.empty()) {
      // Something on stdout after the handshake: the daemon logs it.
      int times = s.OptionInt("print_times", 1, 1, 100000);
      for (int i = 0; i < times; ++i) std::fputs(text.c_str(), stdout);
      std::fputs("\n", stdout);
      std::fflush(stdout);
    }
    if (s.Option("eprint", "") == "yes") {
      // A careless plugin logging an answer: it must stay out of the daemon's log.
      std::fprintf(stderr, "debug: the person wrote %s\n", s.Text("words").c_str());
      std::fflush(stderr);
    }
    if (s.Option("fail", "") == "finish") {
      // A handler that fails, as a Python one that raises does.
      return absl::InternalError("the handler failed on " + s.Text("words"));
    }
    out.Summary(summary);
    out.UsedItem("echo-" + std::to_string(s.Rating("score")));
    if (s.Option("bad_records", "") == "yes") {
      out.AddCheckIn().set_high("only a high");  // no low, no rating: refused
      return absl::OkStatus();
    }
    if (s.Option("bad_records", "") == "echo") {
      // A check-in whose day is the person's words: refused, and the refusal
      // quotes them.
      auto& c = out.AddCheckIn();
      c.set_high("a high");
      c.set_low("a low");
      c.set_connection_rating(3);
      c.set_day(s.Text("words"));
      return absl::OkStatus();
    }
    for (const auto& kind : Split(s.Option("records", ""))) {
      if (kind == "check_in") {
        auto& c = out.AddCheckIn();
        c.set_high(s.Text("words"));
        c.set_low("a low from the test plugin");
        c.set_connection_rating(s.Rating("score"));
      } else if (kind == "journal_entry") {
        out.AddJournalEntry().set_body("journal: " + s.Text("words"));
      } else if (kind == "appreciation") {
        out.AddAppreciation("appreciated: " + s.Text("words"), "Sam");
      } else if (kind == "goal_progress") {
        out.AddGoalProgress("progress from the test plugin");
      } else if (kind == "plugin_record") {
        out.SetRecord("state", "count=" + std::to_string(s.past_sessions() + 1));
      }
    }
    return absl::OkStatus();
  });

  ap::Exercise crash({.id = p + "crash",
                      .title = "Crash",
                      .summary = "Crashes mid-session.",
                      .minutes = 1,
                      .mode = av1::EXERCISE_MODE_SOLO,
                      .tags = {"test"},
                      .writes = std::nullopt});
  crash.Add(ap::Prompt("intro", "Crash", "The next step crashes the plugin."));
  crash.Add([](const ap::Session&) -> std::optional<av1::Step> { std::abort(); });

  ap::Exercise hang({.id = p + "hang",
                     .title = "Hang",
                     .summary = "Hangs mid-session.",
                     .minutes = 1,
                     .mode = av1::EXERCISE_MODE_SOLO,
                     .tags = {"test"},
                     .writes = std::nullopt});
  hang.Add(ap::Prompt("intro", "Hang", "The next step never comes."));
  hang.Add([](const ap::Session&) -> std::optional<av1::Step> { Idle(); });

  ap::Exercise bad({.id = p + "bad-step",
                    .title = "Bad step",
                    .summary = "Answers with a malformed step.",
                    .minutes = 1,
                    .mode = av1::EXERCISE_MODE_SOLO,
                    .tags = {"test"},
                    .writes = std::nullopt});
  bad.Add(ap::Prompt("intro", "Bad step", "The next step is malformed."));
  bad.Add(
      ap::TimedTurn("turn", "Zero seconds", "A turn of no length.", ap::kFirst, ap::kSecond, 0));
  ap::Exercise empty({.id = p + "empty",
                      .title = "Empty",
                      .summary = "Has no step at all.",
                      .minutes = 1,
                      .mode = av1::EXERCISE_MODE_SOLO,
                      .tags = {"test"},
                      .writes = std::nullopt});

  ap::Exercise endless({.id = p + "endless",
                        .title = "Endless",
                        .summary = "Never runs out of steps.",
                        .minutes = 1,
                        .mode = av1::EXERCISE_MODE_SOLO,
                        .tags = {"test"},
                        .writes = std::nullopt});
  endless.Add([](const ap::Session& s) -> std::optional<av1::Step> {
    std::string key = "step-" + std::to_string(s.answered_count());
    return av1::Step(ap::Prompt(key, "Again", "One more step."));
  });
  // A long exercise, as a plugin may write one: 100 text steps, each asking
  // a question of 4,000 characters (the most a step's text may have).
  ap::Exercise long_one({.id = p + "long",
                         .title = "Long",
                         .summary = "A hundred long questions.",
                         .minutes = 60,
                         .mode = av1::EXERCISE_MODE_SOLO,
                         .tags = {"test"},
                         .writes = std::nullopt});
  long_one.Add([](const ap::Session& s) -> std::optional<av1::Step> {
    if (s.answered_count() >= 100) return std::nullopt;
    std::string key = "q-" + std::to_string(s.answered_count());
    std::string text = "Question " + std::to_string(s.answered_count()) + ": ";
    while (text.size() < 4000) text += "what would you like your partner to know? ";
    text.resize(4000);
    return av1::Step(ap::TextInput(key, "Long", text).MaxChars(2000));
  });
  return {echo, crash, hang, bad, empty, endless, long_one};
}

}  // namespace

int main(int argc, char** argv) {
  std::string id = "test-plugin", version = "1.0.0", mode = "normal", permissions, manifest;
  std::string prefix = "test-";
  std::vector<std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--write-manifest") {
      manifest = value;
      continue;
    }
    args.push_back(flag);
    args.push_back(value);
    if (flag == "--id") id = value;
    if (flag == "--version") version = value;
    if (flag == "--mode") mode = value;
    if (flag == "--permissions") permissions = value;
    if (flag == "--prefix") prefix = value;
  }
  ap::PluginInfo info{.id = id,
                      .version = version,
                      .description = "A test plugin.",
                      .permissions = Split(permissions)};
  if (!manifest.empty()) {
    std::ofstream out(manifest, std::ios::trunc);
    out << ap::ManifestText(info, Exercises(prefix), "attune-test-plugin");
    for (const auto& a : args) out << "args: \"" << a << "\"\n";
    return out ? 0 : 1;
  }
  const char* dir = std::getenv("ATTUNE_PLUGIN_SOCKET_DIR");
  std::string socket = std::string(dir != nullptr ? dir : "/tmp") + "/plugin.sock";
  if (mode == "garbage") {
    std::printf("hello from a plugin that forgot the protocol\n");
    std::fflush(stdout);
    Idle();
  }
  if (mode == "wrong-version") {
    std::printf("1|99|unix|%s|grpc\n", socket.c_str());
    std::fflush(stdout);
    Idle();
  }
  if (mode == "silent") Idle();
  if (mode == "fork-bomb") {
    std::printf("%s\n", ForkBomb().c_str());
    std::fflush(stdout);
    Idle();
  }
  if (mode == "exit") return 3;
  if (mode == "describe-mismatch") info.version = version + "-other";
  if (mode == "freeze") {
    std::thread([] {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      ::raise(SIGSTOP);
    }).detach();
  }
  char* plain[] = {argv[0], nullptr};
  return ap::Serve(1, plain, info, Exercises(prefix));
}
