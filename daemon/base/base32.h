// RFC 4648 base32 without padding, upper case out, either case in. Used for
// device ids and invite codes, which people read aloud or paste.
#ifndef ATTUNE_DAEMON_BASE_BASE32_H_
#define ATTUNE_DAEMON_BASE_BASE32_H_

#include <optional>
#include <string>
#include <string_view>

namespace attune {

inline constexpr std::string_view kBase32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string Base32Encode(std::string_view raw);
// nullopt if a character is outside the alphabet (in either case).
std::optional<std::string> Base32Decode(std::string_view text);

}  // namespace attune

#endif  // ATTUNE_DAEMON_BASE_BASE32_H_
