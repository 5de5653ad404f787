// LAN discovery between real daemons, in a network namespace this test
// makes for itself (main() below): its loopback is the "LAN", and nothing
// the daemons announce leaves it.
//
// A linked phone that was never told where its partner listens finds the
// partner's device on the network and syncs with it directly; forged,
// replayed and strangers' announcements are ignored, and counted.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sodium.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "absl/strings/str_join.h"
#include "attune/v1/sync.pb.h"
#include "sync_support.h"

namespace attune::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

// Why this process has no network namespace of its own; empty when it has.
std::string g_no_namespace;

std::string EnterOwnNetwork() {
  if (::unshare(CLONE_NEWNET) != 0) {
    // Not root: a user namespace of our own may hold one.
    const std::string as_root = std::strerror(errno);
    const uid_t uid = ::getuid();
    const gid_t gid = ::getgid();
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
      return "cannot make a network namespace (" + as_root +
             "; as a user: " + std::strerror(errno) + ")";
    }
    std::ofstream("/proc/self/setgroups") << "deny";
    std::ofstream("/proc/self/uid_map") << "0 " << uid << " 1";
    std::ofstream("/proc/self/gid_map") << "0 " << gid << " 1";
  }
  int s = ::socket(AF_INET, SOCK_DGRAM, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  bool up = s >= 0 && ::ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_MULTICAST);
  up = up && ::ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
  if (s >= 0) ::close(s);
  return up ? "" : std::string("cannot bring loopback up: ") + std::strerror(errno);
}

// Why there is no second network in the namespace; empty when there is: a
// veth pair, 10.77.0.1/24 (att0) and 10.77.0.2/24 (att1), as a machine with
// two network cards on one LAN.
std::string g_no_second_network;

std::string MakeSecondNetwork() {
  const char* steps[] = {
      "ip link add att0 type veth peer name att1",
      "ip addr add 10.77.0.1/24 dev att0",
      "ip addr add 10.77.0.2/24 dev att1",
      "ip link set att0 up",
      "ip link set att1 up",
  };
  for (const char* step : steps) {
    if (std::system((std::string(step) + " 2>/dev/null").c_str()) != 0) {
      return std::string("cannot make a veth pair (") + step + ")";
    }
  }
  return "";
}

const v1::PeerStatus* PeerNamed(const v1::SyncStatus& status, const std::string& device_id) {
  for (const auto& p : status.peers()) {
    if (p.peer().device_id() == device_id) return &p;
  }
  return nullptr;
}

// A UDP socket in the announcement group, as any host on the network has.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(27442);
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    ok_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ip_mreq join{};
    ::inet_pton(AF_INET, "239.255.27.44", &join.imr_multiaddr);
    ::inet_pton(AF_INET, "127.0.0.1", &join.imr_interface);
    ok_ = ok_ && ::setsockopt(fd_, IPPROTO_IP, IP_ADD_MEMBERSHIP, &join, sizeof join) == 0;
    timeval tv{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Listener() { ::close(fd_); }
  bool ok() const { return ok_; }
  // The ports of every announcement AwaitFromPort has read.
  const std::set<uint32_t>& ports_heard() const { return ports_heard_; }

  // The next announcement with this port, as sent; "" when none came in time.
  std::string AwaitFromPort(uint32_t port, std::chrono::seconds within) {
    auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
      char buf[1024];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) continue;
      v1::LanAnnouncement a;
      v1::LanAnnouncementBody body;
      if (!a.ParseFromArray(buf, static_cast<int>(n)) || !body.ParseFromString(a.body())) continue;
      ports_heard_.insert(body.port());
      if (body.port() == port) return std::string(buf, static_cast<size_t>(n));
    }
    return "";
  }

 private:
  int fd_ = -1;
  bool ok_ = false;
  std::set<uint32_t> ports_heard_;
};

// Sends `datagram` to the group from `source` (an address of loopback).
bool SendFrom(const std::string& source, const std::string& datagram) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  in_addr via{};
  ::inet_pton(AF_INET, "127.0.0.1", &via);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(27442);
  ::inet_pton(AF_INET, "239.255.27.44", &to.sin_addr);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0 &&
            ::setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &via, sizeof via) == 0 &&
            ::sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&to),
                     sizeof to) == static_cast<ssize_t>(datagram.size());
  ::close(fd);
  return ok;
}

// An announcement signed with a key the test makes (libsodium directly,
// not the daemon's code), naming `device` (the signer's own when empty).
std::string Signed(const std::string& device, const std::string& address, uint32_t port) {
  unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  v1::LanAnnouncementBody body;
  body.set_device(device.empty() ? std::string(reinterpret_cast<char*>(pk), sizeof pk) : device);
  body.set_address(address);
  body.set_port(port);
  body.set_sent_at_ms(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count()));
  v1::LanAnnouncement a;
  body.SerializeToString(a.mutable_body());
  std::string msg = "attune-lan-v1" + a.body();
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                       sk);
  a.set_signature(std::string(reinterpret_cast<char*>(sig), sizeof sig));
  return a.SerializeAsString();
}

uint32_t ListenPort(DaemonHarness& d) {
  const v1::SyncStatus status = SyncStatusOf(d);
  if (status.listen_addresses().empty()) return 0;
  const std::string& a = status.listen_addresses(0);
  return static_cast<uint32_t>(std::stoul(a.substr(a.rfind(':') + 1)));
}

class LanDiscoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Never skipped: without a namespace of its own the test could prove
    // nothing, and must not announce on a real network instead.
    if (!g_no_namespace.empty()) FAIL() << g_no_namespace;
    for (DaemonHarness* d : {&alex_laptop_, &alex_phone_, &sam_}) d->AllowLanDiscovery();
  }

  DaemonHarness alex_laptop_, alex_phone_, sam_;
};

TEST_F(LanDiscoveryTest, ALinkedPhoneFindsItsPartnerOnTheNetwork) {
  ASSERT_TRUE(StartPeer(alex_laptop_, "Alex"));
  ASSERT_TRUE(StartPeer(sam_, "Sam"));
  ASSERT_TRUE(StartPeer(alex_phone_, "phone", {}, /*reveal_together=*/true));
  CliResult paired = PairWithCli(alex_laptop_, sam_);
  ASSERT_EQ(paired.exit_code, 0) << paired.out;
  CliResult linked = LinkWithCli(alex_laptop_, alex_phone_);
  ASSERT_EQ(linked.exit_code, 0) << linked.out;
  const std::string phone = DeviceIdOf(alex_phone_);
  const std::string sam = DeviceIdOf(sam_);
  // Sam's device learns of the phone from the laptop, but not where it
  // listens, and the phone is never told where Sam's device listens: the
  // laptop forwards certificates, not addresses.
  ASSERT_TRUE(Await([&] { return PeerNamed(SyncStatusOf(sam_), phone) != nullptr; }))
      << RunCli(sam_, {"members"}).out;

  // The laptop is switched off: only the network can bring them together.
  ASSERT_EQ(alex_laptop_.Stop(), 0);
  ASSERT_TRUE(WriteCheckIn(alex_phone_, "2026-12-05", "a walk by the river").ok());
  ASSERT_TRUE(WriteCheckIn(sam_, "2026-12-05", "finished the shelf").ok());
  auto both = [&](DaemonHarness& d) {
    auto digest = CheckInDigest(d);
    return digest.size() == 2;
  };
  EXPECT_TRUE(Await([&] { return both(sam_) && both(alex_phone_); }, std::chrono::seconds(120)))
      << "phone: " << RunCli(alex_phone_, {"sync", "status"}).out
      << "\nSam: " << RunCli(sam_, {"sync", "status"}).out;
  // Each found the other on the network (the one heard first answers a
  // device it had not heard), and says so.
  const std::string sam_at = "127.0.0.1:" + std::to_string(ListenPort(sam_));
  const std::string phone_at = "127.0.0.1:" + std::to_string(ListenPort(alex_phone_));
  auto found = [](DaemonHarness& d, const std::string& device) {
    const v1::SyncStatus status = SyncStatusOf(d);
    const v1::PeerStatus* p = PeerNamed(status, device);
    return p == nullptr ? std::string("(not a peer)") : absl::StrJoin(p->found_on_lan(), ",");
  };
  EXPECT_TRUE(Await([&] { return found(alex_phone_, sam) == sam_at; })) << found(alex_phone_, sam);
  EXPECT_TRUE(Await([&] { return found(sam_, phone) == phone_at; })) << found(sam_, phone);
  const std::string sam_port = std::to_string(ListenPort(sam_));
  CliResult status = RunCli(alex_phone_, {"sync", "status"});
  EXPECT_THAT(status.out, HasSubstr("found on this network at 127.0.0.1:" + sam_port));
  EXPECT_THAT(status.out, HasSubstr("LAN discovery: on (lo 127.0.0.1)"));
}

TEST_F(LanDiscoveryTest, ForgedReplayedAndStrangersAnnouncementsAreIgnored) {
  Listener network;
  ASSERT_TRUE(network.ok());
  ASSERT_TRUE(StartPeer(alex_laptop_, "Alex"));
  ASSERT_TRUE(StartPeer(sam_, "Sam"));
  CliResult paired = PairWithCli(alex_laptop_, sam_);
  ASSERT_EQ(paired.exit_code, 0) << paired.out;
  const std::string sam = DeviceIdOf(sam_);
  const uint32_t sam_port = ListenPort(sam_);
  ASSERT_NE(sam_port, 0u);
  // Sam's device announces itself once its space has another device.
  std::string genuine = network.AwaitFromPort(sam_port, std::chrono::seconds(90));
  ASSERT_FALSE(genuine.empty());
  v1::LanAnnouncement parsed;
  v1::LanAnnouncementBody body;
  ASSERT_TRUE(parsed.ParseFromString(genuine) && body.ParseFromString(parsed.body()));
  EXPECT_EQ(body.address(), "127.0.0.1");
  const std::string sam_raw = body.device();

  // Each one sent, then its trace in Alex's device's status awaited.
  auto ignored_because = [&](const std::string& why) {
    return Await(
        [&] {
          auto d = SyncStatusOf(alex_laptop_).lan_discovery();
          return d.last_invalid().find(why) != std::string::npos;
        },
        std::chrono::seconds(60));
  };
  const uint64_t before = SyncStatusOf(alex_laptop_).lan_discovery().ignored_invalid();
  // Sam's genuine announcement, replayed by another host.
  ASSERT_TRUE(SendFrom("127.0.0.2", genuine));
  EXPECT_TRUE(ignored_because("sent from 127.0.0.2"))
      << SyncStatusOf(alex_laptop_).lan_discovery().DebugString();
  // Again from Sam's own address: a copy of the one taken, dropped uncounted.
  ASSERT_TRUE(SendFrom("127.0.0.1", genuine));
  // Naming Sam's device, sending people elsewhere, signed by someone else.
  ASSERT_TRUE(SendFrom("127.0.0.1", Signed(sam_raw, "127.0.0.1", 9)));
  EXPECT_TRUE(ignored_because("bad signature"))
      << SyncStatusOf(alex_laptop_).lan_discovery().DebugString();
  // A device of no member: valid in itself, and nothing to do with this space.
  ASSERT_TRUE(SendFrom("127.0.0.1", Signed("", "127.0.0.1", 9)));
  EXPECT_TRUE(
      Await([&] { return SyncStatusOf(alex_laptop_).lan_discovery().ignored_strangers() >= 1; },
            std::chrono::seconds(60)));
  EXPECT_EQ(SyncStatusOf(alex_laptop_).lan_discovery().ignored_invalid(), before + 2);
  // Where Alex's device would dial Sam's is where Sam's device is.
  const v1::SyncStatus alex_status = SyncStatusOf(alex_laptop_);
  const v1::PeerStatus* peer = PeerNamed(alex_status, sam);
  ASSERT_NE(peer, nullptr);
  EXPECT_THAT(peer->found_on_lan(), ElementsAre("127.0.0.1:" + std::to_string(sam_port)));
  CliResult status = RunCli(alex_laptop_, {"sync", "status"});
  EXPECT_THAT(status.out, HasSubstr("ignored (last: "));
  EXPECT_THAT(status.out, HasSubstr("from other devices"));
  // Sync goes on.
  ASSERT_TRUE(WriteCheckIn(alex_laptop_, "2026-12-05", "tea on the balcony").ok());
  EXPECT_TRUE(Await([&] { return CheckInDigest(sam_).size() == 1; }, std::chrono::seconds(60)));
}

// Listening on every interface (attuned's default), a daemon announces on
// each network that does multicast, loopback aside, and is found there.
TEST_F(LanDiscoveryTest, OnEveryInterfaceItIsFoundOnEachNetwork) {
  if (!g_no_second_network.empty()) FAIL() << g_no_second_network;
  ASSERT_TRUE(StartPeer(alex_laptop_, "Alex", {"--peer-listen", "0.0.0.0:41001"}));
  ASSERT_TRUE(StartPeer(sam_, "Sam", {"--peer-listen", "0.0.0.0:41002"}));
  CliResult paired = PairWithCli(alex_laptop_, sam_);
  ASSERT_EQ(paired.exit_code, 0) << paired.out;
  const std::string alex = DeviceIdOf(alex_laptop_);
  auto found = [&] {
    const v1::SyncStatus status = SyncStatusOf(sam_);
    const v1::PeerStatus* p = PeerNamed(status, alex);
    return p == nullptr ? std::string() : absl::StrJoin(p->found_on_lan(), ",");
  };
  // Heard on both cards, each at the address it was sent from; the order
  // is whichever was heard last first.
  EXPECT_TRUE(Await([&] {
    const std::string f = found();
    return f.find("10.77.0.1:41001") != std::string::npos &&
           f.find("10.77.0.2:41001") != std::string::npos;
  })) << found();
  EXPECT_THAT(found(), Not(HasSubstr("127.0.0.1")));
  const v1::LanDiscovery d = SyncStatusOf(sam_).lan_discovery();
  EXPECT_THAT(d.interfaces(), UnorderedElementsAre("att0 10.77.0.1", "att1 10.77.0.2"));
  EXPECT_EQ(d.note(), "");
}

// Turned off in the settings file (as attuned --no-discovery does).
TEST_F(LanDiscoveryTest, DiscoveryOffSaysSoAndAnnouncesNothing) {
  Listener network;
  ASSERT_TRUE(network.ok());
  std::filesystem::create_directories(alex_laptop_.root() + "/config/attune");
  std::ofstream(alex_laptop_.root() + "/config/attune/attuned.toml") << "discovery = false\n";
  ASSERT_TRUE(StartPeer(alex_laptop_, "Alex"));
  ASSERT_TRUE(StartPeer(sam_, "Sam"));
  CliResult paired = PairWithCli(alex_laptop_, sam_);
  ASSERT_EQ(paired.exit_code, 0) << paired.out;
  const v1::LanDiscovery off = SyncStatusOf(alex_laptop_).lan_discovery();
  EXPECT_FALSE(off.on());
  EXPECT_THAT(off.note(), HasSubstr("--no-discovery"));
  EXPECT_THAT(RunCli(alex_laptop_, {"sync", "status"}).out, HasSubstr("LAN discovery: off"));
  // Sam's device announces; Alex's, started with --no-discovery, does not.
  // With discovery on, Alex's would have announced first (when the invite
  // was made, before Sam's device joined), so it would be heard by now.
  EXPECT_FALSE(network.AwaitFromPort(ListenPort(sam_), std::chrono::seconds(90)).empty());
  EXPECT_EQ(network.ports_heard().count(ListenPort(alex_laptop_)), 0u);
  EXPECT_EQ(SyncStatusOf(alex_laptop_).lan_discovery().sent(), 0u);
}

}  // namespace
}  // namespace attune::testing

int main(int argc, char** argv) {
  // Before any thread: the daemons this test starts inherit the namespace.
  attune::testing::g_no_namespace = attune::testing::EnterOwnNetwork();
  if (attune::testing::g_no_namespace.empty()) {
    attune::testing::g_no_second_network = attune::testing::MakeSecondNetwork();
  }
  ::testing::InitGoogleTest(&argc, argv);
  if (sodium_init() < 0) return 1;
  return RUN_ALL_TESTS();
}
