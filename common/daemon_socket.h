// Before a client (`attune`, `attune-web`) sends anything to attuned, it makes
// sure the socket is served by this user's own daemon (or root's), so another
// local user cannot pose as the daemon and collect a passphrase or a person's
// words. Thread-safe: reads only the file system and the socket's peer.
#ifndef ATTUNE_COMMON_DAEMON_SOCKET_H_
#define ATTUNE_COMMON_DAEMON_SOCKET_H_

#include <grpcpp/support/channel_arguments.h>

#include <string>

#include "absl/status/status.h"

namespace attune {

// Checks, in order, and refuses with PERMISSION_DENIED naming what is wrong:
// - `socket_path` itself (lstat, so a symbolic link is refused too) is a
//   socket owned by this user or root;
// - its folder is owned by this user or root, and group and others cannot
//   write in it (so nobody else can swap the socket once checked);
// - the process listening on it, asked with SO_PEERCRED on a plain AF_UNIX
//   connection made here and closed again at once, runs as this user or root.
// UNAVAILABLE (the daemon is not running) when there is no socket or
// nothing accepts on it. Nothing is written on the connection.
//
// gRPC then dials the path again: the check holds for that second
// connection because only this user (or root) can replace a socket in the
// folder checked above.
absl::Status CheckDaemonSocket(const std::string& socket_path);

// "the daemon is not running (WHY at SOCKET). Start it with: …": what every
// client says when nothing serves the socket.
std::string DaemonNotRunningMessage(const std::string& socket_path, const std::string& why);

// What every channel to attuned's socket starts from (the CLI's, attune-web's,
// the benches'): no HTTP/2 bandwidth-probe pings, since a local socket has no
// link whose speed to learn and each ping costs attuned a read and an
// acknowledgement. Callers add their own arguments.
grpc::ChannelArguments DaemonChannelArguments();

}  // namespace attune

#endif  // ATTUNE_COMMON_DAEMON_SOCKET_H_
