#include "fault_proxy.h"

#include <algorithm>
#include <array>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <utility>
#include <vector>

// After <utility>: Boost 1.74's awaitable.hpp uses std::exchange without it.
#include <boost/asio.hpp>

namespace attune::testing {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

constexpr size_t kReadBytes = 16 * 1024;

}  // namespace

class FaultProxy::Impl {
 public:
  explicit Impl(uint32_t seed);
  ~Impl();

  uint16_t port() const { return port_; }

  // Configuration, read by the I/O thread on every event.
  struct Config {
    uint16_t target = 0;
    std::chrono::milliseconds delay_min{0}, delay_max{0};
    size_t max_piece = 0;
    double reorder = 0;
    uint64_t cut_min = 0, cut_max = 0;
    std::map<std::string, Link> links;
    Classifier classifier;
  };
  template <typename Fn>
  void Configure(Fn&& fn) {
    std::lock_guard<std::mutex> lock(mu_);
    fn(config_);
  }
  // Runs fn on the I/O thread and returns once it ran.
  void RunOnIo(std::function<void()> fn);
  // Applies the links to the open connections (on the I/O thread).
  void ApplyLinks();
  void DropAll();

  Stats stats() {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }
  size_t open() {
    size_t n = 0;
    RunOnIo([&] { n = conns_.size(); });
    return n;
  }

 private:
  class Connection;
  friend class Connection;

  void Accept();
  void OnAccepted(tcp::socket socket);
  Link LinkFor(const std::string& source) const;  // mu_ held
  std::chrono::milliseconds Delay();
  std::vector<std::string> Cut(std::string bytes);
  void Forget(const std::shared_ptr<Connection>& c) { conns_.erase(c); }
  void Count(uint64_t Stats::*field, uint64_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.*field += n;
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::thread::id io_thread_;
  bool stopping_ = false;                        // I/O thread only
  std::set<std::shared_ptr<Connection>> conns_;  // I/O thread only

  std::mutex mu_;
  Config config_;
  Stats stats_;
  std::mt19937 rng_;
};

// One proxied connection: the client's socket, the upstream socket, and the
// bytes on their way in each direction.
class FaultProxy::Impl::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Impl* proxy, tcp::socket client, std::string source, uint64_t cut_at)
      : proxy_(proxy),
        client_(std::move(client)),
        upstream_(proxy->io_),
        source_(std::move(source)),
        cut_at_(cut_at),
        up_(&client_, &upstream_, proxy->io_),
        down_(&upstream_, &client_, proxy->io_) {}

  const std::string& source() const { return source_; }
  bool held() const { return held_; }

  void Start(uint16_t target, bool held) {
    target_ = target;
    held_ = held;
    Read(up_);
    if (!held_) Connect();
  }

  void Hold() { held_ = true; }

  void Release() {
    if (closed_ || !held_) return;
    held_ = false;
    if (!connected_) {
      Connect();
    } else {
      Pump(up_);
      Pump(down_);
    }
  }

  // Closes both sockets; abruptly (RST) unless `graceful`.
  void Close(bool graceful) {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    for (tcp::socket* s : {&client_, &upstream_}) {
      if (!s->is_open()) continue;
      if (!graceful) s->set_option(asio::socket_base::linger(true, 0), ignored);
      s->close(ignored);
    }
    up_.timer.cancel();
    down_.timer.cancel();
    proxy_->Forget(shared_from_this());
  }

 private:
  struct Piece {
    SteadyClock::time_point due;
    std::string bytes;
  };
  struct Direction {
    Direction(tcp::socket* f, tcp::socket* t, asio::io_context& io) : from(f), to(t), timer(io) {}
    tcp::socket* from;
    tcp::socket* to;
    asio::steady_timer timer;
    std::array<char, kReadBytes> buffer{};
    std::deque<Piece> queue;
    std::string in_flight;
    SteadyClock::time_point last_due{};
    bool writing = false;
    bool eof = false;
    bool shut = false;
  };

  void Connect() {
    auto self = shared_from_this();
    upstream_.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), target_),
                            [this, self](const boost::system::error_code& ec) {
                              if (closed_) return;
                              if (ec) {
                                Close(false);
                                return;
                              }
                              boost::system::error_code ignored;
                              upstream_.set_option(tcp::no_delay(true), ignored);
                              connected_ = true;
                              Read(down_);
                              Pump(up_);
                            });
  }

  void Read(Direction& d) {
    auto self = shared_from_this();
    d.from->async_read_some(
        asio::buffer(d.buffer), [this, self, &d](const boost::system::error_code& ec, size_t n) {
          if (closed_) return;
          if (ec) {
            if (ec == asio::error::eof) {
              d.eof = true;
              Pump(d);
            } else {
              Close(false);
            }
            return;
          }
          auto now = SteadyClock::now();
          for (std::string& piece : proxy_->Cut(std::string(d.buffer.data(), n))) {
            auto due = std::max(now + proxy_->Delay(), d.last_due);
            d.last_due = due;
            d.queue.push_back({due, std::move(piece)});
          }
          Pump(d);
          Read(d);
        });
  }

  // Writes the next piece that is due, unless held, busy or not connected.
  void Pump(Direction& d) {
    if (closed_ || d.writing || held_ || !connected_) return;
    if (d.queue.empty()) {
      if (d.eof && !d.shut) {
        d.shut = true;
        boost::system::error_code ignored;
        d.to->shutdown(tcp::socket::shutdown_send, ignored);
        if (up_.shut && down_.shut) Close(true);
      }
      return;
    }
    auto self = shared_from_this();
    Piece& next = d.queue.front();
    if (next.due > SteadyClock::now()) {
      d.writing = true;
      d.timer.expires_at(next.due);
      d.timer.async_wait([this, self, &d](const boost::system::error_code&) {
        d.writing = false;
        Pump(d);
      });
      return;
    }
    // The other direction's write ends the connection at the cut.
    if (cut_at_ > 0 && scheduled_ >= cut_at_) return;
    d.in_flight = std::move(next.bytes);
    d.queue.pop_front();
    bool cut = false;
    if (cut_at_ > 0 && scheduled_ + d.in_flight.size() >= cut_at_) {
      d.in_flight.resize(cut_at_ - scheduled_);
      cut = true;
    }
    scheduled_ += d.in_flight.size();
    d.writing = true;
    asio::async_write(*d.to, asio::buffer(d.in_flight),
                      [this, self, &d, cut](const boost::system::error_code& ec, size_t n) {
                        d.writing = false;
                        if (closed_) return;
                        proxy_->Count(&Stats::bytes, n);
                        if (ec) {
                          Close(false);
                        } else if (cut) {
                          proxy_->Count(&Stats::cut, 1);
                          Close(false);
                        } else {
                          Pump(d);
                        }
                      });
  }

  Impl* const proxy_;
  tcp::socket client_;
  tcp::socket upstream_;
  const std::string source_;
  const uint64_t cut_at_;
  uint16_t target_ = 0;
  uint64_t scheduled_ = 0;  // bytes handed to writes, both directions
  bool held_ = false;
  bool connected_ = false;
  bool closed_ = false;
  Direction up_;    // client -> upstream
  Direction down_;  // upstream -> client
};

FaultProxy::Impl::Impl(uint32_t seed)
    : guard_(asio::make_work_guard(io_)), acceptor_(io_), rng_(seed) {
  tcp::endpoint endpoint(asio::ip::address_v4::loopback(), 0);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  Accept();
  thread_ = std::thread([this] { io_.run(); });
  io_thread_ = thread_.get_id();
}

FaultProxy::Impl::~Impl() {
  RunOnIo([this] {
    stopping_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    auto conns = conns_;
    for (const auto& c : conns) c->Close(false);
  });
  guard_.reset();
  thread_.join();
}

void FaultProxy::Impl::RunOnIo(std::function<void()> fn) {
  if (std::this_thread::get_id() == io_thread_) {
    fn();
    return;
  }
  std::promise<void> done;
  asio::post(io_, [&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

void FaultProxy::Impl::Accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (stopping_) return;
    if (!ec) OnAccepted(std::move(socket));
    Accept();
  });
}

FaultProxy::Link FaultProxy::Impl::LinkFor(const std::string& source) const {
  auto it = config_.links.find(source);
  if (it == config_.links.end()) it = config_.links.find("");
  return it == config_.links.end() ? Link::kOpen : it->second;
}

void FaultProxy::Impl::OnAccepted(tcp::socket socket) {
  boost::system::error_code ec;
  uint16_t client_port = socket.remote_endpoint(ec).port();
  if (ec) return;
  socket.set_option(tcp::no_delay(true), ec);
  Classifier classify;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.accepted;
    classify = config_.classifier;
  }
  // Outside the lock: a classifier may take a while (it reads /proc).
  std::string source = classify ? classify(client_port) : std::string();
  Link link;
  uint16_t target;
  uint64_t cut_at = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    link = LinkFor(source);
    target = config_.target;
    if (config_.cut_max > 0) {
      cut_at = std::uniform_int_distribution<uint64_t>(config_.cut_min, config_.cut_max)(rng_);
    }
    if (link == Link::kRefuse || target == 0) ++stats_.refused;
  }
  if (link == Link::kRefuse || target == 0) {
    socket.set_option(asio::socket_base::linger(true, 0), ec);
    socket.close(ec);
    return;
  }
  auto c = std::make_shared<Connection>(this, std::move(socket), std::move(source), cut_at);
  conns_.insert(c);
  c->Start(target, link == Link::kBlackhole);
}

std::chrono::milliseconds FaultProxy::Impl::Delay() {
  std::lock_guard<std::mutex> lock(mu_);
  if (config_.delay_max.count() <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(
      config_.delay_min.count(), config_.delay_max.count())(rng_));
}

std::vector<std::string> FaultProxy::Impl::Cut(std::string bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> pieces;
  if (config_.max_piece == 0) {
    pieces.push_back(std::move(bytes));
  } else {
    for (size_t at = 0; at < bytes.size();) {
      size_t n = std::uniform_int_distribution<size_t>(1, config_.max_piece)(rng_);
      pieces.push_back(bytes.substr(at, n));
      at += n;
    }
  }
  if (pieces.size() >= 2 && config_.reorder > 0 &&
      std::bernoulli_distribution(config_.reorder)(rng_)) {
    size_t i = std::uniform_int_distribution<size_t>(0, pieces.size() - 2)(rng_);
    std::swap(pieces[i], pieces[i + 1]);
    ++stats_.reordered;
  }
  return pieces;
}

void FaultProxy::Impl::ApplyLinks() {
  RunOnIo([this] {
    auto conns = conns_;
    for (const auto& c : conns) {
      Link link;
      {
        std::lock_guard<std::mutex> lock(mu_);
        link = LinkFor(c->source());
      }
      switch (link) {
        case Link::kRefuse:
          Count(&Stats::cut, 1);
          c->Close(false);
          break;
        case Link::kBlackhole:
          c->Hold();
          break;
        case Link::kOpen:
          c->Release();
          break;
      }
    }
  });
}

void FaultProxy::Impl::DropAll() {
  RunOnIo([this] {
    auto conns = conns_;
    for (const auto& c : conns) {
      Count(&Stats::cut, 1);
      c->Close(false);
    }
  });
}

// --- FaultProxy ----------------------------------------------------------------

FaultProxy::FaultProxy(uint32_t seed) : impl_(std::make_unique<Impl>(seed)) {
  port_ = impl_->port();
}

FaultProxy::~FaultProxy() = default;

std::string FaultProxy::address() const { return "127.0.0.1:" + std::to_string(port_); }

void FaultProxy::SetTarget(uint16_t port) {
  impl_->Configure([&](Impl::Config& c) { c.target = port; });
}

void FaultProxy::SetDelay(std::chrono::milliseconds min, std::chrono::milliseconds max) {
  impl_->Configure([&](Impl::Config& c) {
    c.delay_min = min;
    c.delay_max = std::max(min, max);
  });
}

void FaultProxy::SetRechunk(size_t max_piece) {
  impl_->Configure([&](Impl::Config& c) { c.max_piece = max_piece; });
}

void FaultProxy::SetReorder(double probability) {
  impl_->Configure([&](Impl::Config& c) { c.reorder = probability; });
}

void FaultProxy::SetCutAfter(uint64_t min_bytes, uint64_t max_bytes) {
  impl_->Configure([&](Impl::Config& c) {
    c.cut_min = std::max<uint64_t>(1, min_bytes);
    c.cut_max = max_bytes == 0 ? 0 : std::max(c.cut_min, max_bytes);
  });
}

void FaultProxy::ClearFaults() {
  impl_->Configure([](Impl::Config& c) {
    c.delay_min = c.delay_max = std::chrono::milliseconds(0);
    c.max_piece = 0;
    c.reorder = 0;
    c.cut_min = c.cut_max = 0;
  });
}

void FaultProxy::DropAll() { impl_->DropAll(); }

void FaultProxy::SetLink(const std::string& source, Link link) {
  impl_->Configure([&](Impl::Config& c) { c.links[source] = link; });
  impl_->ApplyLinks();
}

void FaultProxy::HealAll() {
  impl_->Configure([](Impl::Config& c) { c.links.clear(); });
  impl_->ApplyLinks();
}

void FaultProxy::SetClassifier(Classifier classifier) {
  impl_->Configure([&](Impl::Config& c) { c.classifier = std::move(classifier); });
  impl_->RunOnIo([] {});  // a call of the old one in progress has ended
}

FaultProxy::Stats FaultProxy::stats() const { return impl_->stats(); }

size_t FaultProxy::open_connections() const { return impl_->open(); }

}  // namespace attune::testing
