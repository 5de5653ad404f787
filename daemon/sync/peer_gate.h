// The door of the peer port. It accepts TCP connections itself, so that what
// anyone on the network can open is counted and capped before gRPC spends
// anything on it, and hands each connection it keeps to the peer gRPC server
// (which does TLS and HTTP/2 on it).
//
// Why not let gRPC listen: gRPC 1.51 has no cap on connections, and its
// accept loop stops for good after one EMFILE, after which neither port of
// the daemon accepted again (found by flooding the peer port). The gate
// refuses past its caps and, when the process is out of file descriptors,
// waits and accepts again.
//
// Thread-safe. The gate runs one thread of its own.
#ifndef ATTUNE_DAEMON_SYNC_PEER_GATE_H_
#define ATTUNE_DAEMON_SYNC_PEER_GATE_H_

#include <grpcpp/server_builder.h>
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace attune {

struct GateLimits {
  // Connections held open at once, in all.
  size_t max_connections = 128;
  // Connections held open at once from one IP address (a partner's devices
  // behind one NAT share one).
  size_t max_per_address = 16;
};

class PeerGate {
 public:
  // Listens on `host` ("0.0.0.0", "[::]", an address or a name) and `port`
  // (0: any free port). UNAVAILABLE when it cannot.
  static absl::StatusOr<std::unique_ptr<PeerGate>> Listen(const std::string& host, int port,
                                                          GateLimits limits);
  ~PeerGate();  // Stop()

  // The port listened on.
  int port() const { return port_; }

  // Starts accepting: every connection within the caps goes to `to`, past
  // them it is closed at once. Call once.
  void Start(std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> to);

  // Stops accepting and closes the listening socket. Connections handed
  // over are gRPC's: they end with its server. Idempotent.
  void Stop();

  struct Counts {
    size_t open = 0;     // handed over and not closed yet
    size_t refused = 0;  // closed at the door since the start
  };
  Counts counts();

 private:
  // A connection handed to gRPC, known by its descriptor and the socket's
  // inode: when gRPC closes it, the descriptor is gone or names another
  // file. (gRPC does not tell us when it closes a connection.)
  struct Handed {
    int fd;
    dev_t dev;
    ino_t ino;
    std::string address;
  };

  PeerGate(GateLimits limits);
  void Accept();
  void OnAccepted(boost::asio::ip::tcp::socket socket);
  // Forgets connections gRPC has closed.
  void Sweep() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const GateLimits limits_;
  int port_ = 0;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;
  std::thread thread_;
  std::unique_ptr<grpc::experimental::ExternalConnectionAcceptor> to_;

  absl::Mutex mu_;
  std::vector<Handed> handed_ ABSL_GUARDED_BY(mu_);
  size_t refused_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_PEER_GATE_H_
