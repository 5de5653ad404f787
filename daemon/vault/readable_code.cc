#include "daemon/vault/readable_code.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>

#include "absl/strings/str_cat.h"
#include "daemon/base/base32.h"

namespace attune {
namespace {

constexpr std::string_view kAlphabet = kBase32Alphabet;

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

size_t Base32Chars(size_t raw_bytes) { return (raw_bytes * 8 + 4) / 5; }

// Wipes a working copy when it goes out of scope: the codes may be secrets
// (a recovery code). Reserve the string's size first, so that it is never
// reallocated and leaves no unwiped copy behind.
class WipeOnExit {
 public:
  explicit WipeOnExit(std::string* s) : s_(s) {}
  ~WipeOnExit() { sodium_memzero(s_->data(), s_->size()); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  std::string* s_;
};

}  // namespace

std::string FormatReadableCode(std::string_view raw, const ReadableCodeShape& shape) {
  std::string b32 = Base32Encode(raw);
  WipeOnExit wipe_b32(&b32);
  std::string checked;
  checked.reserve(b32.size() + b32.size() / shape.part_chars + 1);
  WipeOnExit wipe_checked(&checked);
  for (size_t i = 0; i < b32.size(); i += shape.part_chars) {
    std::string_view part = std::string_view(b32).substr(i, shape.part_chars);
    checked.append(part);
    checked.push_back(LuhnCheck(part));
  }
  std::string out;
  out.reserve(checked.size() + checked.size() / shape.group_chars);
  for (size_t i = 0; i < checked.size(); ++i) {
    if (i > 0 && i % shape.group_chars == 0) out.push_back('-');
    out.push_back(checked[i]);
  }
  return out;
}

absl::StatusOr<std::string> ParseReadableCode(std::string_view text,
                                              const ReadableCodeShape& shape) {
  std::string clean;
  clean.reserve(text.size());
  WipeOnExit wipe_clean(&clean);
  for (char c : text) {
    if (c == '-' || c == ' ') continue;
    char u = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    // Digits the alphabet leaves out, read as the letters they look like
    // (as Syncthing does): someone copying O by hand may well write 0.
    if (u == '0') u = 'O';
    if (u == '1') u = 'I';
    if (u == '8') u = 'B';
    if (CodePoint(u) < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          std::string(shape.what), ": only letters A-Z, digits 2-7 and dashes are allowed"));
    }
    clean.push_back(u);
  }
  const size_t chars = Base32Chars(shape.raw_bytes);
  const size_t parts = (chars + shape.part_chars - 1) / shape.part_chars;
  if (clean.size() != chars + parts) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(shape.what), ": wrong length"));
  }
  std::string b32;
  b32.reserve(clean.size());
  WipeOnExit wipe_b32(&b32);
  for (size_t i = 0; i < clean.size(); i += shape.part_chars + 1) {
    const size_t n = std::min(shape.part_chars, clean.size() - i - 1);
    std::string_view part = std::string_view(clean).substr(i, n);
    if (LuhnCheck(part) != clean[i + n]) {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(shape.what), ": a check character does not match (typo?)"));
    }
    b32.append(part);
  }
  std::string raw = *Base32Decode(b32);  // every character was checked above
  raw.resize(shape.raw_bytes);           // shrinks: no copy
  return raw;
}

}  // namespace attune
