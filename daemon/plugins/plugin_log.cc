#include "daemon/plugins/plugin_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "daemon/plugins/handshake.h"

namespace attune {

std::string PluginLogDir(const std::string& runtime_dir) {
  return absl::StrCat(runtime_dir, "/logs");
}

std::string PluginLogPath(const std::string& dir, const std::string& plugin_id) {
  return absl::StrCat(dir, "/", plugin_id, ".log");
}

PluginLog::PluginLog(const std::string& dir, std::string plugin_id, std::string version, pid_t pid)
    : path_(dir.empty() ? "" : PluginLogPath(dir, plugin_id)),
      prefix_(absl::StrCat(plugin_id, " ", version, " pid ", pid, " ")) {
  Open();
}

PluginLog::~PluginLog() {
  if (fd_ >= 0) ::close(fd_);
}

void PluginLog::Open() {
  if (path_.empty()) return;
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
}

void PluginLog::Line(std::string_view stream, std::string_view text) {
  if (fd_ < 0) return;
  struct stat st;
  if (::fstat(fd_, &st) == 0 && static_cast<size_t>(st.st_size) >= kMaxBytes) {
    ::close(fd_);
    std::rename(path_.c_str(), (path_ + ".1").c_str());
    Open();
    if (fd_ < 0) return;
  }
  std::string line =
      absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()), " ",
                   prefix_, std::string(stream), ": ", Excerpt(text, kMaxLineChars), "\n");
  // One write per line: O_APPEND keeps lines of two processes whole.
  if (::write(fd_, line.data(), line.size()) == static_cast<ssize_t>(line.size())) ++lines_;
}

}  // namespace attune
