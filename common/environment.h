// What the daemon and every client must read the same way from a process's
// environment: the time zone days are counted in and the socket the daemon
// listens on. Shared by `attuned`, the `attune` CLI and the tools; links no
// daemon code. Thread-safe: pure functions, and functions that only read the
// environment and the file system.
#ifndef ATTUNE_COMMON_ENVIRONMENT_H_
#define ATTUNE_COMMON_ENVIRONMENT_H_

#include <string>
#include <string_view>

namespace attune {

// The IANA name of the zone to count days in: `tz_env` ($TZ, a leading ':'
// dropped) when it names a zone this machine knows, else the part of
// `localtime_target` (where /etc/localtime links to) after "zoneinfo/" when
// that names one, else "UTC". A $TZ this machine cannot load is skipped, so
// the daemon and a client on the same machine always pick the same zone.
std::string ZoneNameFrom(const char* tz_env, std::string_view localtime_target);

// ZoneNameFrom() applied to this process's $TZ and /etc/localtime.
std::string MachineZoneName();

// Where clients find the daemon and where the daemon listens when no
// --socket is given: `attune_socket_env` ($ATTUNE_SOCKET) when set and
// non-empty, else `xdg_runtime_dir`/attune/attuned.sock, else
// /tmp/attune-<uid>/attuned.sock.
std::string SocketPathFrom(const char* attune_socket_env, const char* xdg_runtime_dir,
                           unsigned uid);

// SocketPathFrom() applied to this process's environment and real user id.
std::string DefaultSocketPath();

}  // namespace attune

#endif  // ATTUNE_COMMON_ENVIRONMENT_H_
