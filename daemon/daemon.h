// attuned's wiring: the data folder and its lock, the store, the vault, the
// gRPC server on the Unix socket, and the Boost.Asio loop that waits for
// SIGINT/SIGTERM and shuts everything down in order.
#ifndef ATTUNE_DAEMON_DAEMON_H_
#define ATTUNE_DAEMON_DAEMON_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "daemon/plugins/host_options.h"
#include "daemon/store/event_hub.h"

namespace attune {

struct DaemonOptions {
  // Created (mode 0700) if missing; refused unless it is a folder (not a
  // symbolic link) of this user that group and others cannot write in (see
  // MakePrivateDir in daemon/base/private_dir.h); made 0700 if it was not.
  std::string data_dir;
  // Its folder is created and checked as data_dir is; the socket gets mode
  // 0600.
  std::string socket_path;
  // Drop the record views and rebuild them from the op log at next unlock.
  bool rebuild_views = false;
  // Accept this device's own op log as it is at the next unlock, when its
  // check against the sealed head fails (ops missing: what is missing stays
  // lost); the head is written again from the log.
  bool accept_own_log_as_is = false;
  // Where to listen for partner devices ("host:port"; port 0 picks one and
  // keeps it). Empty: never listen, only dial.
  std::string peer_listen = "0.0.0.0:27441";
  // Where partners should dial this device, "host:port" each, when that is
  // not the listen address (a port mapping, a tunnel, a proxy). Empty: the
  // listen address.
  std::vector<std::string> peer_advertise;
  // Announce and find devices of the space on the local network by UDP
  // multicast (daemon/sync/lan_discovery.h).
  bool discovery = true;
  // Plugin folders, timings and limits. An empty runtime_dir means one next
  // to the socket (see daemon/plugins/dirs.h); it is checked as data_dir is.
  PluginHostOptions plugins;
  // How many events clients can replay (EventService.Watch): record changes
  // kept on the disk, and events of any kind kept in memory.
  EventHub::Options events;
};

// The default data folder, from the XDG base directories: "" when neither
// XDG_DATA_HOME nor a home folder is known (see HomeDir()); then --data-dir
// must be given. The default socket is common/environment.h's, shared with
// the clients.
std::string DefaultDataDir();

// Serves until SIGINT or SIGTERM; then lets in-flight calls finish (up to a
// few seconds), closes the store and returns OK. Returns an error, without
// serving, when the data folder is in use by another attuned, the socket is
// served by another process, the store cannot be opened, or one of its
// folders (data, socket, plugin runtime) is refused by MakePrivateDir.
absl::Status RunDaemon(const DaemonOptions& options);

}  // namespace attune

#endif  // ATTUNE_DAEMON_DAEMON_H_
