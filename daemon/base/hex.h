// Lowercase hex encoding of raw ids.
#ifndef ATTUNE_DAEMON_BASE_HEX_H_
#define ATTUNE_DAEMON_BASE_HEX_H_

#include <optional>
#include <string>
#include <string_view>

namespace attune {

std::string ToHex(std::string_view raw);
// nullopt unless `hex` is an even number of [0-9a-f] characters.
std::optional<std::string> FromHex(std::string_view hex);

}  // namespace attune

#endif  // ATTUNE_DAEMON_BASE_HEX_H_
