#include "daemon/vault/device_id.h"

#include <cctype>

#include "daemon/base/base32.h"

namespace attune {
namespace {

constexpr std::string_view kAlphabet = kBase32Alphabet;
constexpr size_t kKeyBytes = 32;
constexpr size_t kChars = 52;  // ceil(256 / 5)
constexpr size_t kPart = 13;

int CodePoint(char c) {
  auto pos = kAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

// Luhn mod N over the base32 alphabet.
char LuhnCheck(std::string_view part) {
  constexpr int n = 32;
  int factor = 1, sum = 0;
  for (size_t i = part.size(); i-- > 0;) {
    int addend = factor * CodePoint(part[i]);
    factor = factor == 2 ? 1 : 2;
    sum += addend / n + addend % n;
  }
  return kAlphabet[(n - sum % n) % n];
}

}  // namespace

std::string FormatDeviceId(std::string_view public_key) {
  std::string b32 = Base32Encode(public_key);
  std::string checked;
  for (size_t i = 0; i < b32.size(); i += kPart) {
    std::string_view part = std::string_view(b32).substr(i, kPart);
    checked.append(part);
    checked.push_back(LuhnCheck(part));
  }
  std::string out;
  for (size_t i = 0; i < checked.size(); ++i) {
    if (i > 0 && i % 7 == 0) out.push_back('-');
    out.push_back(checked[i]);
  }
  return out;
}

absl::StatusOr<std::string> ParseDeviceId(std::string_view text) {
  std::string clean;
  for (char c : text) {
    if (c == '-' || c == ' ') continue;
    char u = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (CodePoint(u) < 0) {
      return absl::InvalidArgumentError(
          "device id: only letters A-Z, digits 2-7 and dashes are allowed");
    }
    clean.push_back(u);
  }
  if (clean.size() != kChars + kChars / kPart) {
    return absl::InvalidArgumentError("device id: wrong length");
  }
  std::string b32;
  for (size_t i = 0; i < clean.size(); i += kPart + 1) {
    std::string_view part = std::string_view(clean).substr(i, kPart);
    if (LuhnCheck(part) != clean[i + kPart]) {
      return absl::InvalidArgumentError("device id: a check character does not match (typo?)");
    }
    b32.append(part);
  }
  std::string raw = *Base32Decode(b32);  // every character was checked above
  raw.resize(kKeyBytes);
  return raw;
}

}  // namespace attune
