#include "daemon/vault/device_id.h"

#include "daemon/vault/readable_code.h"

namespace attune {
namespace {

// 32 bytes: 52 base32 characters in four parts of 13, each with its check
// character, shown as eight groups of seven.
constexpr ReadableCodeShape kDeviceId{32, 13, 7, "device id"};

}  // namespace

std::string FormatDeviceId(std::string_view public_key) {
  return FormatReadableCode(public_key, kDeviceId);
}

absl::StatusOr<std::string> ParseDeviceId(std::string_view text) {
  return ParseReadableCode(text, kDeviceId);
}

}  // namespace attune
