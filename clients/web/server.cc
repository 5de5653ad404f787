#include "clients/web/server.h"

#include <array>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <limits>
#include <list>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/web/connect_protocol.h"
#include "clients/web/request_guard.h"

namespace attune::web {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// On every answer: the page runs only its own scripts and styles, talks
// only to this origin, is never framed, sniffed or cached, and sends no
// Referer anywhere.
constexpr char kContentSecurityPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

template <typename Body>
void SetCommonHeaders(http::response<Body>& res) {
  res.set("Content-Security-Policy", kContentSecurityPolicy);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Frame-Options", "DENY");
  res.set("Cross-Origin-Opener-Policy", "same-origin");
  res.set("Cross-Origin-Resource-Policy", "same-origin");
  res.set(http::field::cache_control, "no-store");
}

absl::string_view Header(const http::request<http::string_body>& req, http::field field) {
  auto it = req.find(field);
  if (it == req.end()) return {};
  return absl::string_view(it->value().data(), it->value().size());
}

absl::string_view Header(const http::request<http::string_body>& req, absl::string_view name) {
  auto it = req.find(beast::string_view(name.data(), name.size()));
  if (it == req.end()) return {};
  return absl::string_view(it->value().data(), it->value().size());
}

}  // namespace

struct Server::Shared {
  Shared(net::io_context& io, ServerConfig config, const MethodTable& methods,
         const StaticFiles& files, DaemonBridge& bridge)
      : io(io), config(std::move(config)), methods(methods), files(files), bridge(bridge) {}

  void Log(absl::string_view line) const {
    if (config.log) config.log(line);
  }

  net::io_context& io;
  const ServerConfig config;
  const MethodTable& methods;
  const StaticFiles& files;
  DaemonBridge& bridge;
  uint16_t port = 0;
  int connections = 0;
  std::list<std::weak_ptr<Session>> sessions;
};

class Server::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Shared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {
    ++shared_->connections;
  }

  ~Session() {
    --shared_->connections;
    if (call_) call_->Cancel();
  }

  void Run() { Read(); }

  bool trusted() const { return trusted_; }
  bool closed() const { return closed_; }

  void Close() {
    if (closed_) return;
    closed_ = true;
    if (call_) call_->Cancel();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

 private:
  using Response = http::response<http::string_body>;

  void Read() {
    if (closed_) return;
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(shared_->config.limits.max_header_bytes));
    // Checked by OnHeader() against the stated length, then by the parser
    // for a chunked body.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    stream_.expires_after(absl::ToChronoMilliseconds(shared_->config.limits.read_timeout));
    // The head first, so a body too large is refused by its stated length,
    // with the head known, before any of it is read.
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (closed_) return;
    if (ec == http::error::header_limit) {
      return Refuse(http::status::request_header_fields_too_large,
                    absl::ResourceExhaustedError("the request's headers are too long"));
    }
    if (ec) return Close();  // the peer left, timed out, or sent no HTTP
    request_ = {};
    request_.base() = parser_->get().base();
    if (const auto length = parser_->content_length();
        length && *length > shared_->config.limits.max_body_bytes) {
      return RefuseBodyTooLarge();
    }
    parser_->body_limit(shared_->config.limits.max_body_bytes);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (closed_) return;
    if (ec == http::error::body_limit) return RefuseBodyTooLarge();
    if (ec) return Close();
    request_ = parser_->release();
    Handle();
  }

  void RefuseBodyTooLarge() {
    Refuse(http::status::payload_too_large,
           absl::ResourceExhaustedError(absl::StrCat(
               "the request's body is over ", shared_->config.limits.max_body_bytes, " bytes")));
  }

  void Handle() {
    if (absl::Status host = CheckHost(Header(request_, http::field::host), shared_->port);
        !host.ok()) {
      return Refuse(http::status::forbidden, host);
    }
    const absl::string_view target(request_.target().data(), request_.target().size());
    if (absl::StartsWith(target, "/attune.")) return HandleApi(target);
    if (request_.method() != http::verb::get) {
      return Refuse(http::status::method_not_allowed,
                    absl::InvalidArgumentError("the page's files are read with GET"));
    }
    const StaticFile* file = shared_->files.Find(target);
    if (file == nullptr) {
      return Refuse(http::status::not_found, absl::NotFoundError("attune-web has no such page"));
    }
    auto res = std::make_shared<Response>(http::status::ok, request_.version());
    res->set(http::field::content_type, file->content_type);
    res->body() = file->body;
    Send(std::move(res));
  }

  void HandleApi(absl::string_view path) {
    if (request_.method() != http::verb::post) {
      return Refuse(http::status::method_not_allowed,
                    absl::InvalidArgumentError("API calls are made with POST"));
    }
    if (absl::Status origin = CheckOrigin(Header(request_, http::field::origin), shared_->port);
        !origin.ok()) {
      return Refuse(http::status::forbidden, origin);
    }
    if (absl::Status token =
            CheckToken(Header(request_, http::field::authorization), shared_->config.token);
        !token.ok()) {
      return Refuse(http::status::unauthorized, token);
    }
    // This connection is the page's (or its owner's program's): never
    // evicted to make room (Server::Accept()).
    trusted_ = true;
    const Method* method = shared_->methods.Find(path);
    if (method == nullptr) {
      return Refuse(http::status::not_found,
                    absl::UnimplementedError(
                        absl::StrCat("the daemon's API has no method ", path.substr(0, 120))));
    }
    const absl::string_view type = Header(request_, http::field::content_type);
    const char* const wanted = method->server_streaming ? kStreamJson : kUnaryJson;
    if (!IsContentType(type, wanted)) {
      return Refuse(
          http::status::unsupported_media_type,
          absl::InvalidArgumentError(absl::StrCat(method->path, " takes Content-Type ", wanted,
                                                  ", not '", type.substr(0, 60), "'")));
    }
    absl::Duration timeout = shared_->config.limits.call_timeout;
    if (absl::string_view value = Header(request_, "Connect-Timeout-Ms"); !value.empty()) {
      absl::StatusOr<int64_t> ms = ParseTimeoutMs(value);
      if (!ms.ok()) return Refuse(http::status::bad_request, ms.status());
      timeout = std::min(absl::Milliseconds(*ms), shared_->config.limits.max_call_timeout);
    }
    absl::string_view json = request_.body();
    std::string unwrapped;
    if (method->server_streaming) {
      absl::StatusOr<std::string> only = OnlyEnvelope(request_.body());
      if (!only.ok()) return Refuse(http::status::bad_request, only.status());
      unwrapped = *std::move(only);
      json = unwrapped;
    }
    absl::StatusOr<std::string> wire = MethodTable::RequestToWire(*method, json);
    if (!wire.ok()) return Refuse(http::status::bad_request, wire.status());
    if (method->server_streaming) return StartStream(*method, *std::move(wire));

    auto self = shared_from_this();
    shared_->bridge.Unary(method->path, *std::move(wire), timeout,
                          [self, method](absl::StatusOr<std::string> answer) {
                            net::post(self->shared_->io, [self, method, a = std::move(answer)] {
                              self->FinishUnary(*method, a);
                            });
                          });
  }

  void FinishUnary(const Method& method, const absl::StatusOr<std::string>& answer) {
    if (closed_) return;
    absl::StatusOr<std::string> json =
        answer.ok() ? MethodTable::ResponseToJson(method, *answer) : answer.status();
    if (!json.ok()) return Refuse(http::status(HttpStatusFor(json.status().code())), json.status());
    shared_->Log(absl::StrCat(method.path, " ok"));
    auto res = std::make_shared<Response>(http::status::ok, request_.version());
    res->set(http::field::content_type, kUnaryJson);
    res->body() = *std::move(json);
    Send(std::move(res));
  }

  // An error answer: Connect's JSON for an API call, else plain text.
  void Refuse(http::status status, const absl::Status& why) {
    auto res = std::make_shared<Response>(status, request_.version() ? request_.version() : 11);
    const absl::string_view target(request_.target().data(), request_.target().size());
    if (absl::StartsWith(target, "/attune.")) {
      res->set(http::field::content_type, kUnaryJson);
      res->body() = ErrorJson(why);
      shared_->Log(absl::StrCat(target.substr(0, 120), " ", ConnectCodeName(why.code())));
    } else {
      res->set(http::field::content_type, "text/plain; charset=utf-8");
      res->body() = absl::StrCat(why.message(), "\n");
    }
    if (status == http::status::method_not_allowed) {
      res->set(http::field::allow, absl::StartsWith(target, "/attune.") ? "POST" : "GET");
    }
    // After a refusal the rest of what was sent may be unread: close.
    res->keep_alive(false);
    Send(std::move(res));
  }

  void Send(std::shared_ptr<Response> res) {
    SetCommonHeaders(*res);
    if (res->result() == http::status::ok) res->keep_alive(request_.keep_alive());
    res->prepare_payload();
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, size_t) {
                        if (ec || !res->keep_alive()) return self->Close();
                        self->Read();
                      });
  }

  // A server stream: the header now, then each message the daemon sends as
  // one chunk holding one envelope, then the end-of-stream envelope.
  void StartStream(const Method& method, std::string wire) {
    stream_.expires_never();
    head_.emplace(http::status::ok, request_.version());
    SetCommonHeaders(*head_);
    head_->set(http::field::content_type, kStreamJson);
    head_->chunked(true);
    head_->keep_alive(false);
    serializer_.emplace(*head_);
    shared_->Log(absl::StrCat(method.path, " started"));
    http::async_write_header(stream_, *serializer_,
                             [self = shared_from_this(), &method, wire = std::move(wire)](
                                 beast::error_code ec, size_t) mutable {
                               if (ec) return self->Close();
                               self->WatchForHangUp();
                               self->OpenCall(method, std::move(wire));
                             });
  }

  void OpenCall(const Method& method, std::string wire) {
    if (closed_) return;
    std::weak_ptr<Session> weak = shared_from_this();
    net::io_context& io = shared_->io;
    DaemonBridge::StreamHandlers handlers;
    handlers.on_message = [weak, &io, &method](std::string message) {
      net::post(io, [weak, &method, m = std::move(message)] {
        if (auto self = weak.lock()) self->OnStreamMessage(method, m);
      });
    };
    handlers.on_done = [weak, &io, &method](absl::Status status) {
      net::post(io, [weak, &method, status] {
        if (auto self = weak.lock()) self->OnStreamDone(method, status);
      });
    };
    call_ = shared_->bridge.Stream(method.path, std::move(wire), std::move(handlers));
  }

  void OnStreamMessage(const Method& method, const std::string& message) {
    if (closed_) return;
    absl::StatusOr<std::string> json = MethodTable::ResponseToJson(method, message);
    if (!json.ok()) {
      call_->Cancel();
      return EndStream(method, json.status());
    }
    chunk_ = Envelope(0, *json);
    net::async_write(stream_, http::make_chunk(net::buffer(chunk_)),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->Close();
                       if (!self->closed_) self->call_->RequestNext();
                     });
  }

  void OnStreamDone(const Method& method, const absl::Status& status) {
    if (closed_ || ending_) return;
    EndStream(method, status);
  }

  void EndStream(const Method& method, const absl::Status& status) {
    ending_ = true;
    shared_->Log(absl::StrCat(method.path, " ended ", ConnectCodeName(status.code())));
    chunk_ = Envelope(kEndStreamFlag, EndStreamJson(status));
    net::async_write(stream_, http::make_chunk(net::buffer(chunk_)),
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->Close();
                       net::async_write(self->stream_, http::make_chunk_last(),
                                        [self](beast::error_code, size_t) { self->Close(); });
                     });
  }

  // A browser sends nothing more on a connection whose answer streams; a
  // read that ends means it closed the connection: end the call.
  void WatchForHangUp() {
    stream_.async_read_some(net::buffer(probe_),
                            [self = shared_from_this()](beast::error_code, size_t) {
                              if (!self->ending_) self->Close();
                            });
  }

  beast::tcp_stream stream_;
  std::shared_ptr<Shared> shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> request_;
  bool closed_ = false;
  // It has shown the token.
  bool trusted_ = false;

  // A server stream's state.
  std::shared_ptr<DaemonStream> call_;
  std::optional<http::response<http::empty_body>> head_;
  std::optional<http::response_serializer<http::empty_body>> serializer_;
  std::string chunk_;
  bool ending_ = false;
  std::array<char, 64> probe_;
};

Server::Server(net::io_context& io, ServerConfig config, const MethodTable& methods,
               const StaticFiles& files, DaemonBridge& bridge)
    : acceptor_(io),
      shared_(std::make_shared<Shared>(io, std::move(config), methods, files, bridge)) {}

Server::~Server() { Stop(); }

absl::StatusOr<uint16_t> Server::Start(uint16_t port) {
  beast::error_code ec;
  const tcp::endpoint endpoint(net::ip::make_address_v4("127.0.0.1"), port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot listen on 127.0.0.1:", port, ": ", ec.message()));
  }
  shared_->port = acceptor_.local_endpoint().port();
  Accept();
  return shared_->port;
}

void Server::Stop() {
  beast::error_code ec;
  acceptor_.close(ec);
  for (auto& weak : shared_->sessions) {
    if (auto session = weak.lock()) session->Close();
  }
  shared_->sessions.clear();
}

void Server::Accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      // Full: the oldest connection that never showed the token makes room
      // (anyone on this computer can open connections to the port; only the
      // owner has the token, so a flood of them cannot lock the owner out).
      // When every one has shown it, the new one is refused.
      bool room = shared_->connections < shared_->config.limits.max_connections;
      for (auto it = shared_->sessions.begin(); !room && it != shared_->sessions.end(); ++it) {
        if (auto old = it->lock(); old && !old->trusted() && !old->closed()) {
          old->Close();
          room = true;
        }
      }
      if (!room) {
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        auto session = std::make_shared<Session>(std::move(socket), shared_);
        std::erase_if(shared_->sessions, [](const auto& w) { return w.expired(); });
        shared_->sessions.push_back(session);
        session->Run();
      }
    }
    Accept();
  });
}

}  // namespace attune::web
