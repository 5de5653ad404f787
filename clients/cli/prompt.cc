#include "prompt.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "args.h"

namespace attune::cli {
namespace {

// The terminal whose echo is off, so a signal handler can turn it back on.
int g_echo_fd = -1;
struct termios g_saved_termios;
volatile sig_atomic_t g_echo_off = 0;

constexpr int kRestoreSignals[] = {SIGINT, SIGTERM, SIGQUIT, SIGHUP};

void RestoreEchoAndDie(int sig) {
  if (g_echo_off) tcsetattr(g_echo_fd, TCSAFLUSH, &g_saved_termios);
  signal(sig, SIG_DFL);
  raise(sig);
}

void WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<size_t>(n));
  }
}

// Reads one line from `in_fd` with echo off, after writing `prompt` to
// `out_fd`.
absl::StatusOr<std::string> ReadHiddenLine(int in_fd, int out_fd, std::string_view prompt) {
  WriteAll(out_fd, prompt);
  struct termios quiet;
  if (tcgetattr(in_fd, &g_saved_termios) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot read the terminal settings: ", strerror(errno)));
  }
  quiet = g_saved_termios;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;

  struct sigaction restore = {};
  restore.sa_handler = RestoreEchoAndDie;
  sigemptyset(&restore.sa_mask);
  struct sigaction previous[std::size(kRestoreSignals)];
  for (size_t i = 0; i < std::size(kRestoreSignals); ++i) {
    sigaction(kRestoreSignals[i], &restore, &previous[i]);
  }
  g_echo_fd = in_fd;
  g_echo_off = 1;
  tcsetattr(in_fd, TCSAFLUSH, &quiet);

  std::string line;
  bool ended = false;
  while (true) {
    char c;
    ssize_t n = read(in_fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ended = true;
      break;
    }
    if (c == '\n') break;
    line.push_back(c);
  }

  tcsetattr(in_fd, TCSAFLUSH, &g_saved_termios);
  g_echo_off = 0;
  for (size_t i = 0; i < std::size(kRestoreSignals); ++i) {
    sigaction(kRestoreSignals[i], &previous[i], nullptr);
  }
  if (ended && line.empty()) {
    WriteAll(out_fd, "\n");
    return absl::CancelledError("cancelled");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// An open terminal to type a passphrase on: in_fd to read, out_fd to write
// the prompt. Closes what it opened.
class Terminal {
 public:
  Terminal() {
    tty_fd_ = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (isatty(STDIN_FILENO) == 1) {
      in_fd_ = STDIN_FILENO;
      out_fd_ = tty_fd_ >= 0 ? tty_fd_ : STDERR_FILENO;
    } else if (tty_fd_ >= 0) {
      in_fd_ = out_fd_ = tty_fd_;
    }
  }
  ~Terminal() {
    if (tty_fd_ >= 0) close(tty_fd_);
  }
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  bool available() const { return in_fd_ >= 0; }
  absl::StatusOr<std::string> ReadHidden(std::string_view prompt) {
    return ReadHiddenLine(in_fd_, out_fd_, prompt);
  }
  void Say(std::string_view text) { WriteAll(out_fd_, text); }

 private:
  int tty_fd_ = -1;
  int in_fd_ = -1;
  int out_fd_ = -1;
};

// Whether `uid` is this process's user or root (who could read the file
// anyway).
bool TrustedOwner(uid_t uid) { return uid == geteuid() || uid == 0; }

// Refuses a passphrase file others may know: one another user owns, one
// group or others may read, or a symbolic link another user owns (they could
// point it elsewhere at any time). The checks are made on the opened file,
// so the file read is the file checked.
absl::Status CheckPassphraseFile(const std::string& path, int fd) {
  struct stat link;
  if (lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode) && !TrustedOwner(link.st_uid)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "the passphrase file ", path, " is a symbolic link owned by another user (uid ",
        link.st_uid, "), who could point it anywhere: give the file itself"));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the passphrase file ", path, ": ", strerror(errno)));
  }
  if (!TrustedOwner(st.st_uid)) {
    return absl::PermissionDeniedError(
        absl::StrCat("the passphrase file ", path, " belongs to another user (uid ", st.st_uid,
                     "), who knows or can change it: keep it in a file of your own, and run "
                     "chmod 600 on it"));
  }
  if ((st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
    char mode[8];
    snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return absl::PermissionDeniedError(absl::StrCat("the passphrase file ", path,
                                                    " can be read by other users (mode ", mode,
                                                    "): run chmod 600 ", path, " and try again"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadPassphraseFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the passphrase file ", path, ": ", strerror(errno)));
  }
  if (absl::Status checked = CheckPassphraseFile(path, fd); !checked.ok()) {
    close(fd);
    return checked;
  }
  // The first line only, up to 64 KiB.
  std::string line;
  char buffer[4096];
  bool done = false;
  while (!done && line.size() < 64 * 1024) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      close(fd);
      return absl::NotFoundError(
          absl::StrCat("cannot read the passphrase file ", path, ": ", strerror(error)));
    }
    if (n == 0) break;
    std::string_view chunk(buffer, static_cast<size_t>(n));
    size_t eol = chunk.find('\n');
    if (eol != std::string_view::npos) {
      chunk = chunk.substr(0, eol);
      done = true;
    }
    line.append(chunk);
  }
  close(fd);
  explicit_bzero(buffer, sizeof buffer);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the passphrase file ", path, " has an empty first line"));
  }
  return line;
}

}  // namespace

bool StdinIsTerminal() { return isatty(STDIN_FILENO) == 1; }

absl::StatusOr<std::string> AskLine(std::string_view question) {
  std::cerr << question << std::flush;
  std::string line;
  if (!std::getline(std::cin, line)) {
    std::cerr << '\n';
    return absl::CancelledError("cancelled");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

absl::StatusOr<bool> Confirm(std::string_view question) {
  absl::StatusOr<std::string> answer = AskLine(absl::StrCat(std::string(question), " [y/N] "));
  if (!answer.ok()) return answer.status();
  std::string a = Trim(*answer);
  return a == "y" || a == "Y" || a == "yes" || a == "Yes" || a == "YES";
}

absl::StatusOr<std::string> ReadPassphrase(const PassphraseRequest& request) {
  if (!request.file.empty()) return ReadPassphraseFile(request.file);

  Terminal terminal;
  if (!terminal.available()) {
    return absl::InvalidArgumentError(
        "no terminal to type the passphrase on: use --passphrase-file FILE");
  }
  constexpr int kAttempts = 3;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    absl::StatusOr<std::string> first = terminal.ReadHidden(request.prompt);
    if (!first.ok()) return first.status();
    if (first->size() < request.min_length) {
      terminal.Say(
          absl::StrCat("The passphrase needs at least ", request.min_length, " characters.\n"));
      continue;
    }
    if (!request.confirm) return first;
    absl::StatusOr<std::string> second = terminal.ReadHidden("Repeat the passphrase: ");
    if (!second.ok()) return second.status();
    if (*first == *second) return first;
    terminal.Say("The two passphrases differ; try again.\n");
  }
  return absl::AbortedError("no passphrase was agreed on");
}

}  // namespace attune::cli
