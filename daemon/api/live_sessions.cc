#include "daemon/api/live_sessions.h"

#include "absl/strings/str_cat.h"

namespace attune {

void LiveSessions::DropExpiredLocked(absl::Time now) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (!it->second.busy && now - it->second.touched >= ttl_) {
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
}

absl::Status LiveSessions::Add(std::shared_ptr<LiveSessionData> session) {
  absl::MutexLock lock(&mu_);
  absl::Time now = clock_->Now();
  DropExpiredLocked(now);
  if (sessions_.size() >= capacity_) {
    return absl::ResourceExhaustedError(
        absl::StrCat(capacity_, " exercise sessions are under way; finish or abandon one first"));
  }
  std::string name = session->name;
  sessions_[name] = Entry{std::move(session), now, false};
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<LiveSessionData>> LiveSessions::Checkout(const std::string& name) {
  absl::MutexLock lock(&mu_);
  DropExpiredLocked(clock_->Now());
  auto it = sessions_.find(name);
  if (it == sessions_.end()) {
    return absl::NotFoundError(
        absl::StrCat(name, " not found: it finished, was abandoned, or expired after ",
                     absl::ToInt64Minutes(ttl_), " minutes without an answer"));
  }
  if (it->second.busy) {
    return absl::FailedPreconditionError(
        absl::StrCat("another answer to ", name, " is being handled; wait for it"));
  }
  it->second.busy = true;
  return it->second.data;
}

void LiveSessions::Return(const std::string& name) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(name);
  if (it == sessions_.end()) return;
  it->second.busy = false;
  it->second.touched = clock_->Now();
}

std::shared_ptr<LiveSessionData> LiveSessions::Remove(const std::string& name) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(name);
  if (it == sessions_.end()) return nullptr;
  auto data = std::move(it->second.data);
  sessions_.erase(it);
  return data;
}

}  // namespace attune
