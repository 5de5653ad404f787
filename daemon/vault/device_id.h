// Device ids people can read aloud, in the style of Syncthing's: the
// Ed25519 public key in base32, cut into four parts of 13 characters, each
// followed by a Luhn mod 32 check character, shown in eight groups of seven:
//   ABCDEFG-HIJKLMN-OPQRSTU-VWXYZ23-4567ABC-DEFGHIJ-KLMNOPQ-RSTUVWX
#ifndef ATTUNE_DAEMON_VAULT_DEVICE_ID_H_
#define ATTUNE_DAEMON_VAULT_DEVICE_ID_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace attune {

// `public_key` must be 32 bytes.
std::string FormatDeviceId(std::string_view public_key);

// Accepts upper or lower case, with or without dashes and spaces.
// INVALID_ARGUMENT when the length or a check character is wrong, so a
// mistyped id is caught before it is used.
absl::StatusOr<std::string> ParseDeviceId(std::string_view text);

}  // namespace attune

#endif  // ATTUNE_DAEMON_VAULT_DEVICE_ID_H_
