// The fault proxy itself, in front of an echo server on 127.0.0.1: what it
// forwards arrives whole and in order however it is delayed and re-cut; it
// cuts, refuses, blackholes and heals as told, per source process.
#include "fault_proxy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "socket_owner.h"
#include "sync_support.h"

namespace attune::testing {
namespace {

using std::chrono::milliseconds;

// Echoes every connection's bytes back, one thread per connection.
class EchoServer {
 public:
  EchoServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "echo server: " << std::strerror(errno);
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      while (true) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        if (stopping_) {
          ::close(c);
          return;
        }
        workers_.emplace_back([c] {
          char buf[8192];
          ssize_t n;
          while ((n = ::read(c, buf, sizeof buf)) > 0) {
            for (ssize_t at = 0; at < n;) {
              ssize_t w = ::write(c, buf + at, static_cast<size_t>(n - at));
              if (w <= 0) break;
              at += w;
            }
          }
          ::close(c);
        });
      }
    });
  }
  ~EchoServer() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    for (auto& w : workers_) w.join();
  }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::vector<std::thread> workers_;
};

int Connect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads until `n` bytes came, the stream ended, or `timeout` passed.
std::string ReadUpTo(int fd, size_t n, milliseconds timeout) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < n) {
    auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[8192];
    ssize_t r = ::read(fd, buf, std::min(sizeof buf, n - out.size()));
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

bool WriteAll(int fd, const std::string& bytes) {
  for (size_t at = 0; at < bytes.size();) {
    ssize_t w = ::send(fd, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
    if (w <= 0) return false;
    at += static_cast<size_t>(w);
  }
  return true;
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

// Whether the connection was closed by the other side (EOF or reset).
bool Closed(int fd, milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char c;
  return ::recv(fd, &c, 1, MSG_PEEK) <= 0;
}

TEST(FaultProxyTest, DelayedAndRecutBytesArriveWholeAndInOrder) {
  EchoServer echo;
  FaultProxy proxy(1);
  proxy.SetTarget(echo.port());
  proxy.SetDelay(milliseconds(0), milliseconds(3));
  proxy.SetRechunk(97);
  int fd = Connect(proxy.port());
  ASSERT_GE(fd, 0);
  const std::string sent = RandomBytes(200 * 1024, 7);
  std::thread writer([&] { EXPECT_TRUE(WriteAll(fd, sent)); });
  std::string got = ReadUpTo(fd, sent.size(), milliseconds(60000));
  writer.join();
  EXPECT_EQ(got.size(), sent.size());
  EXPECT_TRUE(got == sent) << "bytes changed or out of order";
  // The proxy counts a write once its completion ran, maybe after the echo
  // arrived here.
  EXPECT_TRUE(Await([&] { return proxy.stats().bytes == 2 * sent.size(); })) << proxy.stats().bytes;
  ::close(fd);
}

TEST(FaultProxyTest, ReorderingSwapsPiecesButLosesNothing) {
  EchoServer echo;
  FaultProxy proxy(2);
  proxy.SetTarget(echo.port());
  proxy.SetRechunk(16);
  proxy.SetReorder(1.0);
  int fd = Connect(proxy.port());
  ASSERT_GE(fd, 0);
  const std::string sent = RandomBytes(4096, 9);
  ASSERT_TRUE(WriteAll(fd, sent));
  std::string got = ReadUpTo(fd, sent.size(), milliseconds(10000));
  ASSERT_EQ(got.size(), sent.size());
  EXPECT_NE(got, sent);
  std::string a = got, b = sent;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);
  EXPECT_GE(proxy.stats().reordered, 1u);
  ::close(fd);
}

TEST(FaultProxyTest, CutsAConnectionAfterSomeBytes) {
  EchoServer echo;
  FaultProxy proxy(3);
  proxy.SetTarget(echo.port());
  proxy.SetCutAfter(3000, 3000);
  int fd = Connect(proxy.port());
  ASSERT_GE(fd, 0);
  const std::string sent = RandomBytes(10000, 11);
  WriteAll(fd, sent);  // may fail once the proxy cut
  std::string got = ReadUpTo(fd, sent.size(), milliseconds(10000));
  // 3000 bytes delivered in all: what went to the echo server plus what came back.
  EXPECT_LT(got.size(), 3000u);
  EXPECT_EQ(got, sent.substr(0, got.size()));
  EXPECT_TRUE(Closed(fd, milliseconds(10000)));
  EXPECT_TRUE(Await([&] { return proxy.stats().cut == 1; }));
  EXPECT_EQ(proxy.stats().bytes, 3000u);
  ::close(fd);

  // New connections get their own budget; ClearFaults lifts it.
  proxy.ClearFaults();
  fd = Connect(proxy.port());
  ASSERT_TRUE(WriteAll(fd, sent));
  EXPECT_EQ(ReadUpTo(fd, sent.size(), milliseconds(10000)), sent);
  ::close(fd);
}

TEST(FaultProxyTest, RefusesAndBlackholesPerSourceThenHeals) {
  EchoServer echo;
  FaultProxy proxy(4);
  proxy.SetTarget(echo.port());
  const pid_t self = ::getpid();
  proxy.SetClassifier([&](uint16_t client_port) {
    return LoopbackClientOwner(client_port, proxy.port(), {self}) == self ? "me" : "stranger";
  });
  // An open connection, then a partition: it is cut and new ones refused.
  int open = Connect(proxy.port());
  ASSERT_TRUE(WriteAll(open, "hello"));
  ASSERT_EQ(ReadUpTo(open, 5, milliseconds(10000)), "hello");
  proxy.SetLink("me", FaultProxy::Link::kRefuse);
  EXPECT_TRUE(Closed(open, milliseconds(10000)));
  ::close(open);
  int refused = Connect(proxy.port());
  if (refused >= 0) {
    EXPECT_TRUE(Closed(refused, milliseconds(10000)));
    ::close(refused);
  }
  EXPECT_GE(proxy.stats().refused, 1u);
  // A link of another source does not apply to this one.
  proxy.SetLink("me", FaultProxy::Link::kOpen);
  proxy.SetLink("stranger", FaultProxy::Link::kRefuse);
  int fd = Connect(proxy.port());
  ASSERT_TRUE(WriteAll(fd, "again"));
  EXPECT_EQ(ReadUpTo(fd, 5, milliseconds(10000)), "again");

  // Blackholed: bytes are held, nothing comes back, nothing is closed…
  proxy.SetLink("me", FaultProxy::Link::kBlackhole);
  int held = Connect(proxy.port());
  ASSERT_TRUE(WriteAll(held, "held bytes"));
  ASSERT_TRUE(WriteAll(fd, "held too"));
  EXPECT_EQ(ReadUpTo(held, 10, milliseconds(300)), "");
  EXPECT_EQ(ReadUpTo(fd, 8, milliseconds(300)), "");
  // …until healed: then everything held is delivered.
  proxy.HealAll();
  EXPECT_EQ(ReadUpTo(held, 10, milliseconds(10000)), "held bytes");
  EXPECT_EQ(ReadUpTo(fd, 8, milliseconds(10000)), "held too");
  EXPECT_EQ(proxy.open_connections(), 2u);
  proxy.DropAll();
  EXPECT_TRUE(Closed(held, milliseconds(10000)));
  EXPECT_TRUE(Closed(fd, milliseconds(10000)));
  EXPECT_EQ(proxy.open_connections(), 0u);
  ::close(held);
  ::close(fd);
}

TEST(FaultProxyTest, WithoutATargetConnectionsAreRefused) {
  FaultProxy proxy(5);
  int fd = Connect(proxy.port());
  if (fd >= 0) {
    EXPECT_TRUE(Closed(fd, milliseconds(10000)));
    ::close(fd);
  }
  EXPECT_EQ(proxy.stats().refused, 1u);
}

}  // namespace
}  // namespace attune::testing
