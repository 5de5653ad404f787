#include "daemon/sync/invites.h"

#include <sodium.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "daemon/base/base32.h"

namespace attune {
namespace {

constexpr std::string_view kPrefix = "attune-invite-";
constexpr char kMacTag[] = "attune-pair-v1";
constexpr size_t kMaxCodeChars = 2048;

std::string Random(size_t n) {
  std::string s(n, '\0');
  randombytes_buf(s.data(), n);
  return s;
}

}  // namespace

std::string EncodeInviteCode(const v1::InviteCode& code) {
  return std::string(kPrefix) + absl::AsciiStrToLower(Base32Encode(code.SerializeAsString()));
}

absl::StatusOr<v1::InviteCode> DecodeInviteCode(const std::string& text) {
  std::string s;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') continue;
    s.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (s.size() > kMaxCodeChars || s.rfind(kPrefix, 0) != 0) {
    return absl::InvalidArgumentError("code: not an Attune invite (it starts with attune-invite-)");
  }
  auto raw = Base32Decode(std::string_view(s).substr(kPrefix.size()));
  if (!raw.has_value()) {
    return absl::InvalidArgumentError("code: has a character that is not in invites");
  }
  v1::InviteCode code;
  if (!code.ParseFromString(*raw) || code.inviter_device().size() != 32 ||
      code.invite_id().size() != 16 || code.secret().size() != 32 || code.addresses().empty()) {
    return absl::InvalidArgumentError("code: is damaged or incomplete (copy it again)");
  }
  return code;
}

std::string InviteMac(const std::string& secret, const std::string& inviter_device,
                      const std::string& joiner_device, const std::string& invite_id) {
  std::string msg = absl::StrCat(kMacTag, inviter_device, joiner_device, invite_id);
  std::string mac(crypto_auth_BYTES, '\0');
  if (secret.size() != crypto_auth_KEYBYTES) return mac;
  crypto_auth(reinterpret_cast<unsigned char*>(mac.data()),
              reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
              reinterpret_cast<const unsigned char*>(secret.data()));
  return mac;
}

std::string SafetyNumber(const std::string& device_a, const std::string& device_b) {
  std::string input = device_a < device_b ? device_a + device_b : device_b + device_a;
  unsigned char hash[60];
  crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size(), reinterpret_cast<const unsigned char*>("attune-safety-v1"), 16);
  std::string out;
  for (int group = 0; group < 12; ++group) {
    uint64_t v = 0;
    for (int i = 0; i < 5; ++i) v = v << 8 | hash[group * 5 + i];
    if (group > 0) out.push_back(' ');
    out += absl::StrFormat("%05d", v % 100000);
  }
  return out;
}

v1::InviteCode InviteBook::Create(const std::string& inviter_device,
                                  const std::vector<std::string>& addresses, absl::Time now,
                                  absl::Duration ttl) {
  v1::InviteCode code;
  code.set_inviter_device(inviter_device);
  for (const auto& a : addresses) code.add_addresses(a);
  code.set_invite_id(Random(16));
  code.set_secret(Random(crypto_auth_KEYBYTES));
  code.set_expires_at_ms(static_cast<uint64_t>(absl::ToUnixMillis(now + ttl)));
  absl::MutexLock lock(&mu_);
  pending_[code.invite_id()] = {code.secret(), now + ttl, 0};
  return code;
}

absl::Status InviteBook::Redeem(const std::string& invite_id, const std::string& inviter_device,
                                const std::string& joiner_device, const std::string& mac,
                                absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = pending_.find(invite_id);
  if (it == pending_.end()) {
    return absl::PermissionDeniedError(
        "this invite is unknown or was used already: ask for a new one");
  }
  if (now > it->second.expires) {
    pending_.erase(it);
    return absl::PermissionDeniedError("this invite has expired: ask for a new one");
  }
  std::string expected = InviteMac(it->second.secret, inviter_device, joiner_device, invite_id);
  if (mac.size() != expected.size() ||
      sodium_memcmp(mac.data(), expected.data(), expected.size()) != 0) {
    if (++it->second.failures >= kMaxInviteFailures) pending_.erase(it);
    return absl::PermissionDeniedError("the invite's secret does not match");
  }
  pending_.erase(it);
  return absl::OkStatus();
}

bool InviteBook::HasOpenInvites(absl::Time now) const {
  absl::MutexLock lock(&mu_);
  for (const auto& [id, p] : pending_) {
    if (p.expires >= now) return true;
  }
  return false;
}

}  // namespace attune
