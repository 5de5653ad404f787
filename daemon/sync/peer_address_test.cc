#include "daemon/sync/peer_address.h"

#include <gtest/gtest.h>

#include "daemon/vault/device_id.h"

namespace attune {
namespace {

TEST(PeerAddressTest, OnlyHostAndPortAreWellFormed) {
  for (const char* good : {"laptop.lan:27441", "192.168.1.20:27441", "[fe80::1]:1", "a:65535"}) {
    EXPECT_TRUE(IsWellFormedPeerAddress(good)) << good;
  }
  for (const char* bad :
       {"", "laptop", "laptop:", "laptop:0", "laptop:65536", "laptop:12ab", "-x:1", "host name:1",
        "unix:/run/attune.sock:1", "[nonsense]:1", "a\x1b[2K:1", "laptop:+80"}) {
    EXPECT_FALSE(IsWellFormedPeerAddress(bad)) << bad;
  }
}

TEST(PeerAddressTest, APeerCannotPointThisDaemonAtItsOwnMachine) {
  const std::vector<std::string> offered = {"127.0.0.1:22",     "localhost:27441", "[::1]:631",
                                            "0.0.0.0:27441",    "nonsense",        "10.0.0.2:27441",
                                            "laptop.lan:27441", "127.9.9.9:80"};
  // Listening on the network: loopback addresses from a peer are dropped.
  EXPECT_EQ(DialableAddresses(offered, {"0.0.0.0:27441"}),
            (std::vector<std::string>{"10.0.0.2:27441", "laptop.lan:27441"}));
  // On loopback itself (tests, a tunnel): loopback is kept, never its own.
  EXPECT_EQ(DialableAddresses({"127.0.0.1:5000", "127.0.0.1:6000"}, {"127.0.0.1:5000"}),
            (std::vector<std::string>{"127.0.0.1:6000"}));
}

TEST(PeerAddressTest, AtMostEightAreKept) {
  std::vector<std::string> many;
  for (int i = 1; i <= 20; ++i) many.push_back("host" + std::to_string(i) + ":27441");
  EXPECT_EQ(DialableAddresses(many, {}).size(), kMaxPeerAddresses);
}

TEST(PeerAddressTest, ARelayIsItsIdAtHostAndPort) {
  const std::string key(32, '\x07');
  const std::string text = FormatDeviceId(key) + "@relay.example.net:27443";
  auto relay = ParseRelayAddress(text);
  ASSERT_TRUE(relay.ok()) << relay.status();
  EXPECT_EQ(relay->device, key);
  EXPECT_EQ(relay->address, "relay.example.net:27443");
  EXPECT_EQ(FormatRelayAddress(*relay), text);
  for (const std::string& bad : std::vector<std::string>{
           "relay.example.net:27443", "NOTANID@relay.example.net:27443",
           FormatDeviceId(key) + "@relay.example.net", FormatDeviceId(key) + "@0.0.0.0:27443",
           FormatDeviceId(key) + "@host\x1b[31m:1"}) {
    EXPECT_EQ(ParseRelayAddress(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace attune
