// Finding plugins: every sub-folder of the plugin folders that holds a
// manifest. Reads files only; starts no process.
#ifndef ATTUNE_DAEMON_PLUGINS_DISCOVERY_H_
#define ATTUNE_DAEMON_PLUGINS_DISCOVERY_H_

#include <string>
#include <vector>

#include "daemon/plugins/host_options.h"
#include "daemon/plugins/manifest.h"

namespace attune {

// A plugin folder with a good manifest.
struct FoundPlugin {
  pv1::PluginManifest manifest;
  // The plugin's folder, and its executable's full path.
  std::string folder;
  std::string executable;
  bool builtin = false;
  // Changes when the manifest or the executable is replaced or rewritten
  // (PluginFingerprint): a running process whose fingerprint differs is an
  // older install.
  std::string fingerprint;
};

struct Discovery {
  // In the order of the folders given, then by folder name.
  std::vector<FoundPlugin> plugins;
  // What could not be used, each "folder: what is wrong". A folder without a
  // manifest is not a plugin and not a problem; a missing plugin folder is
  // not a problem either.
  std::vector<std::string> problems;
};

// Looks through `dirs` in order. A plugin id or exercise id already taken by
// an earlier plugin makes the later plugin a problem (the first one wins).
Discovery DiscoverPlugins(const std::vector<PluginDir>& dirs);

// The version, and the device, inode, size and change time of the manifest
// and the executable as they are on disk now. Reads no file's content.
std::string PluginFingerprint(const FoundPlugin& plugin);
std::string PluginFingerprint(const std::string& version, const std::string& folder,
                              const std::string& executable);

}  // namespace attune

#endif  // ATTUNE_DAEMON_PLUGINS_DISCOVERY_H_
