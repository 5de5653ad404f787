// Random bytes people read aloud, write down and type back, in the style of
// Syncthing's device ids: base32, cut into parts, each part followed by a
// Luhn mod 32 check character so that a typo is caught before the bytes are
// used, shown in groups joined by dashes.
#ifndef ATTUNE_DAEMON_VAULT_READABLE_CODE_H_
#define ATTUNE_DAEMON_VAULT_READABLE_CODE_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace attune {

struct ReadableCodeShape {
  size_t raw_bytes;       // the bytes encoded
  size_t part_chars;      // base32 characters before each check character
  size_t group_chars;     // characters (checks included) between dashes
  std::string_view what;  // how errors name it, e.g. "device id"
};

// `raw` must be shape.raw_bytes long.
std::string FormatReadableCode(std::string_view raw, const ReadableCodeShape& shape);

// The raw bytes. Accepts upper or lower case, with or without dashes and
// spaces, and 0, 1 and 8 for the letters O, I and B they are mistaken for. INVALID_ARGUMENT, naming
// shape.what, when a character is not of the alphabet, the length is wrong or a check character
// does not match.
absl::StatusOr<std::string> ParseReadableCode(std::string_view text,
                                              const ReadableCodeShape& shape);

}  // namespace attune

#endif  // ATTUNE_DAEMON_VAULT_READABLE_CODE_H_
