#include "daemon/sync/membership.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"
#include "daemon/base/hex.h"
#include "daemon/records/authorship.h"
#include "daemon/records/validation.h"

namespace attune {
namespace {

constexpr std::string_view kDomain = "attune-member-v1";

std::string SignedBytes(const std::string& body) { return std::string(kDomain) + body; }

// The name a change is stored under: a hash of its signature (hex).
std::string ChangeName(const v1::SpaceChange& c) {
  unsigned char h[16];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(c.signature().data()),
                     c.signature().size(), nullptr, 0);
  return ToHex(std::string(reinterpret_cast<const char*>(h), sizeof h));
}

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
  changes_.clear();
  auto s = saved_.Scan([&](std::string_view, std::string_view v) {
    Entry e;
    if (e.cert.ParseFromArray(v.data(), static_cast<int>(v.size())) &&
        e.body.ParseFromString(e.cert.body())) {
      members_[e.body.device()] = std::move(e);
    }
    return true;
  });
  if (!s.ok()) return s;
  std::vector<std::pair<std::string, v1::SpaceChange>> stored;
  s = saved_changes_.Scan([&](std::string_view name, std::string_view v) {
    v1::SpaceChange c;
    if (c.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
      stored.emplace_back(std::string(name), std::move(c));
    }
    return true;
  });
  if (!s.ok()) return s;
  std::string space;
  for (const auto& [d, e] : members_) {
    if (e.body.added_by() == d) space = e.body.space_id();
  }
  std::map<std::string, v1::MemberCertBody> certs;
  for (const auto& [d, e] : members_) certs[d] = e.body;
  std::vector<v1::SpaceChange> all;
  for (const auto& [name, c] : stored) all.push_back(c);
  auto parsed = WellFormedChanges(space, certs, all);
  for (auto& p : parsed) changes_[ChangeName(p.change)] = std::move(p);
  Rejudge();
  return absl::OkStatus();
}

void Membership::Rejudge() {
  std::map<std::string, v1::MemberCertBody> certs;
  for (const auto& [d, e] : members_) certs[d] = e.body;
  change_list_.clear();
  for (const auto& [name, p] : changes_) change_list_.push_back(p);
  view_ = Evaluate(certs, change_list_);
}

absl::StatusOr<bool> Membership::MergeChanges(const std::string& space_id,
                                              const std::vector<v1::SpaceChange>& changes) {
  absl::MutexLock lock(&mu_);
  std::vector<v1::SpaceChange> fresh;
  for (const auto& c : changes) {
    // More than a space can hold is a flood: the rest is not even checked.
    if (fresh.size() >= kMaxSpaceChanges) break;
    if (changes_.count(ChangeName(c)) == 0) fresh.push_back(c);
  }
  if (fresh.empty()) return false;
  std::map<std::string, v1::MemberCertBody> certs;
  for (const auto& [d, e] : members_) {
    if (e.body.space_id() == space_id) certs[d] = e.body;
  }
  // Judged with the ones held, so the epoch bound sees them all.
  std::vector<v1::SpaceChange> all = fresh;
  for (const auto& [name, p] : changes_) all.push_back(p.change);
  auto parsed = WellFormedChanges(space_id, certs, all);
  std::vector<std::pair<std::string, std::string>> put;
  // The set as WellFormedChanges keeps it replaces the held one: a
  // signer's flood past its share may push out one of its own held earlier.
  std::vector<std::string> remove;
  std::map<std::string, ParsedChange> next;
  for (auto& p : parsed) next[ChangeName(p.change)] = std::move(p);
  for (const auto& [name, p] : changes_) {
    if (next.count(name) == 0) remove.push_back(name);
  }
  for (const auto& [name, p] : next) {
    if (changes_.count(name) == 0) put.emplace_back(name, p.change.SerializeAsString());
  }
  if (put.empty() && remove.empty()) return false;
  if (auto s = saved_changes_.Write(remove, put); !s.ok()) return s;
  changes_ = std::move(next);
  Rejudge();
  return !put.empty();
}

absl::Status Membership::SaveGrants(const std::string& space_id,
                                    const std::vector<v1::SealedEpochKey>& grants) {
  std::vector<std::string> remove;
  auto s = saved_grants_.Scan([&](std::string_view name, std::string_view) {
    remove.emplace_back(name);
    return true;
  });
  if (!s.ok()) return s;
  std::vector<std::pair<std::string, std::string>> put;
  for (const auto& g : grants) {
    put.emplace_back(absl::StrCat(ToHex(space_id), "/", put.size()), g.SerializeAsString());
  }
  return saved_grants_.Write(remove, put);
}

std::vector<v1::SealedEpochKey> Membership::Grants(const std::string& space_id) const {
  std::vector<v1::SealedEpochKey> out;
  const std::string prefix = ToHex(space_id) + "/";
  (void)saved_grants_.Scan([&](std::string_view name, std::string_view v) {
    if (name.substr(0, prefix.size()) != prefix) return true;
    v1::SealedEpochKey g;
    if (g.ParseFromArray(v.data(), static_cast<int>(v.size()))) out.push_back(std::move(g));
    return true;
  });
  return out;
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
      // A removed device adds no one after its removal (its removal lists
      // those it added before).
      auto kept = view_.kept.find(b.added_by());
      bool by_removed = !replace && view_.removed.count(b.added_by()) > 0 &&
                        (kept == view_.kept.end() || kept->second.count(b.device()) == 0);
      bool ok = valid.count(b.device()) == 0 && !by_removed &&
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
  if (replace && !changes_.empty()) {
    std::vector<std::string> old;
    for (const auto& [name, p] : changes_) old.push_back(name);
    if (auto s = saved_changes_.Write(old, {}); !s.ok()) return s;
    changes_.clear();
  }
  members_ = std::move(valid);
  Rejudge();
  return added;
}

bool Membership::IsMember(const std::string& device) const {
  absl::MutexLock lock(&mu_);
  return view_.members.count(device) > 0;
}

bool Membership::IsRemoved(const std::string& device) const {
  absl::MutexLock lock(&mu_);
  return view_.removed.count(device) > 0;
}

std::map<std::string, v1::MemberCertBody> Membership::CertBodies() const {
  absl::MutexLock lock(&mu_);
  std::map<std::string, v1::MemberCertBody> out;
  for (const auto& [d, e] : members_) out[d] = e.body;
  return out;
}

std::vector<v1::SpaceChange> Membership::Changes() const {
  absl::MutexLock lock(&mu_);
  std::vector<v1::SpaceChange> out;
  for (const auto& p : change_list_) out.push_back(p.change);
  return out;
}

SpaceView Membership::View() const {
  absl::MutexLock lock(&mu_);
  return view_;
}

Membership::Snapshot Membership::Now() const {
  absl::MutexLock lock(&mu_);
  Snapshot out;
  for (const auto& [d, e] : members_) out.certs[d] = e.body;
  out.changes = change_list_;
  out.view = view_;
  return out;
}

std::optional<std::pair<uint64_t, uint64_t>> Membership::LastSeqsOf(
    const std::string& device) const {
  absl::MutexLock lock(&mu_);
  auto it = view_.last_seqs.find(device);
  if (it == view_.last_seqs.end()) return std::nullopt;
  return it->second;
}

uint32_t Membership::MaxEpoch() const {
  absl::MutexLock lock(&mu_);
  return view_.max_epoch;
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
  for (const auto& [d, e] : members_) {
    if (view_.members.count(d) > 0) out.push_back(e.body);
  }
  return out;
}

}  // namespace attune
