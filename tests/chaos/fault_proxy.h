// A TCP proxy on 127.0.0.1 that misbehaves on purpose, for tests of peer
// sync under network faults. It forwards every connection it accepts to a
// target port on 127.0.0.1 and, as the test asks, delays bytes, re-cuts and
// reorders what it delivers, cuts a connection mid-stream after some bytes,
// drops every connection at once, and partitions: refuses (RST) or
// blackholes (accepts, holds every byte until healed) connections from a
// given source, then heals.
//
// Sources: the test may name the process at the other end of each accepted
// connection with a classifier (see socket_owner.h); links are set per
// source name, and "" stands for any source without a link of its own.
//
// One Boost.Asio thread does all the I/O; every method is thread-safe, and
// the ones that act on open connections have done so when they return.
#ifndef ATTUNE_TESTS_CHAOS_FAULT_PROXY_H_
#define ATTUNE_TESTS_CHAOS_FAULT_PROXY_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace attune::testing {

class FaultProxy {
 public:
  enum class Link {
    kOpen,       // forward
    kRefuse,     // reset new connections; cut open ones
    kBlackhole,  // accept, forward nothing (in either direction) until healed
  };
  struct Stats {
    uint64_t accepted = 0;
    uint64_t refused = 0;    // reset at once: refused link or no target
    uint64_t cut = 0;        // closed by SetCutAfter, DropAll or a refused link
    uint64_t bytes = 0;      // delivered, both directions
    uint64_t reordered = 0;  // reads delivered with two pieces swapped
  };
  // Names the process at the other end of a connection from 127.0.0.1:port.
  using Classifier = std::function<std::string(uint16_t client_port)>;

  // Listens on 127.0.0.1 at a free port. `seed` drives every random choice.
  explicit FaultProxy(uint32_t seed);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const;  // "127.0.0.1:port"
  // Where new connections go; until set, they are reset.
  void SetTarget(uint16_t port);

  // Every chunk read is delivered after a random delay in [min, max], in
  // order.
  void SetDelay(std::chrono::milliseconds min, std::chrono::milliseconds max);
  // Delivers what it reads in pieces of 1..max_piece bytes, each written on
  // its own (0: as read).
  void SetRechunk(size_t max_piece);
  // With this probability, swaps two neighbouring pieces of one read: the
  // receiver sees bytes out of order (TLS must notice and drop the stream).
  void SetReorder(double probability);
  // Cuts each new connection (both sides, abruptly) once it has delivered a
  // random number of bytes in [min, max], both directions together; 0, 0:
  // never.
  void SetCutAfter(uint64_t min_bytes, uint64_t max_bytes);
  // All of the above off.
  void ClearFaults();

  // Cuts every open connection now.
  void DropAll();
  // The link for connections from `source` ("": any source without its own).
  // kRefuse cuts that source's open connections; kOpen releases blackholed
  // ones, which then deliver what they held.
  void SetLink(const std::string& source, Link link);
  // Every source back to kOpen.
  void HealAll();
  // Once it returns, the previous classifier is no longer running.
  void SetClassifier(Classifier classifier);

  Stats stats() const;
  // Connections open now.
  size_t open_connections() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_CHAOS_FAULT_PROXY_H_
