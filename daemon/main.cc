// attuned: the Attune daemon. See daemon.h and DESIGN.md.
#include <CLI/CLI.hpp>
#include <iostream>

#include "daemon/daemon.h"
#include "daemon/vault/secret.h"

int main(int argc, char** argv) {
  attune::DaemonOptions options;
  options.data_dir = attune::DefaultDataDir();
  options.socket_path = attune::DefaultSocketPath();

  CLI::App app{
      "attuned: keeps a couple's journals, check-ins and goals, encrypted, and "
      "serves them to the attune CLI over a private Unix socket."};
  app.add_option("--data-dir", options.data_dir,
                 "Folder of the encrypted store (default $XDG_DATA_HOME/attune)")
      ->capture_default_str();
  app.add_option("--socket", options.socket_path,
                 "Unix socket for clients (default "
                 "$XDG_RUNTIME_DIR/attune/attuned.sock)")
      ->capture_default_str();
  app.add_flag("--rebuild-views", options.rebuild_views,
               "Rebuild the record views from the op log at the next unlock");
  app.set_version_flag("--version", "attuned 0.1.0");
  CLI11_PARSE(app, argc, argv);

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
