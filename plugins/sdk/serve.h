// Running a plugin: the go-plugin style handshake with attuned and the
// attune.plugin.v1.PluginService service, serving the exercises until SIGTERM.
#ifndef ATTUNE_PLUGINS_SDK_SERVE_H_
#define ATTUNE_PLUGINS_SDK_SERVE_H_

#include <string>
#include <vector>

#include "plugins/sdk/exercise.h"

namespace attune::plugin {

// Who the plugin is; the manifest says the same (see --print-manifest).
struct PluginInfo {
  // a-z, 0-9 and '-': "practices".
  std::string id = {};
  std::string version = {};
  // A sentence for `attune plugin list`.
  std::string description = {};
  // Record kinds its sessions may return: "check_in", "journal_entry",
  // "appreciation", "goal_progress", "plugin_record".
  std::vector<std::string> permissions = {};
};

// The plugin's main. Run by attuned (ATTUNE_PLUGIN_COOKIE set), it serves on
// a Unix socket in ATTUNE_PLUGIN_SOCKET_DIR, prints the handshake line and
// serves until SIGTERM or SIGINT; returns 0 then. With --print-manifest it
// prints its manifest.textproto instead (--write-manifest PATH writes it).
// Run any other way it says what it is and returns 1.
int Serve(int argc, char** argv, const PluginInfo& info, std::vector<Exercise> exercises);

// The manifest of a plugin, in text format, naming `executable`.
std::string ManifestText(const PluginInfo& info, const std::vector<Exercise>& exercises,
                         const std::string& executable);

}  // namespace attune::plugin

#endif  // ATTUNE_PLUGINS_SDK_SERVE_H_
