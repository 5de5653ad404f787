// Which local process is at the other end of a loopback TCP connection, read
// from /proc (Linux): lets a proxy in the test process tell which daemon
// dialed it.
#ifndef ATTUNE_TESTS_CHAOS_SOCKET_OWNER_H_
#define ATTUNE_TESTS_CHAOS_SOCKET_OWNER_H_

#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace attune::testing {

// The process among `candidates` holding the client end of the TCP
// connection from local port `client_port` to local port `server_port`;
// -1 when none of them does (or the connection is gone).
pid_t LoopbackClientOwner(uint16_t client_port, uint16_t server_port,
                          const std::vector<pid_t>& candidates);

}  // namespace attune::testing

#endif  // ATTUNE_TESTS_CHAOS_SOCKET_OWNER_H_
