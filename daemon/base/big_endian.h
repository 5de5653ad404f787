// Unsigned 64-bit numbers as 8 big-endian bytes: the form the store's
// sequence numbers, the event hub's ids, the relay log's sequence numbers and
// the saved fold limits take in RocksDB keys and meta values, so that keys
// holding them sort in numeric order.
#ifndef ATTUNE_DAEMON_BASE_BIG_ENDIAN_H_
#define ATTUNE_DAEMON_BASE_BIG_ENDIAN_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace attune {

// Always 8 bytes, the most significant first.
inline std::string EncodeBigEndian64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
  return out;
}

// The number in the first 8 bytes of `bytes`; a shorter input is read as far
// as it goes (callers check the length where a short value is an error).
inline uint64_t DecodeBigEndian64(std::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < bytes.size(); ++i) {
    v = v << 8 | static_cast<unsigned char>(bytes[i]);
  }
  return v;
}

}  // namespace attune

#endif  // ATTUNE_DAEMON_BASE_BIG_ENDIAN_H_
