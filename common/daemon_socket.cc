#include "common/daemon_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace attune {

std::string DaemonNotRunningMessage(const std::string& socket_path, const std::string& why) {
  return absl::StrCat("the daemon is not running (", why, " at ", socket_path,
                      "). Start it with: attuned &   (or: systemctl --user "
                      "start attuned)");
}

namespace {

bool Trusted(uid_t uid) { return uid == geteuid() || uid == 0; }

std::string Octal(mode_t mode) {
  char out[8];
  std::snprintf(out, sizeof out, "%04o", static_cast<unsigned>(mode & 07777));
  return out;
}

std::string Refusal(const std::string& what) {
  return absl::StrCat(what,
                      ". It may be another user's fake daemon waiting for your passphrase; "
                      "nothing was sent. Remove it (or ask root to) and start attuned again");
}

}  // namespace

absl::Status CheckDaemonSocket(const std::string& socket_path) {
  struct stat st {};
  if (lstat(socket_path.c_str(), &st) != 0) {
    return absl::UnavailableError(DaemonNotRunningMessage(socket_path, "no socket"));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::PermissionDeniedError(absl::StrCat(
        socket_path, " is not a socket", S_ISLNK(st.st_mode) ? " but a symbolic link" : "",
        ": give the daemon's socket itself with --socket"));
  }
  if (!Trusted(st.st_uid)) {
    return absl::PermissionDeniedError(
        Refusal(absl::StrCat("the socket ", socket_path, " belongs to uid ", st.st_uid,
                             ", not to you (uid ", geteuid(), ")")));
  }
  const std::filesystem::path parent = std::filesystem::path(socket_path).parent_path();
  const std::string folder = parent.empty() ? std::string(".") : parent.string();
  struct stat dir {};
  if (lstat(folder.c_str(), &dir) != 0 || !S_ISDIR(dir.st_mode)) {
    return absl::PermissionDeniedError(
        absl::StrCat("the socket's folder ", folder, " is not a folder (a symbolic link?)"));
  }
  if (!Trusted(dir.st_uid)) {
    return absl::PermissionDeniedError(
        Refusal(absl::StrCat("the socket's folder ", folder, " belongs to uid ", dir.st_uid,
                             ", not to you (uid ", geteuid(), ")")));
  }
  if ((dir.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return absl::PermissionDeniedError(
        Refusal(absl::StrCat("the socket's folder ", folder, " has mode ", Octal(dir.st_mode),
                             ": others may write in it and could swap the socket")));
  }

  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) {
    return absl::InvalidArgumentError(
        absl::StrCat("the socket path is too long for a Unix socket: ", socket_path));
  }
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("cannot make a socket: ", std::strerror(errno)));
  }
  int rc;
  do {
    rc = connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int error = errno;
    close(fd);
    if (error == EACCES || error == EPERM) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot connect to ", socket_path, ": ", std::strerror(error)));
    }
    return absl::UnavailableError(
        DaemonNotRunningMessage(socket_path, "nothing answers on the socket"));
  }
  ucred peer{};
  socklen_t size = sizeof peer;
  int got = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &size);
  int error = errno;
  close(fd);
  if (got != 0) {
    return absl::PermissionDeniedError(absl::StrCat("cannot learn who serves ", socket_path,
                                                    " (SO_PEERCRED): ", std::strerror(error)));
  }
  if (!Trusted(peer.uid)) {
    return absl::PermissionDeniedError(Refusal(
        absl::StrCat("the process serving ", socket_path, " (pid ", peer.pid, ") runs as uid ",
                     peer.uid, ", not as you (uid ", geteuid(), "): it is not your attuned")));
  }
  return absl::OkStatus();
}

grpc::ChannelArguments DaemonChannelArguments() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  return args;
}

}  // namespace attune
