#include "daemon/sync/op_checker.h"

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "daemon/records/authorship.h"
#include "daemon/vault/op_crypto.h"

namespace attune {

uint64_t MaxAcceptedHlc(int64_t now_unix_millis) {
  uint64_t wall = static_cast<uint64_t>(std::max<int64_t>(0, now_unix_millis)) +
                  static_cast<uint64_t>(kMaxClockAheadMillis);
  return wall << 16 | 0xffff;
}

absl::StatusOr<RecordStore::RemoteOp> CheckIncomingOp(const v1::Op& op, const std::string& space_id,
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
  if (auto s = VerifyOp(op, h.author_device()); !s.ok()) return s;
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
  std::vector<absl::StatusOr<RecordStore::RemoteOp>> checked(static_cast<size_t>(n),
                                                             absl::UnknownError("unchecked"));
  auto check_range = [&](int begin, int end) {
    for (int i = begin; i < end; ++i) {
      checked[static_cast<size_t>(i)] =
          CheckIncomingOp(batch.ops(i), space_id, members, max_hlc, private_member);
    }
  };
  static const unsigned kVerifyThreads = std::min(4u, std::thread::hardware_concurrency());
  const int workers = n < 64 ? 1 : static_cast<int>(std::max(1u, kVerifyThreads));
  std::vector<std::thread> helpers;
  for (int w = 1; w < workers; ++w) {
    helpers.emplace_back(check_range, n * w / workers, n * (w + 1) / workers);
  }
  check_range(0, n / workers);
  for (auto& t : helpers) t.join();
  return checked;
}

}  // namespace attune
