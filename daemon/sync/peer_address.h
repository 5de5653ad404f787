// Which "host:port" strings a peer may hand this daemon to dial (Hello's
// addresses): a member chooses what they say, so only well-formed addresses
// of other machines are kept. Pure functions; thread-safe.
#ifndef ATTUNE_DAEMON_SYNC_PEER_ADDRESS_H_
#define ATTUNE_DAEMON_SYNC_PEER_ADDRESS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace attune {

// At most this many addresses of one peer are kept.
inline constexpr size_t kMaxPeerAddresses = 8;

// Whether `address` is "host:port" with a port 1..65535 and a host that is a
// DNS name (letters, digits, '-' and '.'), an IPv4 address or a bracketed
// IPv6 address, at most 255 characters.
bool IsWellFormedPeerAddress(std::string_view address);

// Whether the host of a well-formed address is on this machine's loopback
// (localhost, 127.0.0.0/8, [::1]).
bool IsLoopbackPeerAddress(std::string_view address);

// Whether it names no host at all (0.0.0.0, [::]): never dialled.
bool IsUnspecifiedPeerAddress(std::string_view address);

// The addresses of `offered` this daemon dials: well formed, none of its own
// `listening` ones, loopback only when it listens on loopback itself (a test
// or a tunnel), and at most kMaxPeerAddresses.
std::vector<std::string> DialableAddresses(const std::vector<std::string>& offered,
                                           const std::vector<std::string>& listening);

// A relay as attune-relay prints it and `attune relay add` takes it:
// "RELAY-ID@host:port" (the id as FormatDeviceId writes it; the address
// well formed as above and naming a host).
struct RelayAddress {
  std::string device;   // raw 32-byte key
  std::string address;  // "host:port"
};
absl::StatusOr<RelayAddress> ParseRelayAddress(std::string_view text);
std::string FormatRelayAddress(const RelayAddress& relay);

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_PEER_ADDRESS_H_
