// attune-relay: a blind relay for attune spaces (daemon/relay/relay.h).
//
//   attune-relay [--data DIR] [--listen HOST:PORT] [--forget-after-days N]
//   attune-relay stats [--data DIR] [--json]
#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "daemon/base/hex.h"
#include "daemon/base/home_dir.h"
#include "daemon/base/log.h"
#include "daemon/relay/relay.h"
#include "daemon/sync/tls_identity.h"
#include "daemon/vault/device_id.h"

namespace {

std::string DefaultDataDir() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  std::string base =
      xdg != nullptr && *xdg != '\0' ? std::string(xdg) : attune::HomeDir() + "/.local/share";
  return base + "/attune-relay";
}

int Serve(const attune::RelayOptions& options) {
  // SIGINT and SIGTERM end the relay cleanly; they are waited for here.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  attune::SystemClock clock;
  auto relay = attune::Relay::Start(options, &clock);
  if (!relay.ok()) {
    std::cerr << "attune-relay: " << relay.status().message() << "\n";
    return 1;
  }
  std::cout << "attune-relay " << ATTUNE_VERSION << " listening on port " << (*relay)->port()
            << "\nrelay address (for attune relay add): " << (*relay)->Address()
            << "\n(name the host devices reach it by in place of "
            << options.listen.substr(0, options.listen.rfind(':')) << " when that is not it)"
            << std::endl;
  int signal = 0;
  sigwait(&set, &signal);
  std::cout << "attune-relay: stopping" << std::endl;
  (*relay)->Stop();
  return 0;
}

int Stats(const std::string& data_dir, bool json) {
  auto stats = attune::Relay::Stats(data_dir);
  if (!stats.ok()) {
    std::cerr << "attune-relay: " << stats.status().message() << "\n";
    return 1;
  }
  if (json) {
    std::cout << "{\"spaces\":[";
    for (size_t i = 0; i < stats->size(); ++i) {
      const auto& s = (*stats)[i];
      std::cout << (i ? "," : "") << "{\"space\":\"" << attune::ToHex(s.space)
                << "\",\"lastVisitMs\":" << s.last_visit_ms << ",\"heads\":{";
      bool first = true;
      for (const auto& [author, seq] : s.heads) {
        std::cout << (first ? "" : ",") << "\"" << attune::FormatDeviceId(author) << "\":" << seq;
        first = false;
      }
      std::cout << "}}";
    }
    std::cout << "]}\n";
    return 0;
  }
  std::cout << stats->size() << " space(s)\n";
  for (const auto& s : *stats) {
    uint64_t ops = 0;
    for (const auto& [author, seq] : s.heads) ops += seq;
    std::cout << "space " << attune::ToHex(s.space) << ": " << ops << " op(s) from "
              << s.heads.size() << " device(s), last visit "
              << (s.last_visit_ms == 0 ? std::string("never")
                                       : absl::FormatTime("%Y-%m-%d %H:%M UTC",
                                                          absl::FromUnixMillis(s.last_visit_ms),
                                                          absl::UTCTimeZone()))
              << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  attune::KeepOpenSslThroughExit();
  attune::SetLogProgram("attune-relay");
  CLI::App app{
      "attune-relay: holds and forwards the shared ops of attune spaces for devices that never "
      "meet directly, without any key that opens them"};
  app.set_version_flag("--version", std::string("attune-relay ") + ATTUNE_VERSION);
  attune::RelayOptions options;
  options.data_dir = DefaultDataDir();
  int forget_days = 90;
  app.add_option("--data", options.data_dir, "data folder")->capture_default_str();
  app.add_option("--listen", options.listen, "where to listen, host:port (port 0: any free one)")
      ->capture_default_str();
  app.add_option("--forget-after-days", forget_days,
                 "forget a space no member device visited for this many days")
      ->check(CLI::Range(1, 36500))
      ->capture_default_str();
  app.add_option("--max-spaces", options.max_spaces, "spaces held at most")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  app.add_option("--max-streams", options.max_streams, "sync streams open at once")
      ->check(CLI::Range(4, 100000))
      ->capture_default_str();
  // Options of the relay itself (--data) may follow the subcommand too.
  app.fallthrough();
  auto* stats = app.add_subcommand("stats", "what a stopped relay's data folder holds");
  bool json = false;
  stats->add_flag("--json", json, "print JSON");
  CLI11_PARSE(app, argc, argv);
  options.forget_after = absl::Hours(24) * forget_days;
  if (stats->parsed()) return Stats(options.data_dir, json);
  return Serve(options);
}
