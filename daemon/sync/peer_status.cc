#include "daemon/sync/peer_status.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace attune {
absl::Status PeerStatusBook::Load() {
  absl::MutexLock lock(&mu_);
  return saved_.Scan([&](std::string_view name, std::string_view v) {
    std::string device(name);
    std::vector<std::string> addresses = absl::StrSplit(std::string(v), '\n', absl::SkipEmpty());
    peers_[device].addresses = std::move(addresses);
    return true;
  });
}

void PeerStatusBook::SetAddresses(const std::string& device,
                                  const std::vector<std::string>& addresses) {
  if (addresses.empty()) return;
  {
    absl::MutexLock lock(&mu_);
    if (peers_[device].addresses == addresses) return;
    peers_[device].addresses = addresses;
  }
  // Best effort: addresses are learned again.
  (void)saved_.Put(device, absl::StrJoin(addresses, "\n"));
}

std::vector<std::string> PeerStatusBook::Addresses(const std::string& device) const {
  absl::MutexLock lock(&mu_);
  auto it = peers_.find(device);
  return it == peers_.end() ? std::vector<std::string>{} : it->second.addresses;
}

void PeerStatusBook::StreamOpened(const std::string& device, bool inbound, absl::Time now) {
  // Told under the lock, so that an open and a close that race are told in
  // the order they changed the count.
  absl::MutexLock lock(&mu_);
  Peer& p = peers_[device];
  const bool came_online = p.open_streams++ == 0;
  if (inbound) ++p.inbound_streams;
  p.last_seen = now;
  p.last_error.clear();
  if (came_online && online_change_) online_change_(device, true);
}

void PeerStatusBook::StreamClosed(const std::string& device, bool inbound, absl::Time now,
                                  const std::string& error) {
  absl::MutexLock lock(&mu_);
  Peer& p = peers_[device];
  const bool went_offline = --p.open_streams == 0;
  if (inbound) --p.inbound_streams;
  p.last_seen = now;
  if (!error.empty()) p.last_error = error;
  if (went_offline && online_change_) online_change_(device, false);
}

void PeerStatusBook::SetError(const std::string& device, const std::string& error) {
  absl::MutexLock lock(&mu_);
  peers_[device].last_error = error;
}

void PeerStatusBook::Observe(const std::string& device, const RecordStore::VersionVector& vv) {
  absl::MutexLock lock(&mu_);
  auto& theirs = peers_[device].their_vv;
  for (const auto& [d, seq] : vv) {
    if (seq > theirs[d]) theirs[d] = seq;
  }
}

bool PeerStatusBook::HasInbound(const std::string& device) const {
  absl::MutexLock lock(&mu_);
  auto it = peers_.find(device);
  return it != peers_.end() && it->second.inbound_streams > 0;
}

std::map<std::string, PeerStatusBook::Peer> PeerStatusBook::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return peers_;
}

}  // namespace attune
