#include "daemon/base/base32.h"

#include <cctype>
#include <cstdint>

namespace attune {

std::string Base32Encode(std::string_view raw) {
  std::string out;
  // Sized once, so no reallocation leaves a copy behind (the bytes may be a
  // secret the caller wipes).
  out.reserve((raw.size() * 8 + 4) / 5);
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : raw) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32Alphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 31]);
  return out;
}

std::optional<std::string> Base32Decode(std::string_view text) {
  std::string raw;
  raw.reserve(text.size() * 5 / 8 + 1);  // as in Base32Encode
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    auto pos = kBase32Alphabet.find(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    if (pos == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 5) | static_cast<uint32_t>(pos);
    bits += 5;
    if (bits >= 8) {
      raw.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  return raw;
}

}  // namespace attune
