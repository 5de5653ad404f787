#include "daemon/sync/fold_limits.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <vector>

#include "daemon/base/big_endian.h"
#include "daemon/store/meta.h"
#include "daemon/sync/op_checker.h"

namespace attune {

FoldLimits CurrentFoldLimits(const Membership& members) {
  FoldLimits out;
  for (const auto& [device, body] : members.CertBodies()) {
    auto shared = CountingLimit(members, device, v1::VISIBILITY_SHARED);
    if (!shared.has_value()) continue;
    out[device] = {*shared, *CountingLimit(members, device, v1::VISIBILITY_PRIVATE)};
  }
  return out;
}

bool FoldLimitsMatter(
    const FoldLimits& before, const FoldLimits& after,
    const std::pair<RecordStore::VersionVector, RecordStore::VersionVector>& written,
    const std::string& self) {
  constexpr std::pair<uint64_t, uint64_t> kAll = {UINT64_MAX, UINT64_MAX};
  auto limit_in = [&](const FoldLimits& limits, const std::string& device) {
    auto it = limits.find(device);
    return it == limits.end() ? kAll : it->second;
  };
  auto held = [](const RecordStore::VersionVector& vv, const std::string& device) -> uint64_t {
    auto it = vv.find(device);
    return it == vv.end() ? 0 : it->second;
  };
  std::set<std::string> devices;
  for (const auto& [device, limit] : before) devices.insert(device);
  for (const auto& [device, limit] : after) devices.insert(device);
  for (const std::string& device : devices) {
    if (device == self) continue;
    const auto b = limit_in(before, device);
    const auto a = limit_in(after, device);
    // Ops above the lower of the two limits count under one and not the other.
    if (b.first != a.first && held(written.first, device) > std::min(b.first, a.first)) {
      return true;
    }
    if (b.second != a.second && held(written.second, device) > std::min(b.second, a.second)) {
      return true;
    }
  }
  return false;
}

absl::StatusOr<bool> RefoldIfLimitsChanged(const Membership& members, RecordStore* store, Db* db,
                                           const std::string& self, const KeySet* keys) {
  LocalSettings saved(db, LocalTable::kFoldLimits);
  // Each entry: the shared and the private limit, 8 bytes each, big-endian.
  FoldLimits before;
  auto s = saved.Scan([&](std::string_view device, std::string_view value) {
    if (value.size() == 16) {
      before[std::string(device)] = {DecodeBigEndian64(value.substr(0, 8)),
                                     DecodeBigEndian64(value.substr(8))};
    }
    return true;
  });
  if (!s.ok()) return s;
  const FoldLimits after = CurrentFoldLimits(members);
  if (after == before) return false;
  const bool refold = FoldLimitsMatter(before, after, store->WrittenVersionVectors(), self);
  // Asked for first, so a crash before the fold still does it at the next
  // unlock; then the limits the views are (or will be) folded under.
  if (refold) {
    if (s = store->RequestRebuild(); !s.ok()) return s;
  }
  std::vector<std::string> remove;
  std::vector<std::pair<std::string, std::string>> put;
  for (const auto& [device, limit] : before) {
    if (after.count(device) == 0) remove.push_back(device);
  }
  for (const auto& [device, limit] : after) {
    put.emplace_back(device, EncodeBigEndian64(limit.first) + EncodeBigEndian64(limit.second));
  }
  if (s = saved.Write(remove, put); !s.ok()) return s;
  if (refold && keys != nullptr) {
    if (s = store->RebuildViews(*keys).status(); !s.ok()) return s;
  }
  return refold;
}

}  // namespace attune
