// Peer sync through fault proxies. Every daemon's peer listener sits behind
// a FaultProxy of its own, which the daemon advertises (--peer-advertise), so
// every byte between daemons crosses a proxy: the initial sync of a few
// thousand ops through proxies that delay, re-cut, reorder and cut
// connections converges; two daemons pair and sync over a slow link; three
// daemons partitioned in several ways while all of them write converge once
// healed, every acknowledged write everywhere; and so do two people, one with
// a linked device that is then removed and writes on, private writes
// reaching their author's devices only and the removed device's later ones
// no one.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "acknowledged.h"
#include "api_helpers.h"
#include "daemon_harness.h"
#include "expected_state.h"
#include "fault_proxy.h"
#include "peers.h"
#include "socket_owner.h"
#include "sync_support.h"
#include "tests/support/test_keys.h"
#include "workload.h"

namespace attune::testing {
namespace {

using Link = FaultProxy::Link;
using std::chrono::milliseconds;

constexpr uint32_t kDefaultSeed = 424242;

uint32_t SeedFromEnv() {
  const char* s = std::getenv("ATTUNE_CHAOS_SEED");
  return s != nullptr && *s ? static_cast<uint32_t>(std::strtoul(s, nullptr, 10)) : kDefaultSeed;
}

// A daemon behind its own proxy.
struct Node {
  Node(std::string n, uint32_t seed, int first_day_back)
      : name(std::move(n)), proxy(seed), work(name, first_day_back) {}
  std::string name;
  DaemonHarness d;
  FaultProxy proxy;
  DaemonWork work;
  std::unique_ptr<Writer> writer;
};

class PartitionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    seed_ = SeedFromEnv();
    rng_.seed(seed_);
    std::cout << "[ partition ] seed " << seed_ << " (ATTUNE_CHAOS_SEED)" << std::endl;
  }
  void TearDown() override {
    for (auto& n : nodes_) {
      if (n->writer != nullptr) n->writer->Stop();
      n->proxy.SetClassifier(nullptr);
    }
  }

  // A daemon behind its proxy; `to_link`: one that can still be linked to
  // another device of its person (Join with own_device), whose check-ins use
  // days far from the others'.
  Node& Add(const std::string& name, bool to_link = false) {
    Node* added;
    {
      std::lock_guard<std::mutex> lock(nodes_mu_);
      const int first_day_back = to_link ? 2000 * static_cast<int>(nodes_.size() + 1) : 0;
      nodes_.push_back(std::make_unique<Node>(name, static_cast<uint32_t>(rng_()), first_day_back));
      added = nodes_.back().get();
    }
    Node& n = *added;
    // Each proxy names the daemon that dialed it (daemons are not restarted
    // here, so their pids hold still).
    n.proxy.SetClassifier([this, port = n.proxy.port()](uint16_t client_port) {
      std::lock_guard<std::mutex> lock(nodes_mu_);
      std::vector<pid_t> pids;
      for (auto& other : nodes_) pids.push_back(other->d.pid());
      pid_t owner = LoopbackClientOwner(client_port, port, pids);
      for (auto& other : nodes_) {
        if (owner > 0 && other->d.pid() == owner) return other->name;
      }
      return std::string("?");
    });
    auto flags = PeerFlags({"--peer-advertise", n.proxy.address()});
    EXPECT_TRUE(to_link ? StartPeerToLink(n.d, name, flags) : StartPeerWith(n.d, name, flags));
    return n;
  }

  // `joiner` joins `inviter`'s space through the inviter's proxy, as a
  // device of the inviter's person with `own_device`; both proxies then
  // lead to their daemon's listener.
  ::testing::AssertionResult Join(Node& inviter, Node& joiner, bool own_device = false) {
    v1::CreateInviteRequest request;
    request.set_own_device(own_device);
    v1::Invite invite;
    grpc::Status s = v1::SpaceService::NewStub(inviter.d.channel())
                         ->CreateInvite(DaemonHarness::Context().get(), request, &invite);
    if (!s.ok()) return ::testing::AssertionFailure() << "CreateInvite: " << Describe(s);
    if (invite.addresses_size() != 1 || invite.addresses(0) != inviter.proxy.address()) {
      return ::testing::AssertionFailure()
             << "the invite does not advertise the proxy: " << invite.ShortDebugString();
    }
    inviter.proxy.SetTarget(PeerListenPort(inviter.d));
    v1::JoinSpaceRequest join;
    join.set_code(invite.code());
    join.set_own_device(own_device);
    v1::JoinSpaceResponse joined;
    s = v1::SpaceService::NewStub(joiner.d.channel())
            ->JoinSpace(DaemonHarness::Context(std::chrono::seconds(40)).get(), join, &joined);
    if (!s.ok()) return ::testing::AssertionFailure() << "JoinSpace: " << Describe(s);
    uint16_t port = PeerListenPort(joiner.d);
    if (port == 0) return ::testing::AssertionFailure() << joiner.name << " does not listen";
    joiner.proxy.SetTarget(port);
    return ::testing::AssertionSuccess();
  }

  // Cuts every link between the groups: `how` on both proxies of each pair.
  void Partition(const std::vector<std::vector<Node*>>& groups, Link how) {
    for (size_t g = 0; g < groups.size(); ++g) {
      for (size_t h = 0; h < groups.size(); ++h) {
        if (g == h) continue;
        for (Node* x : groups[g]) {
          for (Node* y : groups[h]) y->proxy.SetLink(x->name, how);
        }
      }
    }
  }
  void Heal() {
    for (auto& n : nodes_) n->proxy.HealAll();
  }

  void StartWriters() {
    for (auto& n : nodes_) {
      n->writer = std::make_unique<Writer>(&n->work, n->d.socket_path(), &expected_,
                                           static_cast<uint32_t>(rng_()));
      n->writer->Start();
    }
  }
  void StopWriters() {
    for (auto& n : nodes_) {
      if (n->writer == nullptr) continue;
      n->writer->Stop();
      EXPECT_EQ(n->writer->unexpected_failure(), "") << n->name;
      n->writer.reset();
    }
  }
  // Every writer acknowledges `more` further writes.
  void AwaitMoreWrites(uint64_t more) {
    for (auto& n : nodes_) {
      uint64_t target = n->writer->acks() + more;
      ASSERT_TRUE(n->writer->AwaitAcks(target, std::chrono::seconds(60)))
          << n->name << ": " << n->writer->unexpected_failure();
    }
  }
  // Shared ops of `author` that `holder` has.
  uint64_t OpsOf(Node& holder, Node& author) {
    v1::StateDigest digest, own;
    EXPECT_OK(GetDigest(holder.d, &digest));
    EXPECT_OK(GetDigest(author.d, &own));
    v1::VaultStatus status;
    EXPECT_OK(author.d.GetStatus(&status));
    for (const auto& e : digest.version_vector()) {
      if (e.device_id() == status.device_id()) return e.seq();
    }
    return 0;
  }
  uint64_t OwnOps(Node& n) { return OpsOf(n, n); }

  std::vector<DaemonHarness*> Daemons() {
    std::vector<DaemonHarness*> out;
    for (auto& n : nodes_) out.push_back(&n->d);
    return out;
  }
  struct Phase {
    std::string what;
    std::vector<std::vector<Node*>> groups;
    Link how;
  };
  // Each phase in a random order: its partition while everyone writes, the
  // checks that ops flow within each side and not across, then healed. The
  // first node added is the one every other learned addresses from.
  void RunPhases(std::vector<Phase> phases) {
    Node* const hub = nodes_.front().get();
    std::shuffle(phases.begin(), phases.end(), rng_);
    for (const Phase& phase : phases) {
      SCOPED_TRACE(phase.what);
      std::cout << "[ partition ] " << phase.what << std::endl;
      Partition(phase.groups, phase.how);
      // Everyone writes on while apart: at least 30 writes each, shared ones
      // among them.
      AwaitMoreWrites(30);
      ASSERT_FALSE(HasFatalFailure());
      // Within a side, ops still flow (through the hub: the others only ever
      // learn its address).
      for (const auto& group : phase.groups) {
        for (Node* x : group) {
          for (Node* y : group) {
            if (x == y || (x != hub && y != hub)) continue;
            const uint64_t written = OwnOps(*y);
            EXPECT_TRUE(Await([&] { return OpsOf(*x, *y) >= written; }, std::chrono::seconds(60)))
                << x->name << " lacks " << y->name << "'s ops on the same side of a partition";
          }
        }
      }
      // Across the partition, nothing new arrived.
      for (size_t g = 0; g < phase.groups.size(); ++g) {
        for (size_t h = 0; h < phase.groups.size(); ++h) {
          if (g == h) continue;
          for (Node* x : phase.groups[g]) {
            for (Node* y : phase.groups[h]) {
              EXPECT_LT(OpsOf(*x, *y), OwnOps(*y))
                  << x->name << " has all of " << y->name << "'s ops across a partition";
            }
          }
        }
      }
      Heal();
    }
  }
  // Waits until `n` shows every write of `writes` it should, and none it
  // should not (ShowsAcknowledged, Scope::kAll); the last check's result.
  ::testing::AssertionResult AwaitShows(Node& n, const std::vector<AckedWrite>& writes,
                                        const Audience& audience) {
    ::testing::AssertionResult last = ::testing::AssertionFailure();
    Await(
        [&] {
          last = ShowsAcknowledged(n.d, n.name, writes, Scope::kAll, audience);
          return static_cast<bool>(last);
        },
        std::chrono::seconds(120));
    return last;
  }
  void ExpectEveryWriteEverywhere() {
    auto writes = ExpectedState::Load(expected_.path());
    for (auto& n : nodes_) {
      EXPECT_TRUE(ShowsAcknowledged(n->d, n->name, writes, Scope::kAll));
    }
  }

  uint32_t seed_ = 0;
  std::mt19937 rng_;
  TempDir dir_;
  ExpectedState expected_{dir_.path() + "/expected-state"};
  std::mutex nodes_mu_;  // the classifiers read nodes_ on the proxies' threads
  std::vector<std::unique_ptr<Node>> nodes_;
};

TEST_F(PartitionTest, InitialSyncThroughProxiesThatCutAndDelayConverges) {
  SCOPED_TRACE("seed " + std::to_string(seed_));
  Node& a = Add("A");
  Node& b = Add("B");
  ASSERT_FALSE(HasFailure());
  // A few thousand ops on A, a few hundred on B, before they pair: enough
  // bytes (about 2 MB) that the sync cannot finish without broken connections.
  constexpr uint64_t kSeedA = 1000, kSeedB = 300;
  {
    std::vector<std::unique_ptr<Writer>> seeders;
    for (int i = 0; i < 4; ++i) {
      seeders.push_back(std::make_unique<Writer>(&a.work, a.d.socket_path(), &expected_,
                                                 static_cast<uint32_t>(rng_())));
      seeders.back()->Start(kSeedA);
    }
    seeders.push_back(std::make_unique<Writer>(&b.work, b.d.socket_path(), &expected_,
                                               static_cast<uint32_t>(rng_())));
    seeders.back()->Start(kSeedB);
    for (size_t i = 0; i < seeders.size(); ++i) {
      ASSERT_TRUE(seeders[i]->AwaitAcks(i < 4 ? kSeedA : kSeedB, std::chrono::minutes(5)))
          << seeders[i]->unexpected_failure();
    }
  }
  // Each connection is cut after 320–640 KiB: one or two batches of ops
  // (at most 512 ops each) get through, then the stream breaks.
  constexpr uint64_t kCutMax = 640 * 1024;
  for (Node* n : {&a, &b}) {
    n->proxy.SetDelay(milliseconds(0), milliseconds(4));
    n->proxy.SetRechunk(1400);
    n->proxy.SetCutAfter(320 * 1024, kCutMax);
  }
  ASSERT_TRUE(Join(a, b));
  // Once paired (the pairing call itself must get through), now and then
  // bytes arrive out of order too, which TLS refuses: another cut.
  for (Node* n : {&a, &b}) n->proxy.SetReorder(0.002);
  // They keep writing while the initial sync runs into cut after cut.
  StartWriters();
  AwaitMoreWrites(40);
  StopWriters();
  ASSERT_TRUE(AwaitConvergence(Daemons(), std::chrono::seconds(240)));
  FaultProxy::Stats stats_a = a.proxy.stats(), stats_b = b.proxy.stats();
  std::cout << "[ partition ] proxy A: " << stats_a.accepted << " connections, " << stats_a.cut
            << " cut, " << stats_a.reordered << " reordered, " << stats_a.bytes
            << " bytes; proxy B: " << stats_b.accepted << " connections, " << stats_b.cut
            << " cut, " << stats_b.reordered << " reordered, " << stats_b.bytes << " bytes"
            << std::endl;
  // How many connections broke depends on timing (a reorder may end one
  // before its cut), how many had to does not. Through each proxy, every
  // connection but the pairing call's (a few KiB) and the one left open ended
  // in a cut or a reorder, and none carried more than kCutMax.
  auto must_break = [&](const FaultProxy::Stats& st) -> uint64_t {
    constexpr uint64_t kPairing = 64 * 1024;
    if (st.bytes <= kPairing) return 0;
    uint64_t connections = (st.bytes - kPairing + kCutMax - 1) / kCutMax;
    return connections - 1;
  };
  const uint64_t must = must_break(stats_a) + must_break(stats_b);
  EXPECT_GE(must, 2u) << "the initial sync hardly crossed the proxies";
  EXPECT_GE(stats_a.cut + stats_b.cut + stats_a.reordered + stats_b.reordered, must)
      << "more bytes crossed than the connections that broke can carry";
  ExpectEveryWriteEverywhere();
}

// A partner far away: 150 ms each way (a 300 ms round trip, as over a
// mobile link or across the world). Each connection needs several round
// trips before its first byte of sync (TCP, TLS, HTTP/2 settings); when the
// daemon gave an attempt only 200 ms, pairing failed at 80 ms each way.
TEST_F(PartitionTest, PairingAndSyncWorkOverASlowLink) {
  SCOPED_TRACE("seed " + std::to_string(seed_));
  Node& a = Add("A");
  Node& b = Add("B");
  ASSERT_FALSE(HasFailure());
  {
    Writer seeder(&a.work, a.d.socket_path(), &expected_, static_cast<uint32_t>(rng_()));
    seeder.Start(100);
    ASSERT_TRUE(seeder.AwaitAcks(100, std::chrono::minutes(2))) << seeder.unexpected_failure();
  }
  for (Node* n : {&a, &b}) n->proxy.SetDelay(milliseconds(150), milliseconds(150));
  ASSERT_TRUE(Join(a, b));
  StartWriters();
  AwaitMoreWrites(10);
  StopWriters();
  ASSERT_TRUE(AwaitConvergence(Daemons(), std::chrono::seconds(120)));
  ExpectEveryWriteEverywhere();
}

TEST_F(PartitionTest, ThreeDevicesPartitionedWhileWritingConvergeWhenHealed) {
  SCOPED_TRACE("seed " + std::to_string(seed_));
  Node& a = Add("A");
  Node& b = Add("B");
  Node& c = Add("C");
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(Join(a, b));
  ASSERT_TRUE(Join(a, c));
  for (auto& n : nodes_) n->proxy.SetDelay(milliseconds(0), milliseconds(2));
  StartWriters();
  AwaitMoreWrites(10);
  ASSERT_FALSE(HasFatalFailure());

  std::vector<Phase> phases = {
      {"A alone, refused", {{&a}, {&b, &c}}, Link::kRefuse},
      {"C alone, blackholed", {{&a, &b}, {&c}}, Link::kBlackhole},
      {"all three apart", {{&a}, {&b}, {&c}}, Link::kRefuse},
      {"B alone, blackholed", {{&a, &c}, {&b}}, Link::kBlackhole},
      {"A alone, blackholed", {{&a}, {&b, &c}}, Link::kBlackhole},
  };
  RunPhases(std::move(phases));
  ASSERT_FALSE(HasFatalFailure());
  StopWriters();
  ASSERT_TRUE(AwaitConvergence(Daemons(), std::chrono::seconds(120)));
  ExpectEveryWriteEverywhere();
  for (auto& n : nodes_) {
    FaultProxy::Stats st = n->proxy.stats();
    std::cout << "[ partition ] proxy " << n->name << ": " << st.accepted << " connections, "
              << st.refused << " refused, " << st.cut << " cut" << std::endl;
  }
}

// Alex's laptop (A) and phone (A2, linked to it), and Sam's laptop (B),
// partitioned in turn while all three write: shared writes reach everyone,
// Alex's private ones both of Alex's devices and never Sam's, Sam's private
// ones stay on B. Then the phone is lost: once A holds all it wrote, A
// removes it, and the phone writes on, as a stolen or modified one would.
// Nothing it writes after its removal shows on A or B; the space moves to
// key epoch 1, and what A and B write under it reaches both.
TEST_F(PartitionTest, LinkedDevicesThroughPartitionsAndARemovedDeviceThatWritesOn) {
  SCOPED_TRACE("seed " + std::to_string(seed_));
  Node& a = Add("A");
  Node& b = Add("B");
  Node& phone = Add("A2", /*to_link=*/true);
  ASSERT_FALSE(HasFailure());
  ASSERT_TRUE(Join(a, b));
  ASSERT_TRUE(Join(a, phone, /*own_device=*/true));
  Audience audience;
  audience.person = {{"A", "Alex"}, {"A2", "Alex"}, {"B", "Sam"}};
  for (auto& n : nodes_) n->proxy.SetDelay(milliseconds(0), milliseconds(2));
  StartWriters();
  AwaitMoreWrites(10);
  ASSERT_FALSE(HasFatalFailure());
  std::vector<Phase> phases = {
      {"Alex's laptop alone, refused", {{&a}, {&phone, &b}}, Link::kRefuse},
      {"Sam apart, blackholed", {{&a, &phone}, {&b}}, Link::kBlackhole},
      {"all three apart", {{&a}, {&phone}, {&b}}, Link::kRefuse},
  };
  RunPhases(std::move(phases));
  ASSERT_FALSE(HasFatalFailure());
  StopWriters();
  ASSERT_TRUE(AwaitConvergence(Daemons(), std::chrono::seconds(120)));
  auto writes = ExpectedState::Load(expected_.path());
  for (auto& n : nodes_) EXPECT_TRUE(AwaitShows(*n, writes, audience));
  ASSERT_FALSE(HasFailure());

  // The phone is lost.
  v1::VaultStatus phone_status;
  ASSERT_OK(phone.d.GetStatus(&phone_status));
  v1::RemoveDeviceRequest remove;
  remove.set_device_id(phone_status.device_id());
  v1::RemoveDeviceResponse removed;
  grpc::Status s = v1::SpaceService::NewStub(a.d.channel())
                       ->RemoveDevice(DaemonHarness::Context().get(), remove, &removed);
  ASSERT_TRUE(s.ok()) << Describe(s);
  EXPECT_EQ(removed.key_epoch(), 1u);
  // It writes on, under a label of its own, and so do A and B.
  ExpectedState late(dir_.path() + "/after-removal");
  DaemonWork late_work("A2 after its removal", /*first_day_back=*/8000);
  Writer late_writer(&late_work, phone.d.socket_path(), &late, static_cast<uint32_t>(rng_()));
  late_writer.Start(20);
  std::vector<std::unique_ptr<Writer>> writers;
  for (Node* n : {&a, &b}) {
    writers.push_back(std::make_unique<Writer>(&n->work, n->d.socket_path(), &expected_,
                                               static_cast<uint32_t>(rng_())));
    writers.back()->Start(20);
  }
  ASSERT_TRUE(late_writer.AwaitAcks(20, std::chrono::seconds(120)))
      << late_writer.unexpected_failure();
  for (auto& w : writers) {
    ASSERT_TRUE(w->AwaitAcks(20, std::chrono::seconds(120))) << w->unexpected_failure();
  }
  // A and B agree on every record. (The phone reaches B only through A, which
  // refuses its later ops on arrival; a member that took such ops before it
  // heard of the removal is sync_test's ConvergenceTest.)
  ASSERT_TRUE(AwaitSameRecords({&a.d, &b.d}, std::chrono::seconds(120)));
  writes = ExpectedState::Load(expected_.path());
  for (const AckedWrite& w : ExpectedState::Load(late.path())) writes.push_back(w);
  audience.refused = {"A2 after its removal"};
  for (Node* n : {&a, &b}) EXPECT_TRUE(AwaitShows(*n, writes, audience));
  // The phone kept what it wrote.
  EXPECT_TRUE(ShowsAcknowledged(phone.d, "A2 after its removal", ExpectedState::Load(late.path()),
                                Scope::kOwn));
}

}  // namespace
}  // namespace attune::testing
