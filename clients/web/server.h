// attune-web's HTTP/1.1 server on a loopback port (Boost.Beast): the page's
// files, and the daemon's API in the Connect protocol, every unary method
// with JSON bodies and EventService.Watch as a Connect server stream. Every
// request passes the checks of request_guard.h first; API calls need the
// token. Nothing of a request's body or of an answer is ever logged.
//
// Threading: everything runs on the one thread that runs the io_context;
// the daemon's answers are posted back to it. Start() and Stop() are called
// on that thread or before it runs.
#ifndef ATTUNE_CLIENTS_WEB_SERVER_H_
#define ATTUNE_CLIENTS_WEB_SERVER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "clients/web/daemon_bridge.h"
#include "clients/web/method_table.h"
#include "clients/web/static_files.h"

namespace attune::web {

struct ServerLimits {
  // A request's body; larger ones get 413.
  size_t max_body_bytes = 1 << 20;
  // A request's headers.
  size_t max_header_bytes = 16 << 10;
  // Connections open at once. Past it, the oldest connection that has not
  // shown the token is closed to make room; when all have, a new one is
  // closed at once.
  int max_connections = 64;
  // To read a request's headers and body (a stream, once started, has none).
  absl::Duration read_timeout = absl::Seconds(30);
  // A unary call that names no Connect-Timeout-Ms (Unlock's key
  // derivation takes seconds on a slow machine).
  absl::Duration call_timeout = absl::Seconds(60);
  // The longest Connect-Timeout-Ms honoured.
  absl::Duration max_call_timeout = absl::Minutes(5);
};

struct ServerConfig {
  std::string token;
  ServerLimits limits;
  // Told each API call's method and outcome (never a body); may be empty.
  std::function<void(absl::string_view line)> log;
};

class Server {
 public:
  // `methods`, `files` and `bridge` must outlive the server.
  Server(boost::asio::io_context& io, ServerConfig config, const MethodTable& methods,
         const StaticFiles& files, DaemonBridge& bridge);
  ~Server();

  // Listens on 127.0.0.1:`port` (0: a free port) and starts accepting.
  // Returns the port. FAILED_PRECONDITION saying why when it cannot listen.
  absl::StatusOr<uint16_t> Start(uint16_t port);

  // Stops accepting, closes every connection and cancels their calls.
  void Stop();

 private:
  class Session;
  struct Shared;
  void Accept();

  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace attune::web

#endif  // ATTUNE_CLIENTS_WEB_SERVER_H_
