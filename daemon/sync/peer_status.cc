#include "daemon/sync/peer_status.h"

#include <algorithm>
#include <functional>

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

std::vector<std::string> PeerStatusBook::Addresses(const std::string& device,
                                                   absl::Time now) const {
  absl::MutexLock lock(&mu_);
  auto it = peers_.find(device);
  if (it == peers_.end()) return {};
  const Peer& p = it->second;
  // Heard most recently first: after a move, the new network's address.
  std::vector<std::pair<absl::Time, std::string>> found;
  for (const auto& [a, at] : p.found_on_lan) {
    if (now - at < kFoundFor) found.emplace_back(at, a);
  }
  std::sort(found.begin(), found.end(), std::greater<>());
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  for (const auto& a : p.addresses) {
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  }
  return out;
}

bool PeerStatusBook::FoundOnLan(const std::string& device, const std::string& address,
                                absl::Time now) {
  absl::MutexLock lock(&mu_);
  Peer& p = peers_[device];
  auto [it, added] = p.found_on_lan.try_emplace(address, now);
  const bool news = added || now - it->second >= kFoundFor;
  it->second = now;
  // A device moves between networks: forget what went stale.
  std::erase_if(p.found_on_lan, [&](const auto& f) { return now - f.second >= kFoundFor; });
  return news;
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

void PeerStatusBook::NoteHoldings(const std::string& device, const RecordStore::VersionVector& ours,
                                  absl::Time now) {
  absl::MutexLock lock(&mu_);
  Peer& peer = peers_[device];
  uint64_t lack = 0;
  for (const auto& [d, theirs] : peer.their_vv) {
    auto o = ours.find(d);
    const uint64_t held = o == ours.end() ? 0 : o->second;
    if (theirs > held) lack += theirs - held;
  }
  const auto tell = [&] {
    peer.catch_up_told = now;
    if (progress_) progress_(device, peer.catch_up_received, peer.catch_up_expected);
  };
  if (!peer.catching_up) {
    if (lack == 0) return;
    peer.catching_up = true;
    peer.catch_up_expected = lack;
    peer.catch_up_received = 0;
    tell();
    return;
  }
  // More than what is left of the catch-up: the peer wrote meanwhile.
  if (lack > peer.catch_up_expected - peer.catch_up_received) {
    peer.catch_up_expected = peer.catch_up_received + lack;
  }
  peer.catch_up_received = peer.catch_up_expected - lack;
  if (lack == 0) {
    peer.catching_up = false;
    tell();
  } else if (now - peer.catch_up_told >= kProgressEvery) {
    tell();
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
