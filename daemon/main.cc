// attuned: the Attune daemon. See daemon.h and docs/ARCHITECTURE.md.
#include <malloc.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"
#include "common/environment.h"
#include "daemon/config_file.h"
#include "daemon/daemon.h"
#include "daemon/plugins/dirs.h"
#include "daemon/sync/tls_identity.h"
#include "daemon/vault/secret.h"

namespace {

// "host:port" with a host and a port from 1 to 65535, for CLI11.
std::string HostPort(const std::string& value) {
  auto colon = value.rfind(':');
  int port = 0;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(value.substr(colon + 1), &port) || port < 1 || port > 65535) {
    return "\"" + value + "\" is not host:port";
  }
  return std::string();
}

// A positive number of seconds, for CLI11.
std::string PositiveSeconds(const std::string& value) {
  double seconds = 0;
  if (!absl::SimpleAtod(value, &seconds) || !(seconds > 0) || seconds > 86400 * 365) {
    return "\"" + value + "\" is not a positive number of seconds";
  }
  return std::string();
}

}  // namespace

int main(int argc, char** argv) {
  attune::KeepOpenSslThroughExit();
  // Heap memory is overwritten as soon as it is freed (glibc's M_PERTURB).
  // Passphrases arrive in gRPC's and protobuf's ordinary buffers; without
  // this a copy stays readable in freed memory long after Unlock or Lock
  // (tests/integration/secrets_test.cc looks for it).
  mallopt(M_PERTURB, 0x5a);
  // As many descriptors as we may have (systemd's soft default is 1024):
  // peers, plugins and RocksDB's files share one table, and the peer port's
  // caps (daemon/sync/peer_gate.h) are well below the hard limit.
  if (struct rlimit files{};
      ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  attune::DaemonOptions options;
  options.data_dir = attune::DefaultDataDir();
  options.socket_path = attune::DefaultSocketPath();

  CLI::App app{
      "attuned: keeps a couple's journals, check-ins and goals, encrypted, and "
      "serves them to the attune CLI over a private Unix socket.",
      "attuned"};
  app.set_config("--config", attune::DefaultConfigPath(),
                 "Settings file (TOML): any option below but --rebuild-views and "
                 "--accept-own-log-as-is, by its name without the dashes "
                 "(plugin-idle-timeout = 5); an option given on the command line wins. "
                 "A missing default file is no error")
      ->capture_default_str();
  auto toml = std::make_shared<attune::TomlConfig>(
      &app, std::vector<std::string>{"rebuild-views", "accept-own-log-as-is"});
  app.config_formatter(toml);
  bool print_config = false;
  app.add_flag("--print-config", print_config,
               "Print the settings in effect (file and options), as a settings file, and exit")
      ->configurable(false);
  app.add_option("--data-dir", options.data_dir,
                 "Folder of the encrypted store (default $XDG_DATA_HOME/attune)")
      ->capture_default_str();
  app.add_option("--socket", options.socket_path,
                 "Unix socket for clients (default $ATTUNE_SOCKET, else "
                 "$XDG_RUNTIME_DIR/attune/attuned.sock)")
      ->capture_default_str();
  app.add_flag("--rebuild-views", options.rebuild_views,
               "Rebuild the record views from the op log at the next unlock")
      ->configurable(false);
  app.add_flag("--accept-own-log-as-is", options.accept_own_log_as_is,
               "Unlock even though ops of this device are missing from its data folder "
               "(unlock says so): keep what is left; what is missing stays lost")
      ->configurable(false);
  app.add_option("--peer-listen", options.peer_listen,
                 "host:port where partner devices reach this one (port 0 picks a "
                 "free port and keeps it; empty: do not listen)")
      ->capture_default_str();
  app.add_option("--peer-advertise", options.peer_advertise,
                 "host:port partner devices should dial to reach this one, when that "
                 "is not the --peer-listen address (a port mapping, a tunnel, a "
                 "proxy); repeatable, tried in order; sent in invites and to every "
                 "peer (default: the listen address)")
      ->check(HostPort);
  app.add_flag("--discovery,!--no-discovery", options.discovery,
               "Announce this device on the local network and listen for the announcements "
               "of the space's other devices (UDP multicast to 239.255.27.44:27442 on the "
               "networks --peer-listen listens on); --no-discovery, or discovery = false in "
               "the settings file, turns it off")
      ->default_str(options.discovery ? "true" : "false");
  app.add_option("--kept-events", options.events.kept_changes,
                 "Record changes kept on the disk for clients that watch to replay (attune watch "
                 "--after)")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_option("--live-events", options.events.ring_events,
                 "Events of any kind kept in memory; a watcher that falls this far behind is "
                 "cut and resumes from the disk")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  std::vector<std::string> plugin_dirs;
  double plugin_idle = 60, plugin_call = 5, plugin_backoff = 1;
  app.add_option("--plugins-dir", plugin_dirs,
                 "A folder of exercise plugins; repeatable (default: the built-in "
                 "folder, then $XDG_DATA_HOME/attune/plugins)");
  app.add_option("--plugin-idle-timeout", plugin_idle,
                 "Seconds without a session before a plugin is stopped")
      ->capture_default_str()
      ->check(PositiveSeconds);
  app.add_option("--plugin-call-timeout", plugin_call, "Seconds a plugin has to answer a call")
      ->capture_default_str()
      ->check(PositiveSeconds);
  app.add_option("--plugin-restart-backoff", plugin_backoff,
                 "Seconds a failed plugin waits before it is started again "
                 "(doubling with each failure in a row)")
      ->capture_default_str()
      ->check(PositiveSeconds);
  app.set_version_flag("--version", "attuned " ATTUNE_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (std::string in_file = toml->InFile(e.what(), argc, argv); !in_file.empty()) {
      std::cerr << in_file << "\n";
      return e.get_exit_code();
    }
    return app.exit(e);
  }
  if (print_config) {
    std::cout << app.config_to_str(/*default_also=*/true, /*write_description=*/true);
    return 0;
  }
  options.plugins.dirs = attune::PluginDirs(plugin_dirs);
  options.plugins.idle_timeout = absl::Seconds(plugin_idle);
  options.plugins.call_timeout = absl::Seconds(plugin_call);
  options.plugins.initial_backoff = absl::Seconds(plugin_backoff);

  // Debian's abseil checks every lock order at run time; the daemon's lock
  // order is fixed by design (ABSL_ACQUIRED_AFTER), so skip the cost.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (!attune::InitCrypto()) {
    std::cerr << "attuned: libsodium cannot be initialised\n";
    return 1;
  }
  absl::Status status = attune::RunDaemon(options);
  if (!status.ok()) {
    std::cerr << "attuned: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
