#include "daemon/sync/op_checker.h"

#include <algorithm>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "daemon/records/authorship.h"
#include "daemon/store/own_log_head.h"
#include "daemon/vault/op_crypto.h"

namespace attune {

uint64_t MaxAcceptedHlc(int64_t now_unix_millis) {
  uint64_t wall = static_cast<uint64_t>(std::max<int64_t>(0, now_unix_millis)) +
                  static_cast<uint64_t>(kMaxClockAheadMillis);
  return wall << 16 | 0xffff;
}

namespace {

// Every check of CheckIncomingOp but the signature's.
absl::StatusOr<RecordStore::RemoteOp> CheckEnvelope(const v1::Op& op, const std::string& space_id,
                                                    const Membership& members, uint64_t max_hlc,
                                                    const std::string* private_member) {
  // Only the header and the ciphertext are signed: anything else in the
  // envelope could be added by a relay unseen, so it is refused.
  if (!op.GetReflection()->GetUnknownFields(op).empty()) {
    return absl::InvalidArgumentError("op envelope carries fields outside the signature");
  }
  RecordStore::RemoteOp out;
  out.bytes = op.SerializeAsString();
  if (out.bytes.size() > kMaxOpBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("op of ", out.bytes.size(), " bytes is over the limit"));
  }
  if (op.header().size() > 1024 || !out.header.ParseFromString(op.header())) {
    return absl::InvalidArgumentError("op header does not parse");
  }
  const v1::OpHeader& h = out.header;
  if (h.space_id() != space_id) return absl::InvalidArgumentError("op of another space");
  if (h.visibility() == v1::VISIBILITY_PRIVATE) {
    // A person's private ops travel only among that person's own devices.
    auto author = members.Find(h.author_device());
    if (private_member == nullptr || !author.has_value() ||
        author->member_id() != *private_member) {
      return absl::PermissionDeniedError(
          "a private op travels only among its author's own devices");
    }
  } else if (h.visibility() != v1::VISIBILITY_SHARED) {
    return absl::InvalidArgumentError("op visibility is neither shared nor private");
  }
  if (h.key_epoch() > members.MaxEpoch()) {
    return absl::InvalidArgumentError(absl::StrCat("op of unknown key epoch ", h.key_epoch()));
  }
  if (h.seq() == 0) return absl::InvalidArgumentError("op seq must start at 1");
  if (h.hlc() > max_hlc) {
    uint64_t ahead_s = ((h.hlc() >> 16) - (max_hlc >> 16)) / 1000 + kMaxClockAheadMillis / 1000;
    return absl::InvalidArgumentError(
        absl::StrCat("op clock is ", ahead_s, " s ahead of this device's (at most ",
                     kMaxClockAheadMillis / 1000, " s allowed): is a clock wrong?"));
  }
  if (auto s = CheckAuthorCounts(h, members); !s.ok()) return s;
  if (!h.prev_digest().empty() && h.prev_digest().size() != kOpDigestBytes) {
    return absl::InvalidArgumentError("op prev_digest has the wrong length");
  }
  return out;
}

// Names an op of one stream by its digest: digest ‖ author device ‖
// visibility ‖ seq. `op` vouched for by an op whose signature holds is the
// author's own op at that place, byte for byte.
std::string StreamPlace(const std::string& digest, const v1::OpHeader& h, uint64_t seq) {
  return absl::StrCat(digest, h.author_device(), "/", static_cast<int>(h.visibility()), "/", seq);
}

// Runs fn(i) for every i in `which`, spread over up to 4 threads (started
// and joined here) when there are 64 or more: signature checks dominate.
template <typename Fn>
void ForEachSpread(const std::vector<int>& which, Fn fn) {
  static const unsigned kThreads = std::min(4u, std::thread::hardware_concurrency());
  const size_t n = which.size();
  const size_t workers = n < 64 ? 1 : std::max<size_t>(1, kThreads);
  auto range = [&](size_t begin, size_t end) {
    for (size_t k = begin; k < end; ++k) fn(which[k]);
  };
  std::vector<std::thread> helpers;
  for (size_t w = 1; w < workers; ++w) {
    helpers.emplace_back(range, n * w / workers, n * (w + 1) / workers);
  }
  range(0, n / workers);
  for (auto& t : helpers) t.join();
}

}  // namespace

absl::StatusOr<RecordStore::RemoteOp> CheckIncomingOp(const v1::Op& op, const std::string& space_id,
                                                      const Membership& members, uint64_t max_hlc,
                                                      const std::string* private_member) {
  auto out = CheckEnvelope(op, space_id, members, max_hlc, private_member);
  if (!out.ok()) return out;
  if (auto s = VerifyOp(op, out->header.author_device()); !s.ok()) return s;
  return out;
}

std::optional<uint64_t> CountingLimit(const Membership& members, const std::string& device,
                                      v1::Visibility visibility) {
  if (members.IsMember(device)) return std::nullopt;
  // A removed device's ops from before its removal stay; nothing after.
  auto last = members.LastSeqsOf(device);
  if (!last.has_value()) return 0;
  return visibility == v1::VISIBILITY_SHARED ? last->first : last->second;
}

absl::Status CheckAuthorCounts(const v1::OpHeader& h, const Membership& members) {
  auto limit = CountingLimit(members, h.author_device(), h.visibility());
  if (!limit.has_value() || h.seq() <= *limit) return absl::OkStatus();
  if (!members.LastSeqsOf(h.author_device()).has_value()) {
    return absl::PermissionDeniedError("op author is not a member of the space");
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "op author was removed from the space; its ops after seq ", *limit, " are refused"));
}

RecordStore::RemoteOpCheck FoldCheck(const Membership& members) {
  return [&members](const v1::OpHeader& header, const v1::OpBody& body) {
    if (auto s = CheckAuthorCounts(header, members); !s.ok()) return s;
    auto signer = members.Find(header.author_device());
    if (!signer.has_value()) {
      return absl::PermissionDeniedError("op author is not a member of the space");
    }
    return CheckOpAuthority(body, signer->member_id());
  };
}

std::vector<absl::StatusOr<RecordStore::RemoteOp>> CheckIncomingOps(
    const v1::OpBatch& batch, const std::string& space_id, const Membership& members,
    uint64_t max_hlc, const std::string* private_member) {
  const int n = batch.ops_size();
  std::vector<absl::StatusOr<RecordStore::RemoteOp>> checked;
  checked.reserve(static_cast<size_t>(n));
  std::vector<std::string> self(static_cast<size_t>(n));  // each op's StreamPlace
  for (int i = 0; i < n; ++i) {
    checked.push_back(CheckEnvelope(batch.ops(i), space_id, members, max_hlc, private_member));
    if (checked.back().ok()) {
      const v1::OpHeader& h = checked.back()->header;
      self[static_cast<size_t>(i)] = StreamPlace(OpDigest(checked.back()->bytes), h, h.seq());
    }
  }
  auto header = [&](int i) -> const v1::OpHeader& {
    return checked[static_cast<size_t>(i)]->header;
  };
  auto vouches = [&](int i) {
    return StreamPlace(header(i).prev_digest(), header(i), header(i).seq() - 1);
  };

  // The signatures to check, were every one to hold: walking back, an op
  // vouched for by a later op of its stream needs none of its own. `root`
  // is the op whose signature an op's acceptance would then rest on.
  std::vector<int> root(static_cast<size_t>(n), -1);
  std::vector<int> to_verify;
  {
    std::unordered_map<std::string, int> voucher;  // place -> the op naming it
    for (int i = n - 1; i >= 0; --i) {
      if (!checked[static_cast<size_t>(i)].ok()) continue;
      auto it = voucher.find(self[static_cast<size_t>(i)]);
      if (it == voucher.end()) {
        root[static_cast<size_t>(i)] = i;
        to_verify.push_back(i);
      } else {
        root[static_cast<size_t>(i)] = root[static_cast<size_t>(it->second)];
      }
      if (!header(i).prev_digest().empty()) voucher.emplace(vouches(i), i);
    }
  }
  // Each op's own signature once checked. Unchecked reads as refused, so an
  // op neither vouched for nor checked is never taken.
  std::vector<absl::Status> signature(static_cast<size_t>(n),
                                      absl::InternalError("op signature was not checked"));
  auto verify = [&](int i) {
    signature[static_cast<size_t>(i)] = VerifyOp(batch.ops(i), header(i).author_device());
  };
  ForEachSpread(to_verify, verify);
  // Ops whose vouching rests on a signature that failed are checked by their
  // own (all of them at once: under attack, some may turn out vouched for).
  std::vector<int> fallback;
  for (int i = 0; i < n; ++i) {
    int r = root[static_cast<size_t>(i)];
    if (r >= 0 && r != i && !signature[static_cast<size_t>(r)].ok()) fallback.push_back(i);
  }
  ForEachSpread(fallback, verify);

  // The walk with the signatures as they are: an op is taken when an op
  // taken after it vouches for it, or when its own signature holds.
  std::unordered_set<std::string> vouched;
  for (int i = n - 1; i >= 0; --i) {
    auto& c = checked[static_cast<size_t>(i)];
    if (!c.ok()) continue;
    if (!vouched.contains(self[static_cast<size_t>(i)]) &&
        !signature[static_cast<size_t>(i)].ok()) {
      c = signature[static_cast<size_t>(i)];
      continue;
    }
    if (!header(i).prev_digest().empty()) vouched.insert(vouches(i));
  }
  return checked;
}

}  // namespace attune
