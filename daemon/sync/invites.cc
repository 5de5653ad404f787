#include "daemon/sync/invites.h"

#include <sodium.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "daemon/base/base32.h"
#include "daemon/sync/short_invite.h"

namespace attune {
namespace {

constexpr std::string_view kPrefix = "attune-invite-";
constexpr char kMacTag[] = "attune-pair-v1";
constexpr size_t kMaxCodeChars = 2048;
// The code ends with a check over everything before it, so that a character
// typed wrong is caught where it is pasted ("damaged"), not as a network
// error after dialing an address that was never there.
constexpr char kCheckKey[] = "attune-invite-check-v1";
constexpr size_t kCheckBytes = 5;

std::string Check(std::string_view payload) {
  unsigned char digest[crypto_generichash_BYTES_MIN];
  crypto_generichash(digest, sizeof(digest), reinterpret_cast<const unsigned char*>(payload.data()),
                     payload.size(), reinterpret_cast<const unsigned char*>(kCheckKey),
                     sizeof(kCheckKey) - 1);
  return std::string(reinterpret_cast<const char*>(digest), kCheckBytes);
}

constexpr char kDamaged[] =
    "code: this invite code is damaged: a character is wrong, missing or extra (copy it again, "
    "or ask for a new one)";

}  // namespace

absl::Status WrongInviteRole(bool invite_own_device) {
  return absl::FailedPreconditionError(
      invite_own_device
          ? "this invite links another device of its maker's own (run attune device join on the "
            "new device); it is still open"
          : "this invite is for a partner's device (run attune pair join); it is still open");
}

namespace {

constexpr char kShortRefused[] =
    "the short code does not match an open invite: it may be mistyped, used, expired, or "
    "tried wrongly three times (the long code may still work; else ask for a new invite)";

std::string Random(size_t n) {
  std::string s(n, '\0');
  randombytes_buf(s.data(), n);
  return s;
}

}  // namespace

std::string EncodeInviteCode(const v1::InviteCode& code) {
  std::string payload = code.SerializeAsString();
  payload += Check(payload);
  return std::string(kPrefix) + absl::AsciiStrToLower(Base32Encode(payload));
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
  const std::string_view body = std::string_view(s).substr(kPrefix.size());
  for (char c : body) {
    if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) {
      return absl::InvalidArgumentError(
          absl::StrCat("code: this invite code is damaged: '", std::string(1, c),
                       "' is not a character invite codes use (a to z, 2 to 7)"));
    }
  }
  auto raw = Base32Decode(body);
  // Only the spelling the encoder writes: the last character's spare bits
  // must be zero, or a typo there would pass unseen.
  if (!raw.has_value() || raw->size() <= kCheckBytes ||
      absl::AsciiStrToLower(Base32Encode(*raw)) != body) {
    return absl::InvalidArgumentError(kDamaged);
  }
  const std::string_view payload = std::string_view(*raw).substr(0, raw->size() - kCheckBytes);
  if (Check(payload) != std::string_view(*raw).substr(payload.size())) {
    return absl::InvalidArgumentError(kDamaged);
  }
  v1::InviteCode code;
  if (!code.ParseFromArray(payload.data(), static_cast<int>(payload.size())) ||
      code.inviter_device().size() != 32 || code.invite_id().size() != 16 ||
      code.secret().size() != 32 || code.addresses().empty()) {
    return absl::InvalidArgumentError(
        "code: this invite code is from another version of Attune or incomplete (ask for a new "
        "one)");
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
                                  absl::Duration ttl, std::string* short_code, bool own_device) {
  v1::InviteCode code;
  code.set_own_device(own_device);
  code.set_inviter_device(inviter_device);
  for (const auto& a : addresses) code.add_addresses(a);
  code.set_invite_id(Random(16));
  code.set_secret(Random(crypto_auth_KEYBYTES));
  code.set_expires_at_ms(static_cast<uint64_t>(absl::ToUnixMillis(now + ttl)));
  std::string short_secret;
  std::string short_text = NewShortInvite(inviter_device, &short_secret);
  if (short_code != nullptr) *short_code = std::move(short_text);
  absl::MutexLock lock(&mu_);
  Pending& p = pending_[code.invite_id()];
  p.secret = code.secret();
  p.short_key = ShortInviteKey(short_secret);
  p.expires = now + ttl;
  p.own_device = own_device;
  return code;
}

absl::Status InviteBook::Redeem(const std::string& invite_id, const std::string& inviter_device,
                                const std::string& joiner_device, const std::string& mac,
                                absl::Time now, bool own_device) {
  absl::MutexLock lock(&mu_);
  if (invite_id == ShortInviteId()) {
    return RedeemShort(inviter_device, joiner_device, mac, now, own_device);
  }
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
  if (it->second.own_device != own_device) return WrongInviteRole(it->second.own_device);
  pending_.erase(it);
  return absl::OkStatus();
}

absl::Status InviteBook::RedeemShort(const std::string& inviter_device,
                                     const std::string& joiner_device, const std::string& mac,
                                     absl::Time now, bool own_device) {
  std::erase_if(pending_, [&](const auto& entry) { return now > entry.second.expires; });
  for (auto it = pending_.begin(); it != pending_.end(); ++it) {
    if (it->second.short_key.empty()) continue;
    std::string expected =
        InviteMac(it->second.short_key, inviter_device, joiner_device, ShortInviteId());
    if (mac.size() == expected.size() &&
        sodium_memcmp(mac.data(), expected.data(), expected.size()) == 0) {
      if (it->second.own_device != own_device) return WrongInviteRole(it->second.own_device);
      pending_.erase(it);
      return absl::OkStatus();
    }
  }
  // One answer whether or not an invite is open: a stranger learns nothing
  // of the inviter's invites by asking.
  for (auto& [id, p] : pending_) {
    if (!p.short_key.empty() && ++p.short_failures >= kMaxInviteFailures) p.short_key.clear();
  }
  return absl::PermissionDeniedError(kShortRefused);
}

bool InviteBook::HasOpenInvites(absl::Time now) const {
  absl::MutexLock lock(&mu_);
  for (const auto& [id, p] : pending_) {
    if (p.expires >= now) return true;
  }
  return false;
}

}  // namespace attune
