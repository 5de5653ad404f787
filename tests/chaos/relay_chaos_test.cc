// Two daemons that meet only through a blind relay (they pair once, then
// neither listens), writing all along while the relay is killed with
// SIGKILL at random moments and started again on the same port: once the
// writers stop, both converge to the same state digest and show every write
// acknowledged anywhere (shared ones on both, private ones only on their
// own), and the relay never held more than the shared streams. The seed is
// fixed (ATTUNE_RELAY_CHAOS_SEED=S replays another) and printed.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <random>
#include <thread>

#include "acknowledged.h"
#include "api_helpers.h"
#include "daemon_harness.h"
#include "expected_state.h"
#include "peers.h"
#include "relay_process.h"
#include "sync_support.h"
#include "tests/support/test_keys.h"
#include "workload.h"

namespace attune::testing {
namespace {

constexpr uint32_t kDefaultSeed = 20261206;
constexpr int kKills = 6;

// Flags of a daemon that dials but never listens.
const std::vector<std::string> kNoListener = {"--peer-listen", ""};

TEST(RelayChaosTest, DevicesMeetingOnlyThroughAKilledRelayLoseNothingAndConverge) {
  uint32_t seed = kDefaultSeed;
  if (const char* s = std::getenv("ATTUNE_RELAY_CHAOS_SEED")) seed = std::stoul(s);
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::cout << "[ relay chaos ] seed " << seed << std::endl;
  std::mt19937 rng(seed);
  TempDir dir;
  ExpectedState expected(dir.path() + "/expected-state");

  RelayProcess relay;
  ASSERT_TRUE(relay.Start());
  DaemonHarness a, b;
  ASSERT_TRUE(StartPeerWith(a, "Alex", PeerFlags()));
  ASSERT_TRUE(StartPeerWith(b, "Sam", PeerFlags()));
  ASSERT_EQ(RunCli(a, {"relay", "add", relay.address()}).exit_code, 0);
  ASSERT_TRUE(Pair(a, b));
  for (DaemonHarness* d : {&a, &b}) {
    ASSERT_EQ(d->Stop(), 0);
    ASSERT_TRUE(RestartPeer(*d, kNoListener));
  }

  DaemonWork work_a("A"), work_b("B");
  Writer wa(&work_a, a.socket_path(), &expected, static_cast<uint32_t>(rng()));
  Writer wb(&work_b, b.socket_path(), &expected, static_cast<uint32_t>(rng()));
  wa.Start();
  wb.Start();
  for (int kill = 1; kill <= kKills; ++kill) {
    ASSERT_TRUE(wa.AwaitAcks(wa.acks() + 20, std::chrono::seconds(60))) << wa.unexpected_failure();
    ASSERT_TRUE(wb.AwaitAcks(wb.acks() + 20, std::chrono::seconds(60))) << wb.unexpected_failure();
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 400)(rng)));
    relay.Kill(SIGKILL);
    std::cout << "[ relay chaos ] relay killed (" << kill << " of " << kKills << ")" << std::endl;
    // Down a while: both write on, and nothing reaches the other.
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 1000)(rng)));
    ASSERT_TRUE(relay.Start()) << relay.output();
  }
  wa.Stop();
  wb.Stop();
  EXPECT_EQ(wa.unexpected_failure(), "");
  EXPECT_EQ(wb.unexpected_failure(), "");

  ASSERT_TRUE(AwaitConvergence({&a, &b}, std::chrono::seconds(180))) << relay.output();
  auto writes = ExpectedState::Load(expected.path());
  EXPECT_TRUE(ShowsAcknowledged(a, "A", writes, Scope::kAll));
  EXPECT_TRUE(ShowsAcknowledged(b, "B", writes, Scope::kAll));
  // The relay holds each device's shared stream, no more.
  v1::StateDigest digest;
  ASSERT_OK(GetDigest(a, &digest));
  relay.Kill(SIGTERM);
  for (const auto& e : digest.version_vector()) {
    EXPECT_EQ(relay.HeldOf(e.device_id()), e.seq()) << e.device_id();
  }
}

}  // namespace
}  // namespace attune::testing
