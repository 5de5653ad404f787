#include "daemon/base/private_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace attune {
namespace {

std::string Octal(mode_t mode) {
  char out[8];
  std::snprintf(out, sizeof out, "%04o", static_cast<unsigned>(mode & 07777));
  return out;
}

}  // namespace

absl::Status MakePrivateDir(const std::string& path, const std::string& what) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot create folder ", path, ": ", ec.message()));
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    int error = errno;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat("the ", what, " ", path,
                       " is a symbolic link; attuned does not follow one there (someone else "
                       "could point it anywhere): give the folder itself"));
    }
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open the ", what, " ", path, ": ", std::strerror(error)));
  }
  struct stat st {};
  absl::Status result = absl::OkStatus();
  const uid_t me = ::geteuid();
  if (::fstat(fd, &st) != 0) {
    result = absl::FailedPreconditionError(
        absl::StrCat("cannot inspect the ", what, " ", path, ": ", std::strerror(errno)));
  } else if (st.st_uid != me) {
    result = absl::FailedPreconditionError(absl::StrCat(
        "the ", what, " ", path, " belongs to uid ", st.st_uid, ", not to you (uid ", me,
        "); another user may have made it to read what attuned puts there or to pose as it: "
        "remove it (or ask root to) or choose another place"));
  } else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    result = absl::FailedPreconditionError(absl::StrCat(
        "the ", what, " ", path, " has mode ", Octal(st.st_mode),
        ": group or others may write in it and could have put something there; check what is in "
        "it, then chmod 700 ",
        path));
  } else if ((st.st_mode & 077) != 0 && ::fchmod(fd, 0700) != 0) {
    result = absl::FailedPreconditionError(absl::StrCat(
        "cannot make the ", what, " ", path, " private (chmod 700): ", std::strerror(errno)));
  }
  ::close(fd);
  return result;
}

}  // namespace attune
