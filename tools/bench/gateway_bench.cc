// attune-gateway-bench: what attune-web adds to a call. Starts a real attuned
// and a real attune-web on loopback, then times the same unary calls straight
// over gRPC on the daemon's socket and through the gateway (HTTP/1.1
// keep-alive, Connect JSON), interleaved so both see the same machine. The
// ceiling is the issue's: the gateway adds at most 0.3 ms at the median.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "attune/v1/api.grpc.pb.h"
#include "tools/bench/daemon_process.h"
#include "tools/bench/rpc_client.h"
#include "tools/bench/scratch.h"
#include "tools/bench/stats.h"

extern char** environ;

namespace attune::bench {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// attune-web as a child process; its first lines say where it listens.
class GatewayProcess {
 public:
  ~GatewayProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status;
      waitpid(pid_, &status, 0);
    }
  }

  // Starts it and reads its address; throws when it does not print one
  // within `timeout`.
  void Start(const std::string& binary, const std::string& socket, const std::string& token_file,
             const std::string& page_dir, std::chrono::seconds timeout) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<std::string> args = {binary,         "--port",   "0",          "--socket", socket,
                                     "--token-file", token_file, "--page-dir", page_dir};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
      throw std::runtime_error("cannot start " + binary);
    }
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    std::string text;
    const std::regex url(R"(http://127\.0\.0\.1:(\d+)/#token=([A-Za-z0-9_-]+))");
    std::smatch match;
    const auto deadline = Clock::now() + timeout;
    while (!std::regex_search(text, match, url) || text.back() != '\n') {
      pollfd p{out[0], POLLIN, 0};
      const int left = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
      if (left <= 0 || poll(&p, 1, left) <= 0)
        throw std::runtime_error("attune-web said no address");
      char buffer[512];
      const ssize_t n = read(out[0], buffer, sizeof(buffer));
      if (n <= 0) throw std::runtime_error("attune-web ended: " + text);
      text.append(buffer, n);
    }
    close(out[0]);
    port_ = static_cast<uint16_t>(std::stoi(match[1].str()));
    token_ = match[2].str();
  }

  uint16_t port() const { return port_; }
  const std::string& token() const { return token_; }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string token_;
};

// One keep-alive HTTP connection to the gateway.
class HttpClient {
 public:
  HttpClient(uint16_t port, std::string token) : stream_(io_), token_(std::move(token)) {
    stream_.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    host_ = "127.0.0.1:" + std::to_string(port);
  }

  // POSTs `json` to `path`; throws unless the answer is 200.
  std::string Call(const std::string& path, const std::string& json) {
    http::request<http::string_body> req{http::verb::post, path, 11};
    req.set(http::field::host, host_);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::authorization, "Bearer " + token_);
    req.keep_alive(true);
    req.body() = json;
    req.prepare_payload();
    stream_.expires_after(std::chrono::seconds(30));
    http::write(stream_, req);
    http::response<http::string_body> res;
    http::read(stream_, buffer_, res);
    if (res.result_int() != 200) {
      throw std::runtime_error(path + " through attune-web: " + std::to_string(res.result_int()) +
                               " " + res.body());
    }
    return res.body();
  }

 private:
  net::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::string token_;
  std::string host_;
};

struct Row {
  std::string name;
  Samples direct;
  Samples gateway;
};

void PrintRow(const Row& row) {
  const double d50 = Percentile(row.direct.latencies_ms, 50);
  const double g50 = Percentile(row.gateway.latencies_ms, 50);
  const double d99 = Percentile(row.direct.latencies_ms, 99);
  const double g99 = Percentile(row.gateway.latencies_ms, 99);
  std::printf("| %-28s | %8.3f | %8.3f | %8.3f | %8.3f | %+8.3f | ≤ +0.300 %s |\n",
              row.name.c_str(), d50, d99, g50, g99, g50 - d50, g50 - d50 <= 0.3 ? "met" : "MISSED");
}

int Run(int argc, char** argv) {
  CLI::App app{
      "attune-gateway-bench: a unary call through attune-web beside the same call "
      "straight over gRPC"};
  std::string attuned = "attuned";
  std::string attune_web = "attune-web";
  int calls = 2000;
  bool quick = false;
  app.add_option("--attuned", attuned, "The daemon binary");
  app.add_option("--attune-web", attune_web, "The gateway binary");
  app.add_option("--calls", calls, "Timed calls of each kind, each way (default 2000; quick 100)");
  app.add_flag("--quick", quick, "A few calls: checks that every figure comes out");
  CLI11_PARSE(app, argc, argv);
  if (app.count("--calls") == 0 && quick) calls = 100;

  const std::string dir = MakeScratchDir("");
  int rc = 0;
  try {
    const std::string socket = dir + "/d.sock";
    DaemonProcess daemon;
    daemon.Start(attuned, dir + "/data", socket, dir + "/attuned.log",
                 {"--peer-listen", "127.0.0.1:0"});
    WaitUntilServing(socket, std::chrono::seconds(60),
                     [&](std::string* how) { return daemon.Running(how); });
    InitVault(socket);
    GatewayProcess gateway;
    // The calls need no page: a stub, so the bench runs without the page's
    // build.
    std::filesystem::create_directories(dir + "/page");
    std::ofstream(dir + "/page/index.html") << "<!doctype html><title>bench</title>\n";
    gateway.Start(attune_web, socket, dir + "/web-token", dir + "/page", std::chrono::seconds(60));

    auto channel = MakeChannel(socket);
    auto vault = v1::VaultService::NewStub(channel);
    auto journal = v1::JournalService::NewStub(channel);
    HttpClient http_client(gateway.port(), gateway.token());

    // One entry to read back.
    v1::JournalEntry entry;
    {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      v1::CreateJournalEntryRequest create;
      create.mutable_journal_entry()->set_body("a bench entry, read back through both paths");
      grpc::Status s = journal->CreateJournalEntry(&context, create, &entry);
      if (!s.ok()) throw std::runtime_error("CreateJournalEntry: " + Describe(s));
    }
    const std::string get_json = "{\"name\":\"" + entry.name() + "\"}";

    Row status_row{"VaultService.GetStatus", {}, {}};
    Row read_row{"JournalService.GetJournalEntry", {}, {}};
    const int warmup = std::max(20, calls / 20);
    for (int i = 0; i < warmup + calls; ++i) {
      const bool timed = i >= warmup;
      {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
        google::protobuf::Empty empty;
        v1::VaultStatus status;
        const auto start = Clock::now();
        grpc::Status s = vault->GetStatus(&context, empty, &status);
        const auto end = Clock::now();
        if (!s.ok()) throw std::runtime_error("GetStatus: " + Describe(s));
        if (timed) status_row.direct.latencies_ms.push_back(Ms(end - start));
      }
      {
        const auto start = Clock::now();
        http_client.Call("/attune.v1.VaultService/GetStatus", "{}");
        if (timed) status_row.gateway.latencies_ms.push_back(Ms(Clock::now() - start));
      }
      {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
        v1::GetJournalEntryRequest get;
        get.set_name(entry.name());
        v1::JournalEntry got;
        const auto start = Clock::now();
        grpc::Status s = journal->GetJournalEntry(&context, get, &got);
        const auto end = Clock::now();
        if (!s.ok()) throw std::runtime_error("GetJournalEntry: " + Describe(s));
        if (timed) read_row.direct.latencies_ms.push_back(Ms(end - start));
      }
      {
        const auto start = Clock::now();
        http_client.Call("/attune.v1.JournalService/GetJournalEntry", get_json);
        if (timed) read_row.gateway.latencies_ms.push_back(Ms(Clock::now() - start));
      }
    }

    std::printf(
        "\nattune-web: a unary call through the gateway beside the same call over gRPC "
        "(%d calls each, interleaved; ms)\n",
        calls);
    std::printf("| %-28s | %8s | %8s | %8s | %8s | %8s | %-14s |\n", "call", "gRPC p50", "gRPC p99",
                "web p50", "web p99", "added", "ceiling");
    std::printf("|%s|%s|%s|%s|%s|%s|%s|\n", std::string(30, '-').c_str(),
                std::string(10, '-').c_str(), std::string(10, '-').c_str(),
                std::string(10, '-').c_str(), std::string(10, '-').c_str(),
                std::string(10, '-').c_str(), std::string(16, '-').c_str());
    PrintRow(status_row);
    PrintRow(read_row);
    std::fflush(stdout);
    daemon.Stop();
  } catch (const std::exception& e) {
    std::cerr << "attune-gateway-bench: " << e.what() << "\n";
    PrintLogTail(dir + "/attuned.log");
    rc = 1;
  }
  RemoveTree(dir);
  return rc;
}

}  // namespace
}  // namespace attune::bench

int main(int argc, char** argv) { return attune::bench::Run(argc, argv); }
