#include "daemon/sync/membership.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"
#include "daemon/records/authorship.h"
#include "daemon/records/validation.h"

namespace attune {
namespace {

constexpr std::string_view kDomain = "attune-member-v1";

std::string SignedBytes(const std::string& body) { return std::string(kDomain) + body; }

bool SignatureHolds(const v1::MemberCert& cert, const std::string& signer) {
  if (cert.signature().size() != crypto_sign_BYTES || signer.size() != 32) return false;
  std::string msg = SignedBytes(cert.body());
  return crypto_sign_verify_detached(
             reinterpret_cast<const unsigned char*>(cert.signature().data()),
             reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
             reinterpret_cast<const unsigned char*>(signer.data())) == 0;
}

}  // namespace

v1::MemberCert SignMemberCert(const v1::MemberCertBody& body, const KeySet& signer) {
  v1::MemberCert cert;
  body.SerializeToString(cert.mutable_body());
  std::string msg = SignedBytes(cert.body());
  std::string* sig = cert.mutable_signature();
  sig->resize(crypto_sign_BYTES);
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig->data()), nullptr,
                       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                       signer.device_secret_key.data());
  return cert;
}

absl::Status Membership::Load() {
  absl::MutexLock lock(&mu_);
  members_.clear();
  return saved_.Scan([&](std::string_view, std::string_view v) {
    Entry e;
    if (e.cert.ParseFromArray(v.data(), static_cast<int>(v.size())) &&
        e.body.ParseFromString(e.cert.body())) {
      members_[e.body.device()] = std::move(e);
    }
    return true;
  });
}

absl::Status Membership::EnsureFounder(const KeySet& keys, uint64_t now_ms) {
  {
    absl::MutexLock lock(&mu_);
    if (members_.count(keys.device_public_key) > 0) return absl::OkStatus();
  }
  v1::MemberCertBody body;
  body.set_space_id(keys.space_id);
  body.set_device(keys.device_public_key);
  body.set_member_id(keys.member_id);
  body.set_display_name(keys.display_name);
  body.set_added_by(keys.device_public_key);
  body.set_added_at_ms(now_ms);
  return Merge(keys.space_id, {SignMemberCert(body, keys)}).status();
}

// Whether a new device may join `valid`: within the caps; a device of a
// person already in the space is added only by one of that person's own
// devices (so nobody adds a device that writes as somebody else); and no two
// people's member ids share the prefix record ids carry
// (records/authorship.h).
bool Membership::MemberIdFits(const std::map<std::string, Entry>& valid,
                              const v1::MemberCertBody& b) {
  if (valid.size() >= kMaxDevicesPerSpace) return false;
  size_t same_person = 0;
  for (const auto& [device, e] : valid) same_person += e.body.member_id() == b.member_id();
  if (same_person >= kMaxDevicesPerMember) return false;
  for (const auto& [device, e] : valid) {
    if (MemberIdsCollide(e.body.member_id(), b.member_id())) return false;
    if (e.body.member_id() == b.member_id()) {
      auto signer = valid.find(b.added_by());
      if (signer == valid.end() || signer->second.body.member_id() != b.member_id()) return false;
    }
  }
  return true;
}

absl::StatusOr<std::vector<std::string>> Membership::Merge(const std::string& space_id,
                                                           const std::vector<v1::MemberCert>& certs,
                                                           bool replace) {
  absl::MutexLock lock(&mu_);
  std::map<std::string, Entry> valid;
  if (!replace) {
    for (const auto& [device, e] : members_) {
      if (e.body.space_id() == space_id) valid[device] = e;
    }
  }
  // Candidates, checked until no more can be added: a certificate counts
  // when its signer counts (or it is a founder's own).
  std::vector<Entry> pending;
  for (const auto& cert : certs) {
    Entry e{cert, {}};
    // A name with a control character (an escape sequence, say) is refused
    // whole: it would reach every member's terminal.
    if (e.body.ParseFromString(cert.body()) && e.body.space_id() == space_id &&
        e.body.device().size() == 32 && e.body.member_id().size() == kRawIdBytes &&
        IsPlainText(e.body.display_name(), TextLines::kOne)) {
      pending.push_back(std::move(e));
    }
  }
  bool founder_known = false;
  for (const auto& [d, e] : valid) founder_known |= e.body.added_by() == d;
  for (bool progress = true; progress;) {
    progress = false;
    for (auto it = pending.begin(); it != pending.end();) {
      const v1::MemberCertBody& b = it->body;
      bool self_signed = b.added_by() == b.device();
      bool ok = valid.count(b.device()) == 0 &&
                ((self_signed && !founder_known) || valid.count(b.added_by()) > 0) &&
                MemberIdFits(valid, b) && SignatureHolds(it->cert, b.added_by());
      if (ok) {
        founder_known |= self_signed;
        valid[b.device()] = *it;
        it = pending.erase(it);
        progress = true;
      } else {
        ++it;
      }
    }
  }
  std::vector<std::string> added;
  std::vector<std::string> remove;
  std::vector<std::pair<std::string, std::string>> put;
  if (replace) {
    for (const auto& [device, e] : members_) remove.push_back(device);
  }
  for (const auto& [device, e] : valid) {
    if (replace || members_.count(device) == 0) {
      added.push_back(device);
      put.emplace_back(device, e.cert.SerializeAsString());
    }
  }
  if (auto s = saved_.Write(remove, put); !s.ok()) return s;
  members_ = std::move(valid);
  return added;
}

bool Membership::IsMember(const std::string& device) const {
  absl::MutexLock lock(&mu_);
  return members_.count(device) > 0;
}

std::optional<v1::MemberCertBody> Membership::Find(const std::string& device) const {
  absl::MutexLock lock(&mu_);
  auto it = members_.find(device);
  if (it == members_.end()) return std::nullopt;
  return it->second.body;
}

std::vector<v1::MemberCert> Membership::All() const {
  absl::MutexLock lock(&mu_);
  std::vector<v1::MemberCert> out;
  for (const auto& [d, e] : members_) out.push_back(e.cert);
  return out;
}

std::vector<v1::MemberCertBody> Membership::Bodies() const {
  absl::MutexLock lock(&mu_);
  std::vector<v1::MemberCertBody> out;
  for (const auto& [d, e] : members_) out.push_back(e.body);
  return out;
}

}  // namespace attune
