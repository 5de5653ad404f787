#include "expected_state.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"

namespace attune::testing {
namespace {

constexpr WriteKind kKinds[] = {WriteKind::kCheckIn, WriteKind::kJournalEntry, WriteKind::kGoal,
                                WriteKind::kGoalProgress, WriteKind::kSession};

}  // namespace

const char* WriteKindName(WriteKind kind) {
  switch (kind) {
    case WriteKind::kCheckIn:
      return "check-in";
    case WriteKind::kJournalEntry:
      return "journal-entry";
    case WriteKind::kGoal:
      return "goal";
    case WriteKind::kGoalProgress:
      return "goal-progress";
    case WriteKind::kSession:
      return "exercise-session";
  }
  return "?";
}

ExpectedState::ExpectedState(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) ADD_FAILURE() << "cannot open " << path_ << ": " << std::strerror(errno);
}

ExpectedState::~ExpectedState() {
  if (fd_ >= 0) ::close(fd_);
}

uint64_t ExpectedState::count() {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}

void ExpectedState::Record(const std::string& daemon, WriteKind kind,
                           const google::protobuf::Message& record) {
  std::string line = daemon + "\t" + WriteKindName(kind) + "\t" +
                     absl::Base64Escape(record.SerializeAsString()) + "\n";
  std::unique_lock<std::mutex> lock(mu_);
  for (size_t at = 0; at < line.size();) {
    ssize_t n = ::write(fd_, line.data() + at, line.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ADD_FAILURE() << "cannot append to " << path_ << ": " << std::strerror(errno);
      return;
    }
    at += static_cast<size_t>(n);
  }
  written_ += line.size();
  ++count_;
  const uint64_t mine = written_;
  // One fdatasync covers every line appended before it started.
  while (synced_ < mine) {
    if (syncing_) {
      synced_cv_.wait(lock);
      continue;
    }
    syncing_ = true;
    const uint64_t target = written_;
    lock.unlock();
    int rc = ::fdatasync(fd_);
    lock.lock();
    syncing_ = false;
    if (rc != 0) ADD_FAILURE() << "fdatasync " << path_ << ": " << std::strerror(errno);
    synced_ = target;
    synced_cv_.notify_all();
  }
}

std::vector<AckedWrite> ExpectedState::Load(const std::string& path) {
  std::vector<AckedWrite> out;
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) break;  // torn last line
    std::string line = text.substr(start, end - start);
    start = end + 1;
    size_t tab1 = line.find('\t');
    size_t tab2 = tab1 == std::string::npos ? tab1 : line.find('\t', tab1 + 1);
    AckedWrite w;
    bool kind_ok = false;
    if (tab2 != std::string::npos) {
      std::string kind = line.substr(tab1 + 1, tab2 - tab1 - 1);
      for (WriteKind k : kKinds) {
        if (kind == WriteKindName(k)) {
          w.kind = k;
          kind_ok = true;
        }
      }
    }
    if (!kind_ok || !absl::Base64Unescape(line.substr(tab2 + 1), &w.record)) {
      ADD_FAILURE() << path << ": a bad line: " << line;
      continue;
    }
    w.daemon = line.substr(0, tab1);
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace attune::testing
