// A stranger floods the peer port, on loopback only: hundreds of idle TCP
// connections from many addresses, and a TLS client with a certificate of its
// own making that opens silent Sync streams. The daemon keeps serving its
// owner during and after, holds no more than the caps SECURITY.md states
// ("Availability"), and takes a partner on the peer port again afterwards.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api_helpers.h"
#include "attune/v1/sync.grpc.pb.h"
#include "daemon/sync/invites.h"
#include "daemon/sync/tls_credentials.h"
#include "daemon/sync/tls_identity.h"
#include "sync_support.h"
#include "tests/support/test_keys.h"

namespace attune::testing {
namespace {

using ::testing::HasSubstr;

// The caps daemon/sync/peer_manager.cc sets (SECURITY.md, "Availability").
constexpr size_t kMaxConnections = 128;
constexpr size_t kMaxPerAddress = 16;
constexpr size_t kMaxStrangerStreams = 8;
constexpr size_t kMaxPeerThreads = 64;

size_t OpenFiles(pid_t pid) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

size_t Threads(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoul(line.substr(8));
  }
  return 0;
}

// A connection from `source` (a loopback address) that says nothing.
int IdleConnection(const std::string& source, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof(from)) != 0 ||
      (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0 && errno != EINPROGRESS)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

class PeerFloodTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(StartPeer(alex_, "Alex"));
    // An open invite starts the peer listener.
    v1::Invite invite;
    ASSERT_OK(
        v1::SpaceService::NewStub(alex_.channel())
            ->CreateInvite(DaemonHarness::Context().get(), v1::CreateInviteRequest(), &invite));
    auto code = DecodeInviteCode(invite.code());
    ASSERT_TRUE(code.ok());
    alex_device_ = code->inviter_device();
    address_ = code->addresses(0);
    port_ = std::stoi(address_.substr(address_.rfind(':') + 1));
  }

  // The owner's own call, on the client socket, answered in good time.
  bool OwnerServed() {
    v1::VaultStatus status;
    return alex_.GetStatus(&status).ok() && status.state() == v1::VaultStatus::STATE_UNLOCKED;
  }

  DaemonHarness alex_;
  std::string alex_device_;
  std::string address_;
  int port_ = 0;
};

TEST_F(PeerFloodTest, IdleConnectionsPastTheCapsAreClosedAndThePortTakesAPartnerAfterwards) {
  // Few descriptors, as under systemd's default, so that a daemon without
  // caps runs out (gRPC's accept loop then stopped for good).
  struct rlimit few {
    400, 400
  };
  ASSERT_EQ(::prlimit(alex_.pid(), RLIMIT_NOFILE, &few, nullptr), 0);
  const size_t before = OpenFiles(alex_.pid());

  // 600 connections from 30 addresses: past the cap per address and in all.
  std::vector<int> flood;
  for (int a = 0; a < 30; ++a) {
    for (size_t i = 0; i < kMaxPerAddress + 4; ++i) {
      int fd = IdleConnection("127.0.0." + std::to_string(2 + a), port_);
      if (fd >= 0) flood.push_back(fd);
    }
    ASSERT_TRUE(OwnerServed()) << "after " << flood.size() << " connections";
  }
  EXPECT_GE(flood.size(), 500u);
  // Once it has turned connections away, the daemon holds no more than its
  // caps, and the owner is served meanwhile.
  EXPECT_TRUE(Await([&] {
    return alex_.StderrSinceStart().find("peer port: refused a connection") != std::string::npos;
  })) << alex_.StderrSinceStart();
  EXPECT_TRUE(OwnerServed());
  EXPECT_LE(OpenFiles(alex_.pid()), before + kMaxConnections + 8);
  for (int fd : flood) ::close(fd);

  // Afterwards a partner pairs and syncs over the same port.
  DaemonHarness sam;
  ASSERT_TRUE(StartPeer(sam, "Sam"));
  CliResult joined;
  ASSERT_TRUE(Await(
      [&] {
        joined = PairWithCli(alex_, sam);
        return joined.exit_code == 0;
      },
      std::chrono::seconds(60)))
      << joined.out;
  ASSERT_OK(WriteCheckIn(alex_, "2026-12-01", "the port took Sam after the flood"));
  EXPECT_TRUE(Await([&] { return CheckInDigest(sam).size() == 1; }, std::chrono::seconds(60)));
  EXPECT_TRUE(OwnerServed());
}

TEST_F(PeerFloodTest, AStrangersSilentStreamsAreFewAndEndWithoutAHello) {
  auto stranger = MakeTlsIdentity(*NewKeys("Stranger"));
  ASSERT_TRUE(stranger.ok());
  const size_t threads_before = Threads(alex_.pid());

  // 24 connections (a channel each) of 4 streams: 96 silent Sync streams
  // from one address.
  struct Silent {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReaderWriter<v1::SyncMessage, v1::SyncMessage>> stream;
    grpc::Status ended;
  };
  std::vector<std::unique_ptr<Silent>> calls;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int c = 0; c < 24; ++c) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetSslTargetNameOverride(PeerTargetName(alex_device_));
    channels.push_back(
        grpc::CreateCustomChannel(address_, PeerChannelCredentials(*stranger, alex_device_), args));
    auto stub = v1::PeerService::NewStub(channels.back());
    for (int s = 0; s < 4; ++s) {
      auto call = std::make_unique<Silent>();
      call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
      call->stream = stub->Sync(&call->context);
      calls.push_back(std::move(call));
    }
  }
  std::vector<std::thread> readers;
  std::atomic<size_t> ended{0};
  for (auto& call : calls) {
    readers.emplace_back([&ended, c = call.get()] {
      v1::SyncMessage m;
      while (c->stream->Read(&m)) {
      }
      c->ended = c->stream->Finish();
      ++ended;
    });
  }
  // While they are open the owner is served, and the daemon's threads stay
  // within the peer port's quota.
  EXPECT_TRUE(OwnerServed());
  EXPECT_LE(Threads(alex_.pid()), threads_before + kMaxPeerThreads + 8);
  // No stream outlives the Hello deadline (10 s); a generous wait.
  EXPECT_TRUE(Await([&] { return ended.load() == calls.size(); }, std::chrono::seconds(90)))
      << ended.load() << " of " << calls.size() << " ended";
  for (auto& c : calls) c->context.TryCancel();
  for (auto& t : readers) t.join();
  size_t exhausted = 0, late = 0;
  for (auto& c : calls) {
    EXPECT_FALSE(c->ended.ok());
    exhausted += c->ended.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
    late += c->ended.error_code() == grpc::StatusCode::CANCELLED;
  }
  EXPECT_GE(exhausted, 1u);
  EXPECT_LE(late, kMaxStrangerStreams) << "streams held until the Hello deadline";
  EXPECT_THAT(alex_.StderrSinceStart(), HasSubstr("sent no Hello within"));
  EXPECT_TRUE(OwnerServed());
}

}  // namespace
}  // namespace attune::testing
