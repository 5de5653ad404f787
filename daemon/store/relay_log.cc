#include "daemon/store/relay_log.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "daemon/base/big_endian.h"
#include "daemon/store/meta.h"

namespace attune {
namespace {

constexpr size_t kSpaceBytes = 16;
constexpr size_t kAuthorBytes = 32;
constexpr int64_t kVisitResolutionMs = 60LL * 60 * 1000;

// Oplog: space ‖ author ‖ seq (big endian), so a stream reads in order.
std::string OpKey(std::string_view space, std::string_view author, uint64_t seq) {
  std::string key(space);
  key.append(author);
  key.append(EncodeBigEndian64(seq));
  return key;
}

std::string HeadKey(std::string_view space, std::string_view author) {
  std::string key(meta_key::kRelayHeadPrefix);
  key.append(space);
  key.append(author);
  return key;
}

std::string SeenKey(std::string_view space) {
  std::string key(meta_key::kRelaySeenPrefix);
  key.append(space);
  return key;
}

}  // namespace

absl::Status RelayLog::Load() {
  absl::MutexLock lock(&mu_);
  heads_.clear();
  visits_.clear();
  const size_t head_prefix = std::string_view(meta_key::kRelayHeadPrefix).size();
  auto s = db_->Scan(
      Cf::kMeta, meta_key::kRelayHeadPrefix, [&](std::string_view key, std::string_view value) {
        key.remove_prefix(head_prefix);
        if (key.size() == kSpaceBytes + kAuthorBytes) {
          heads_[std::string(key.substr(0, kSpaceBytes))][std::string(key.substr(kSpaceBytes))] =
              DecodeBigEndian64(value);
        }
        return true;
      });
  if (!s.ok()) return s;
  const size_t seen_prefix = std::string_view(meta_key::kRelaySeenPrefix).size();
  return db_->Scan(Cf::kMeta, meta_key::kRelaySeenPrefix,
                   [&](std::string_view key, std::string_view value) {
                     key.remove_prefix(seen_prefix);
                     if (key.size() == kSpaceBytes) {
                       visits_[std::string(key)] = static_cast<int64_t>(DecodeBigEndian64(value));
                     }
                     return true;
                   });
}

absl::StatusOr<std::optional<std::string>> RelayLog::Key() const {
  return db_->Get(Cf::kMeta, meta_key::kRelayKey);
}

absl::Status RelayLog::SaveKey(std::string_view secret_key) {
  Batch batch;
  batch.Put(Cf::kMeta, meta_key::kRelayKey, std::string(secret_key));
  return db_->Write(batch, /*sync=*/true);
}

absl::StatusOr<size_t> RelayLog::Append(const std::string& space, const std::vector<Entry>& ops) {
  if (space.size() != kSpaceBytes) return absl::InvalidArgumentError("space id is not 16 bytes");
  absl::MutexLock append(&append_mu_);
  Heads heads = HeadsOf(space);
  Heads moved;
  std::string gap;
  size_t added = 0;
  Batch batch;
  for (const Entry& op : ops) {
    if (op.author.size() != kAuthorBytes) {
      return absl::InvalidArgumentError("author device id is not 32 bytes");
    }
    uint64_t& head = heads[op.author];
    if (op.seq <= head) continue;  // held already
    if (op.seq != head + 1) {
      if (gap.empty()) {
        gap = absl::StrCat("op seq ", op.seq, " of an author whose ops end at ", head,
                           ": a gap, refused with that author's later ops in the batch");
      }
      continue;
    }
    head = op.seq;
    moved[op.author] = op.seq;
    batch.Put(Cf::kOplog, OpKey(space, op.author, op.seq), op.bytes);
    ++added;
  }
  for (const auto& [author, seq] : moved) {
    batch.Put(Cf::kMeta, HeadKey(space, author), EncodeBigEndian64(seq));
  }
  if (added > 0) {
    if (auto s = db_->Write(batch, /*sync=*/true); !s.ok()) return s;
    absl::MutexLock lock(&mu_);
    for (const auto& [author, seq] : moved) heads_[space][author] = seq;
  }
  if (!gap.empty()) return absl::InvalidArgumentError(gap);
  return added;
}

absl::StatusOr<std::vector<std::string>> RelayLog::Read(const std::string& space,
                                                        const std::string& author,
                                                        uint64_t from_seq, size_t max_ops,
                                                        size_t max_bytes) const {
  std::vector<std::string> out;
  size_t bytes = 0;
  const std::string prefix = space + author;
  uint64_t want = from_seq;
  auto s = db_->ScanFrom(Cf::kOplog, OpKey(space, author, from_seq),
                         [&](std::string_view key, std::string_view value) {
                           if (key.substr(0, prefix.size()) != prefix || out.size() >= max_ops ||
                               (!out.empty() && bytes + value.size() > max_bytes)) {
                             return false;
                           }
                           if (DecodeBigEndian64(key.substr(prefix.size())) != want) return false;
                           ++want;
                           bytes += value.size();
                           out.emplace_back(value);
                           return true;
                         });
  if (!s.ok()) return s;
  return out;
}

RelayLog::Heads RelayLog::HeadsOf(const std::string& space) const {
  absl::MutexLock lock(&mu_);
  auto it = heads_.find(space);
  return it == heads_.end() ? Heads{} : it->second;
}

std::vector<std::string> RelayLog::Spaces() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [space, h] : heads_) out.push_back(space);
  for (const auto& [space, t] : visits_) {
    if (heads_.count(space) == 0) out.push_back(space);
  }
  std::sort(out.begin(), out.end());
  return out;
}

uint64_t RelayLog::OpsHeld(const std::string& space) const {
  uint64_t n = 0;
  for (const auto& [author, seq] : HeadsOf(space)) n += seq;
  return n;
}

absl::Status RelayLog::Visited(const std::string& space, int64_t now_ms) {
  if (space.size() != kSpaceBytes) return absl::InvalidArgumentError("space id is not 16 bytes");
  {
    absl::MutexLock lock(&mu_);
    auto it = visits_.find(space);
    if (it != visits_.end() && now_ms >= it->second && now_ms - it->second < kVisitResolutionMs) {
      return absl::OkStatus();
    }
  }
  Batch batch;
  batch.Put(Cf::kMeta, SeenKey(space),
            EncodeBigEndian64(static_cast<uint64_t>(std::max<int64_t>(0, now_ms))));
  if (auto s = db_->Write(batch, /*sync=*/true); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  visits_[space] = now_ms;
  return absl::OkStatus();
}

int64_t RelayLog::LastVisit(const std::string& space) const {
  absl::MutexLock lock(&mu_);
  auto it = visits_.find(space);
  return it == visits_.end() ? 0 : it->second;
}

absl::Status RelayLog::Forget(const std::string& space) {
  if (space.size() != kSpaceBytes) return absl::InvalidArgumentError("space id is not 16 bytes");
  absl::MutexLock append(&append_mu_);
  Batch batch;
  auto collect = [&](Cf cf, const std::string& prefix) {
    return db_->Scan(cf, prefix, [&](std::string_view key, std::string_view) {
      batch.Delete(cf, std::string(key));
      return true;
    });
  };
  if (auto s = collect(Cf::kOplog, space); !s.ok()) return s;
  if (auto s = collect(Cf::kMeta, HeadKey(space, "")); !s.ok()) return s;
  if (auto s = collect(Cf::kMeta, std::string(meta_key::kRelaySpacePrefix) + space + "/");
      !s.ok()) {
    return s;
  }
  batch.Delete(Cf::kMeta, SeenKey(space));
  if (auto s = db_->Write(batch, /*sync=*/true); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  heads_.erase(space);
  visits_.erase(space);
  return absl::OkStatus();
}

}  // namespace attune
