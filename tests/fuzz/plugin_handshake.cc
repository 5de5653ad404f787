// Fuzz target: the handshake line a plugin prints on stdout
// (daemon/plugins/handshake.*), split and checked as the plugin host does.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/plugins/handshake.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attune;
  static const std::string kSocketDir = "/run/user/1000/attune/plugins/practices.x1Yz9Q";
  std::string_view line(reinterpret_cast<const char*>(data), size);
  (void)Excerpt(line);
  auto handshake = ParseHandshake(line);
  if (!handshake.ok()) return 0;
  if (!CheckHandshake(*handshake, kSocketDir).ok()) return 0;
  // What is accepted names a socket directly inside the plugin's folder.
  const std::string& address = handshake->address;
  if (address.rfind(kSocketDir + "/", 0) != 0 ||
      address.find('/', kSocketDir.size() + 1) != std::string::npos) {
    fuzz::Broken("an accepted socket is outside the plugin's folder");
  }
  // The line a plugin would print for it is accepted the same.
  auto again = ParseHandshake(FormatHandshake(handshake->protocol_version, address));
  if (!again.ok() || !CheckHandshake(*again, kSocketDir).ok() || again->address != address) {
    fuzz::Broken("an accepted handshake does not round-trip");
  }
  return 0;
}
