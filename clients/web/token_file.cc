#include "clients/web/token_file.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace attune::web {
namespace {

constexpr size_t kTokenBytes = 32;

absl::Status Errno(absl::string_view what, const std::string& path) {
  const int e = errno;
  return absl::Status(
      e == EACCES ? absl::StatusCode::kPermissionDenied : absl::StatusCode::kFailedPrecondition,
      absl::StrCat(what, " ", path, ": ", std::strerror(e)));
}

bool IsToken(absl::string_view text) {
  return text.size() == 43 &&
         text.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
             "abcdefghijklmnopqrstuvwxyz0123456789-_") == absl::string_view::npos;
}

absl::StatusOr<std::string> ReadToken(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open the token file", path);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    absl::Status s = Errno("cannot read the token file", path);
    close(fd);
    return s;
  }
  if (st.st_uid != geteuid() || (st.st_mode & 077) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return absl::PermissionDeniedError(
        absl::StrCat("the token file ", path,
                     " must be a file of yours that only you may read and write (chmod 600 it, or "
                     "delete it for a new token)"));
  }
  char buffer[128];
  const ssize_t n = read(fd, buffer, sizeof(buffer));
  close(fd);
  if (n < 0) return Errno("cannot read the token file", path);
  absl::string_view text = absl::StripAsciiWhitespace(absl::string_view(buffer, n));
  if (!IsToken(text)) {
    return absl::DataLossError(
        absl::StrCat("the token file ", path, " does not hold a token; delete it for a new one"));
  }
  return std::string(text);
}

}  // namespace

absl::StatusOr<std::string> DefaultTokenPath() {
  const char* config = std::getenv("XDG_CONFIG_HOME");
  if (config != nullptr && config[0] == '/') return absl::StrCat(config, "/attune/web-token");
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] == '/') return absl::StrCat(home, "/.config/attune/web-token");
  return absl::FailedPreconditionError(
      "neither XDG_CONFIG_HOME nor HOME is set: pass --token-file");
}

absl::StatusOr<std::string> LoadOrCreateToken(const std::string& path) {
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!folder.empty() && !std::filesystem::exists(folder, ec)) {
    std::filesystem::create_directories(folder, ec);
    if (ec) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot make the folder ", folder.string(), ": ", ec.message()));
    }
    chmod(folder.c_str(), 0700);
  }
  struct stat dir;
  if (!folder.empty() && stat(folder.c_str(), &dir) == 0 && (dir.st_mode & 022) != 0) {
    return absl::PermissionDeniedError(absl::StrCat("the folder ", folder.string(),
                                                    " of the token file may be written by others"));
  }
  if (access(path.c_str(), F_OK) == 0) return ReadToken(path);

  unsigned char bytes[kTokenBytes];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return absl::InternalError("the system gave no random bytes for a token");
  }
  std::string token;
  absl::WebSafeBase64Escape(absl::string_view(reinterpret_cast<char*>(bytes), sizeof(bytes)),
                            &token);
  OPENSSL_cleanse(bytes, sizeof(bytes));
  // O_EXCL: a file someone made meanwhile is read, never overwritten.
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return ReadToken(path);
    return Errno("cannot write the token file", path);
  }
  const std::string line = token + "\n";
  const bool written = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const bool synced = fsync(fd) == 0;
  close(fd);
  if (!written || !synced) {
    unlink(path.c_str());
    return absl::FailedPreconditionError(absl::StrCat("cannot write the token file ", path));
  }
  return token;
}

bool IsJournalStream(int fd) {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long device = 0, inode = 0;
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  struct stat st;
  if (::fstat(fd, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == device &&
         static_cast<unsigned long long>(st.st_ino) == inode;
}

}  // namespace attune::web
