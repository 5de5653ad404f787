// attune-web: Attune's own GUI, served on 127.0.0.1 to the browser of the
// person whose daemon it talks to. See server.h for what it serves and
// request_guard.h for what it refuses.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/web/daemon_bridge.h"
#include "clients/web/method_table.h"
#include "clients/web/server.h"
#include "clients/web/static_files.h"
#include "clients/web/token_file.h"
#include "common/environment.h"

namespace {

constexpr uint16_t kDefaultPort = 8390;

// The page beside the binary: the build tree's page/dist, or the installed
// ../share/attune/web.
std::string DefaultPageDir() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const std::filesystem::path dir = exe.parent_path();
  for (const auto& candidate : {dir / "page" / "dist", dir / ".." / "share" / "attune" / "web"}) {
    if (std::filesystem::exists(candidate / "index.html", ec)) return candidate.string();
  }
  return (dir / ".." / "share" / "attune" / "web").lexically_normal().string();
}

std::string Url(uint16_t port, const std::string& token) {
  return absl::StrCat("http://127.0.0.1:", port, "/#token=", token);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "attune-web: Attune in your browser. Serves a page on 127.0.0.1 that talks to your own "
      "attuned, behind an access token that only you can read.",
      "attune-web"};
  app.set_version_flag("--version", "attune-web " ATTUNE_VERSION);
  uint16_t port = kDefaultPort;
  std::string socket = attune::DefaultSocketPath();
  std::string page_dir;
  std::string token_file;
  bool print_url = false;
  bool verbose = false;
  app.add_option(
      "--port", port,
      absl::StrCat("The port on 127.0.0.1 (default ", kDefaultPort, "; 0 picks a free one)"));
  app.add_option("--socket", socket, "The daemon's Unix socket (default: " + socket + ")");
  app.add_option("--page-dir", page_dir,
                 "The folder of the page's files (default: beside the "
                 "binary)");
  app.add_option("--token-file", token_file,
                 "Where the access token is kept (default: $XDG_CONFIG_HOME/attune/web-token)");
  app.add_flag("--print-url", print_url, "Print the address to open, with its token, and exit");
  app.add_flag("--verbose", verbose, "Log every call's method and outcome (never its content)");
  CLI11_PARSE(app, argc, argv);

  if (token_file.empty()) {
    absl::StatusOr<std::string> path = attune::web::DefaultTokenPath();
    if (!path.ok()) {
      std::cerr << "attune-web: " << path.status().message() << "\n";
      return 1;
    }
    token_file = *path;
  }
  absl::StatusOr<std::string> token = attune::web::LoadOrCreateToken(token_file);
  if (!token.ok()) {
    std::cerr << "attune-web: " << token.status().message() << "\n";
    return 1;
  }
  if (print_url) {
    std::cout << Url(port, *token) << "\n";
    return 0;
  }

  if (page_dir.empty()) page_dir = DefaultPageDir();
  absl::StatusOr<attune::web::StaticFiles> files = attune::web::StaticFiles::Load(page_dir);
  if (!files.ok()) {
    std::cerr << "attune-web: " << files.status().message() << "\n";
    return 1;
  }

  // A browser that goes away mid-answer must not end the process.
  std::signal(SIGPIPE, SIG_IGN);
  boost::asio::io_context io;
  attune::web::DaemonBridge bridge(socket);
  attune::web::ServerConfig config;
  config.token = *token;
  config.log = [verbose](absl::string_view line) {
    if (verbose || !absl::EndsWith(line, " ok")) std::cerr << "attune-web: " << line << "\n";
  };
  attune::web::Server server(io, std::move(config), attune::web::MethodTable::Api(), *files,
                             bridge);
  absl::StatusOr<uint16_t> bound = server.Start(port);
  if (!bound.ok()) {
    std::cerr << "attune-web: " << bound.status().message()
              << (port != 0 ? " (another attune-web may be running; --port picks another)" : "")
              << "\n";
    return 1;
  }
  std::cout << "attune-web: serving Attune for the daemon at " << socket << "\n";
  if (attune::web::IsJournalStream(STDOUT_FILENO)) {
    // Under systemd the journal keeps this line, and others may read it.
    std::cout << "Open the address that attune-web --print-url prints (http://127.0.0.1:" << *bound
              << "/ with its token, which stays out of the journal)\n";
  } else {
    std::cout << "Open " << Url(*bound, *token) << "\n";
  }
  std::cout << std::flush;

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    std::cerr << "attune-web: stopping\n";
    server.Stop();
    io.stop();
  });
  io.run();
  return 0;
}
