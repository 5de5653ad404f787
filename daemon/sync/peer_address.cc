#include "daemon/sync/peer_address.h"

#include <arpa/inet.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "daemon/vault/device_id.h"

namespace attune {
namespace {

// Splits "host:port" / "[v6]:port"; false if there is no port.
bool Split(std::string_view address, std::string_view* host, std::string_view* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return false;
  *host = address.substr(0, colon);
  *port = address.substr(colon + 1);
  return true;
}

bool IsDnsName(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '-' || host.front() == '.') {
    return false;
  }
  return std::all_of(host.begin(), host.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
  });
}

}  // namespace

bool IsWellFormedPeerAddress(std::string_view address) {
  std::string_view host, port;
  if (address.size() > 255 || !Split(address, &host, &port)) return false;
  int port_number = 0;
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(),
                   [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }) ||
      !absl::SimpleAtoi(std::string(port), &port_number) || port_number < 1 ||
      port_number > 65535) {
    return false;
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    std::string v6(host.substr(1, host.size() - 2));
    unsigned char buf[16];
    return inet_pton(AF_INET6, v6.c_str(), buf) == 1;
  }
  return IsDnsName(host);
}

bool IsLoopbackPeerAddress(std::string_view address) {
  std::string_view host, port;
  if (!Split(address, &host, &port)) return false;
  std::string h = absl::AsciiStrToLower(std::string(host));
  if (h == "localhost" || h == "[::1]") return true;
  if (h.size() >= 10 && h.substr(h.size() - 10) == ".localhost") return true;
  in_addr v4;
  return inet_pton(AF_INET, h.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

bool IsUnspecifiedPeerAddress(std::string_view address) {
  std::string_view host, port;
  return Split(address, &host, &port) && (host == "0.0.0.0" || host == "[::]");
}

std::vector<std::string> DialableAddresses(const std::vector<std::string>& offered,
                                           const std::vector<std::string>& listening) {
  bool we_are_on_loopback =
      !listening.empty() && std::all_of(listening.begin(), listening.end(), IsLoopbackPeerAddress);
  std::vector<std::string> out;
  for (const std::string& a : offered) {
    if (out.size() == kMaxPeerAddresses) break;
    if (!IsWellFormedPeerAddress(a) || IsUnspecifiedPeerAddress(a)) continue;
    if (std::find(listening.begin(), listening.end(), a) != listening.end()) continue;
    if (IsLoopbackPeerAddress(a) && !we_are_on_loopback) continue;
    out.push_back(a);
  }
  return out;
}

absl::StatusOr<RelayAddress> ParseRelayAddress(std::string_view text) {
  auto at = text.find('@');
  if (at == std::string_view::npos) {
    return absl::InvalidArgumentError(
        "a relay is named RELAY-ID@host:port, as attune-relay prints it at start");
  }
  auto device = ParseDeviceId(text.substr(0, at));
  if (!device.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the relay id before '@' is not a device id: ", device.status().message()));
  }
  std::string_view address = text.substr(at + 1);
  if (!IsWellFormedPeerAddress(address) || IsUnspecifiedPeerAddress(address)) {
    return absl::InvalidArgumentError(
        "the relay's address after '@' is not host:port (a host name or IP address, and a port "
        "1..65535)");
  }
  return RelayAddress{*device, std::string(address)};
}

std::string FormatRelayAddress(const RelayAddress& relay) {
  return absl::StrCat(FormatDeviceId(relay.device), "@", relay.address);
}

}  // namespace attune
