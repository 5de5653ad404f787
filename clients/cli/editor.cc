#include "editor.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace attune::cli {
namespace {

std::string TempDir() {
  for (const char* var : {"XDG_RUNTIME_DIR", "TMPDIR"}) {
    const char* dir = std::getenv(var);
    struct stat st;
    if (dir != nullptr && *dir != '\0' && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
      return dir;
    }
  }
  return "/tmp";
}

std::string EditorCommand() {
  const char* editor = std::getenv("EDITOR");
  if (editor != nullptr && *editor != '\0') return editor;
  return "vi";
}

// Opens `path` without following a symbolic link, and only if it is a
// regular file of this user: an editor that replaced the file (write a new
// one, rename it over) leaves a moment in which another user could put
// their own file or link in its place in a shared /tmp.
int OpenOwnFile(const std::string& path, int flags) {
  int fd = open(path.c_str(), flags | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())) {
    close(fd);
    return -1;
  }
  return fd;
}

// Overwrites the file with zeros before it is removed, so the text does not
// linger in freed blocks of a disk-backed temporary directory.
void Shred(const std::string& path) {
  int fd = OpenOwnFile(path, O_WRONLY);
  if (fd >= 0) {
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
      std::vector<char> zeros(static_cast<size_t>(st.st_size), 0);
      ssize_t ignored = write(fd, zeros.data(), zeros.size());
      (void)ignored;
      fsync(fd);
    }
    close(fd);
  }
  unlink(path.c_str());
}

// Runs the editor on `path` through the shell, so $EDITOR may carry
// arguments ("code --wait"). Returns its exit status.
absl::Status RunEditor(const std::string& path) {
  const std::string command = EditorCommand();
  const std::string script = command + " \"$1\"";
  // Like git: a Ctrl-C meant for the editor must not kill us mid-edit.
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  struct sigaction old_int, old_quit;
  sigaction(SIGINT, &ignore, &old_int);
  sigaction(SIGQUIT, &ignore, &old_quit);

  pid_t pid = fork();
  if (pid == 0) {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGQUIT, &old_quit, nullptr);
    execl("/bin/sh", "sh", "-c", script.c_str(), "sh", path.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  bool waited = false;
  if (pid > 0) {
    while (waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) break;
    }
    waited = true;
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGQUIT, &old_quit, nullptr);

  if (!waited) {
    return absl::AbortedError(absl::StrCat("cannot start the editor: ", strerror(errno)));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::AbortedError(absl::StrCat("the editor (", command, ") failed; nothing was saved"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> EditInEditor(const std::string& initial) {
  std::string path = TempDir() + "/attune-edit-XXXXXX.md";
  std::vector<char> buffer(path.begin(), path.end());
  buffer.push_back('\0');
  int fd = mkstemps(buffer.data(), 3);  // mode 0600
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("cannot create a temporary file in ", TempDir(), ": ", strerror(errno)));
  }
  path = buffer.data();
  const char* data = initial.data();
  size_t left = initial.size();
  while (left > 0) {
    ssize_t n = write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data += n;
    left -= static_cast<size_t>(n);
  }
  close(fd);
  if (left > 0) {
    Shred(path);
    return absl::InternalError("cannot write the temporary file");
  }

  absl::Status edited = RunEditor(path);
  if (!edited.ok()) {
    Shred(path);
    return edited;
  }
  int in = OpenOwnFile(path, O_RDONLY);
  if (in < 0) {
    Shred(path);
    return absl::AbortedError(absl::StrCat(
        "the edited file ", path, " is gone or no longer a file of yours; nothing was saved"));
  }
  std::string text;
  char chunk[4096];
  ssize_t n;
  while ((n = read(in, chunk, sizeof chunk)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    text.append(chunk, static_cast<size_t>(n));
  }
  close(in);
  Shred(path);
  return text;
}

}  // namespace attune::cli
