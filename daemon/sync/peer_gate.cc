#include "daemon/sync/peer_gate.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "daemon/base/log.h"

namespace attune {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// How long the gate waits before accepting again when the process is out of
// descriptors (or memory): long enough not to spin, short enough that a
// partner's next dial gets in.
constexpr auto kRetryAfterExhaustion = std::chrono::milliseconds(100);

bool IsExhaustion(const boost::system::error_code& ec) {
  const int v = ec.value();
  return v == EMFILE || v == ENFILE || v == ENOBUFS || v == ENOMEM;
}

}  // namespace

PeerGate::PeerGate(GateLimits limits) : limits_(limits), acceptor_(io_), retry_(io_) {}

absl::StatusOr<std::unique_ptr<PeerGate>> PeerGate::Listen(const std::string& host, int port,
                                                           GateLimits limits) {
  std::unique_ptr<PeerGate> gate(new PeerGate(limits));
  std::string name = host;
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);
  }
  if (name.empty()) name = "0.0.0.0";
  boost::system::error_code ec;
  tcp::resolver resolver(gate->io_);
  auto found = resolver.resolve(name, std::to_string(port), tcp::resolver::passive, ec);
  if (ec || found.empty()) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for peers on ", host, ":", port, ": ", ec.message()));
  }
  const tcp::endpoint at = found.begin()->endpoint();
  auto fail = [&](const char* step) {
    return absl::UnavailableError(absl::StrCat("cannot listen for peers on ", host, ":", port, " (",
                                               step, "): ", ec.message()));
  };
  if (gate->acceptor_.open(at.protocol(), ec); ec) return fail("socket");
  ::fcntl(gate->acceptor_.native_handle(), F_SETFD, FD_CLOEXEC);
  if (gate->acceptor_.set_option(tcp::acceptor::reuse_address(true), ec); ec) {
    return fail("SO_REUSEADDR");
  }
  if (at.address().is_v6() && at.address().is_unspecified()) {
    // "[::]" means every interface, IPv4 included, as it did for gRPC.
    gate->acceptor_.set_option(asio::ip::v6_only(false), ec);
  }
  if (gate->acceptor_.bind(at, ec); ec) return fail("bind");
  if (gate->acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return fail("listen");
  }
  gate->port_ = gate->acceptor_.local_endpoint(ec).port();
  if (ec) return fail("local address");
  return gate;
}

PeerGate::~PeerGate() { Stop(); }

void PeerGate::Start(std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> to) {
  to_ = std::move(to);
  Accept();
  thread_ = std::thread([this] { io_.run(); });
}

void PeerGate::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  asio::post(io_, [this] {
    boost::system::error_code ignored;
    retry_.cancel();
    acceptor_.close(ignored);
  });
  if (thread_.joinable()) thread_.join();
  io_.stop();
}

void PeerGate::Accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      if (IsExhaustion(ec)) {
        static std::atomic<int64_t> last_logged{0};
        const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::steady_clock::now().time_since_epoch())
                                .count();
        if (now - last_logged.exchange(now) >= 60) {
          LogWarning(
              absl::StrCat("peer port: cannot accept (", ec.message(), "); trying again shortly"));
        }
        retry_.expires_after(kRetryAfterExhaustion);
        retry_.async_wait([this](const boost::system::error_code& e) {
          if (!e) Accept();
        });
        return;
      }
      Accept();  // one failed connection (reset before accept): the next
      return;
    }
    OnAccepted(std::move(socket));
    Accept();
  });
}

void PeerGate::OnAccepted(tcp::socket socket) {
  boost::system::error_code ec;
  const tcp::endpoint from = socket.remote_endpoint(ec);
  if (ec) return;  // gone already
  asio::ip::address address = from.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  const std::string who = address.to_string();
  {
    absl::MutexLock lock(&mu_);
    Sweep();
    const size_t from_there = static_cast<size_t>(std::count_if(
        handed_.begin(), handed_.end(), [&](const Handed& h) { return h.address == who; }));
    if (handed_.size() >= limits_.max_connections || from_there >= limits_.max_per_address) {
      // Closed as `socket` goes out of scope. Logged at the first refusal
      // and then at every 1000th, so a flood cannot fill the log.
      if (refused_++ % 1000 == 0) {
        LogWarning(absl::StrCat("peer port: refused a connection from ", who, " (", from_there,
                                " open from there, ", handed_.size(), " in all; at most ",
                                limits_.max_per_address, " and ", limits_.max_connections, ")"));
      }
      return;
    }
  }
  const int fd = socket.release(ec);
  if (ec || fd < 0) return;
  // What gRPC's own accept does to a socket before it uses it.
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return;
  }
  {
    absl::MutexLock lock(&mu_);
    handed_.push_back(Handed{fd, st.st_dev, st.st_ino, who});
  }
  grpc::experimental::ExternalConnectionAcceptor::NewConnectionParameters p;
  p.listener_fd = acceptor_.native_handle();
  p.fd = fd;
  to_->HandleNewConnection(&p);  // gRPC owns fd now, and closes it
}

void PeerGate::Sweep() {
  handed_.erase(std::remove_if(handed_.begin(), handed_.end(),
                               [](const Handed& h) {
                                 struct stat st {};
                                 return ::fstat(h.fd, &st) != 0 || st.st_dev != h.dev ||
                                        st.st_ino != h.ino;
                               }),
                handed_.end());
}

PeerGate::Counts PeerGate::counts() {
  absl::MutexLock lock(&mu_);
  Sweep();
  return Counts{handed_.size(), refused_};
}

}  // namespace attune
