// Fuzz target: base32 (daemon/base/base32.*) and device ids as people type
// them (daemon/vault/device_id.*).
#include "daemon/vault/device_id.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/base/base32.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attune;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);

  // The input as raw bytes: encoding and decoding gives them back.
  auto round = Base32Decode(Base32Encode(bytes));
  if (!round.has_value() || *round != bytes) fuzz::Broken("base32 does not round-trip");

  // The input as text: what decodes, encodes to text that decodes the same.
  if (auto raw = Base32Decode(bytes); raw.has_value()) {
    auto again = Base32Decode(Base32Encode(*raw));
    if (!again.has_value() || *again != *raw) fuzz::Broken("base32 text does not round-trip");
  }

  // The input as a typed device id: an accepted id names a 32-byte key,
  // whose id is accepted and names the same key.
  if (auto key = ParseDeviceId(bytes); key.ok()) {
    if (key->size() != 32) fuzz::Broken("a device id that is not 32 bytes");
    auto again = ParseDeviceId(FormatDeviceId(*key));
    if (!again.ok() || *again != *key) fuzz::Broken("a device id does not round-trip");
  }

  // The input as a key: its id is accepted and names it.
  if (size >= 32) {
    std::string key(bytes.substr(0, 32));
    auto parsed = ParseDeviceId(FormatDeviceId(key));
    if (!parsed.ok() || *parsed != key) fuzz::Broken("a formatted device id is refused");
  }
  return 0;
}
