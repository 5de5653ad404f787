// How the plugin host is set up: where plugins are found, and the timings
// and limits that keep plugins in check. Every duration can be shortened for
// tests (attuned's --plugin-* flags).
#ifndef ATTUNE_DAEMON_PLUGINS_HOST_OPTIONS_H_
#define ATTUNE_DAEMON_PLUGINS_HOST_OPTIONS_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "daemon/plugins/sandbox.h"

namespace attune {

// A folder to look for plugins in.
struct PluginDir {
  std::string path;
  // Plugins here came with attuned (see permissions.h).
  bool builtin = false;
};

struct PluginHostOptions {
  // Searched in order; the first plugin with an id wins.
  std::vector<PluginDir> dirs;
  // A folder only this daemon uses, for the private socket folders of its
  // plugins; created 0700, and emptied at start (what a killed daemon left).
  std::string runtime_dir;
  // A plugin with no session and no call for this long is stopped.
  absl::Duration idle_timeout = absl::Seconds(60);
  // The deadline of every call to a plugin.
  absl::Duration call_timeout = absl::Seconds(5);
  // From exec to a Describe answer.
  absl::Duration start_timeout = absl::Seconds(10);
  // How long a stopping plugin gets between SIGTERM and SIGKILL.
  absl::Duration stop_grace = absl::Seconds(2);
  // After a failure a plugin waits this long before it is started again,
  // doubling with each failure in a row up to max_backoff.
  absl::Duration initial_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Minutes(2);
  // How often a running plugin is pinged while no session is under way on it.
  absl::Duration health_interval = absl::Seconds(20);
  // A session left without an answer this long no longer keeps its plugin
  // running.
  absl::Duration session_ttl = absl::Minutes(30);
  PluginLimits limits;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_PLUGINS_HOST_OPTIONS_H_
