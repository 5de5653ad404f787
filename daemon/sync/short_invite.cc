#include "daemon/sync/short_invite.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"

namespace attune {
namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr size_t kSecretChars = 10;
constexpr size_t kPinChars = 9;
constexpr size_t kCodeChars = kSecretChars + kPinChars + 1;
constexpr std::string_view kLongPrefix = "attune-invite-";
constexpr char kKeyTag[] = "attune-short-invite-key-v1";
constexpr char kPinTag[] = "attune-short-invite-pin-v1";

// The value of a code character, or -1. I and L read as 1, O as 0.
int ValueOf(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  if (c == 'I' || c == 'L') c = '1';
  if (c == 'O') c = '0';
  size_t at = kAlphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

// Luhn mod 32 over `values` (the check character last when `with_check`):
// the sum that is 0 for a valid code.
int LuhnSum(const std::string& chars, bool with_check) {
  int factor = with_check ? 1 : 2;
  int sum = 0;
  for (size_t i = chars.size(); i > 0; --i) {
    int addend = factor * ValueOf(chars[i - 1]);
    factor = factor == 2 ? 1 : 2;
    sum += addend / 32 + addend % 32;
  }
  return sum % 32;
}

std::string Hash(std::string_view message, size_t bytes) {
  std::string out(bytes, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), bytes,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                     nullptr, 0);
  return out;
}

std::string PinOf(std::string_view secret, const std::string& device) {
  const std::string h = Hash(absl::StrCat(kPinTag, ShortInviteKey(secret), device), 32);
  std::string pin;
  for (size_t i = 0; i < kPinChars; ++i) {  // 5 bits each, from the front
    size_t bit = i * 5;
    unsigned v = (static_cast<unsigned char>(h[bit / 8]) << 8 |
                  static_cast<unsigned char>(h[bit / 8 + 1])) >>
                     (11 - bit % 8) &
                 31;
    pin.push_back(kAlphabet[v]);
  }
  return pin;
}

}  // namespace

std::string NewShortInvite(const std::string& inviter_device, std::string* secret) {
  std::string s;
  for (size_t i = 0; i < kSecretChars; ++i) s.push_back(kAlphabet[randombytes_uniform(32)]);
  std::string chars = s + PinOf(s, inviter_device);
  chars.push_back(kAlphabet[(32 - LuhnSum(chars, false)) % 32]);
  std::string text;
  for (size_t i = 0; i < chars.size(); ++i) {
    if (i > 0 && i % 4 == 0) text.push_back('-');
    text.push_back(chars[i]);
  }
  *secret = std::move(s);
  return text;
}

bool IsShortInviteText(std::string_view text) {
  size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return false;
  std::string head(text.substr(start, kLongPrefix.size()));
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return head != kLongPrefix;
}

absl::StatusOr<ShortInvite> DecodeShortInvite(std::string_view text) {
  size_t count = 0;
  for (char c : text) {
    if (c != '-' && c != ' ' && c != '\t' && c != '\r' && c != '\n') ++count;
  }
  if (count != kCodeChars) {
    return absl::InvalidArgumentError(absl::StrCat(
        "code: not an Attune invite (it starts with attune-invite-, or is the short form of ",
        kCodeChars, " characters in five groups of four; this has ",
        count > 99 ? "more" : std::to_string(count), ")"));
  }
  std::string chars;
  for (char c : text) {
    if (c == '-' || c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (ValueOf(c) < 0) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
        return absl::InvalidArgumentError(
            "code: a short invite code has only letters and digits (and dashes)");
      }
      return absl::InvalidArgumentError(
          absl::StrCat("code: '", std::string(1, c),
                       "' is not in a short invite code (it uses 0-9 and A-Z without U; check that "
                       "character)"));
    }
    chars.push_back(kAlphabet[ValueOf(c)]);
  }
  if (LuhnSum(chars, true) != 0) {
    return absl::InvalidArgumentError(
        "code: this short invite code is damaged: a character is wrong or two are swapped (read "
        "it again, or ask for a new one)");
  }
  return ShortInvite{chars.substr(0, kSecretChars), chars.substr(kSecretChars, kPinChars)};
}

std::string ShortInviteKey(std::string_view secret) {
  return Hash(std::string(kKeyTag) + std::string(secret), crypto_auth_KEYBYTES);
}

bool ShortInvitePins(const ShortInvite& code, const std::string& device) {
  const std::string pin = PinOf(code.secret, device);
  return pin.size() == code.pin.size() &&
         sodium_memcmp(pin.data(), code.pin.data(), pin.size()) == 0;
}

std::string ShortInviteId() { return std::string(16, '\0'); }

}  // namespace attune
