// Where plugins are looked for: the built-in folder beside the daemon
// (${libdir}/attune/plugins when installed; the same place relative to
// attuned in the build tree) and the person's own folder
// ($XDG_DATA_HOME/attune/plugins).
#ifndef ATTUNE_DAEMON_PLUGINS_DIRS_H_
#define ATTUNE_DAEMON_PLUGINS_DIRS_H_

#include <string>
#include <vector>

#include "daemon/plugins/host_options.h"

namespace attune {

// The built-in plugin folder, found from the running executable's path.
std::string BuiltinPluginsDir();

// The person's plugin folder: $XDG_DATA_HOME/attune/plugins (or
// ~/.local/share/attune/plugins); "" when there is no home folder (see
// HomeDir()).
std::string UserPluginsDir();

// The folders to search: `given` (attuned's --plugins-dir flags, in order)
// or, when none are given, the built-in and then the user folder. A folder
// that is the built-in one is marked builtin.
std::vector<PluginDir> PluginDirs(const std::vector<std::string>& given);

// The runtime folder for plugin sockets of a daemon serving `socket_path`:
// "{socket_path}.plugins", or /tmp/attune-plugins-{uid}-{hash of the socket
// path} when that would make socket paths too long for a Unix socket. The
// daemon checks the folder with MakePrivateDir (daemon/base/private_dir.h)
// before it uses it, so one another user made first is refused.
std::string PluginRuntimeDir(const std::string& socket_path);

}  // namespace attune

#endif  // ATTUNE_DAEMON_PLUGINS_DIRS_H_
