// attune-web's gateway against a fake daemon on a Unix socket: what it
// refuses (no token, a foreign Host or Origin, a body too large, an unknown
// method, bad JSON), how the daemon's errors reach the page, and how a
// stream ends.
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "attune/v1/api.grpc.pb.h"
#include "clients/web/connect_protocol.h"
#include "clients/web/daemon_bridge.h"
#include "clients/web/method_table.h"
#include "clients/web/request_guard.h"
#include "clients/web/server.h"
#include "clients/web/static_files.h"
#include "clients/web/token_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace attune::web {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kToken[] = "0123456789abcdefghijABCDEFGHIJ-_0123456789";

// VaultService.GetStatus answers with `vault_error` when set; Watch sends
// `watch_events` events, then ends with `watch_end`, or, when `watch_hold`,
// waits until the caller goes away and notes that it did.
class FakeDaemon final : public v1::VaultService::Service, public v1::EventService::Service {
 public:
  grpc::Status GetStatus(grpc::ServerContext*, const google::protobuf::Empty*,
                         v1::VaultStatus* status) override {
    ++calls;
    if (!vault_error.ok())
      return grpc::Status(vault_error.error_code(), vault_error.error_message());
    status->set_state(v1::VaultStatus::STATE_UNLOCKED);
    return grpc::Status::OK;
  }
  grpc::Status Watch(grpc::ServerContext* context, const v1::WatchRequest* request,
                     grpc::ServerWriter<v1::Event>* writer) override {
    ++calls;
    for (int i = 1; i <= watch_events; ++i) {
      v1::Event event;
      event.set_id(request->after_id() + i);
      event.mutable_record_changed()->set_name(absl::StrCat("checkIns/", i));
      writer->Write(event);
    }
    if (watch_hold) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (!context->IsCancelled() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      if (context->IsCancelled()) watch_cancelled.Notify();
      return grpc::Status::CANCELLED;
    }
    return watch_end;
  }

  std::atomic<int> calls{0};
  grpc::Status vault_error = grpc::Status::OK;
  int watch_events = 0;
  grpc::Status watch_end = grpc::Status::OK;
  bool watch_hold = false;
  absl::Notification watch_cancelled;
};

struct Reply {
  int status = 0;
  std::string body;
  http::response<http::string_body> raw;
};

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("attune-web-test-", getpid(), "-", ++counter_);
    std::filesystem::create_directories(dir_ / "page");
    std::ofstream(dir_ / "page" / "index.html") << "<!doctype html><title>Attune</title>";
    std::ofstream(dir_ / "page" / "app.js") << "console.log('hi');";
    socket_ = (dir_ / "d.sock").string();
  }

  void TearDown() override {
    StopGateway();
    if (daemon_server_) daemon_server_->Shutdown(std::chrono::system_clock::now());
    std::filesystem::remove_all(dir_);
  }

  void StartDaemon() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + socket_, grpc::InsecureServerCredentials());
    builder.RegisterService(static_cast<v1::VaultService::Service*>(&daemon_));
    builder.RegisterService(static_cast<v1::EventService::Service*>(&daemon_));
    daemon_server_ = builder.BuildAndStart();
    ASSERT_NE(daemon_server_, nullptr);
  }

  void StartGateway(ServerLimits limits = {}) {
    absl::StatusOr<StaticFiles> files = StaticFiles::Load((dir_ / "page").string());
    ASSERT_TRUE(files.ok()) << files.status();
    files_ = std::make_unique<StaticFiles>(*std::move(files));
    bridge_ = std::make_unique<DaemonBridge>(socket_);
    ServerConfig config;
    config.token = kToken;
    config.limits = limits;
    server_ = std::make_unique<Server>(io_, config, MethodTable::Api(), *files_, *bridge_);
    absl::StatusOr<uint16_t> port = server_->Start(0);
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = *port;
    io_thread_ = std::thread([this] { io_.run(); });
  }

  void StopGateway() {
    if (!io_thread_.joinable()) return;
    net::post(io_, [this] {
      server_->Stop();
      io_.stop();
    });
    io_thread_.join();
    server_.reset();
    bridge_.reset();
  }

  std::string Host() const { return absl::StrCat("127.0.0.1:", port_); }

  // One request on a new connection; the whole answer.
  Reply Send(http::request<http::string_body> req) {
    net::io_context io;
    beast::tcp_stream stream(io);
    stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
    stream.expires_after(std::chrono::seconds(60));
    if (req.find(http::field::host) == req.end()) req.set(http::field::host, Host());
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    beast::error_code ec;
    http::read(stream, buffer, parser, ec);
    Reply reply;
    if (ec) {
      reply.status = -1;
      reply.body = ec.message();
      return reply;
    }
    reply.raw = parser.release();
    reply.status = reply.raw.result_int();
    reply.body = reply.raw.body();
    return reply;
  }

  http::request<http::string_body> Call(absl::string_view path, std::string body,
                                        const char* type = kUnaryJson) {
    http::request<http::string_body> req{http::verb::post, std::string(path), 11};
    req.set(http::field::content_type, type);
    req.set(http::field::authorization, absl::StrCat("Bearer ", kToken));
    req.body() = std::move(body);
    return req;
  }

  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::string socket_;
  FakeDaemon daemon_;
  std::unique_ptr<grpc::Server> daemon_server_;
  net::io_context io_;
  std::unique_ptr<StaticFiles> files_;
  std::unique_ptr<DaemonBridge> bridge_;
  std::unique_ptr<Server> server_;
  std::thread io_thread_;
  uint16_t port_ = 0;
};

constexpr char kGetStatus[] = "/attune.v1.VaultService/GetStatus";
constexpr char kWatch[] = "/attune.v1.EventService/Watch";

TEST_F(GatewayTest, ThePageComesWithAStrictPolicyAndNoCookie) {
  StartDaemon();
  StartGateway();
  Reply page = Send({http::verb::get, "/", 11});
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("<title>Attune</title>"));
  const std::string csp(page.raw["Content-Security-Policy"]);
  EXPECT_THAT(csp, HasSubstr("default-src 'none'"));
  EXPECT_THAT(csp, HasSubstr("script-src 'self'"));
  EXPECT_THAT(csp, HasSubstr("frame-ancestors 'none'"));
  EXPECT_THAT(csp, Not(HasSubstr("unsafe-inline")));
  EXPECT_EQ(std::string(page.raw["X-Content-Type-Options"]), "nosniff");
  EXPECT_EQ(std::string(page.raw["Referrer-Policy"]), "no-referrer");
  EXPECT_EQ(page.raw.find(http::field::set_cookie), page.raw.end());
  EXPECT_EQ(Send({http::verb::get, "/app.js", 11}).status, 200);
  EXPECT_EQ(Send({http::verb::get, "/../d.sock", 11}).status, 404);
  EXPECT_EQ(Send({http::verb::get, "/page/index.html", 11}).status, 404);
}

TEST_F(GatewayTest, AnApiCallWithoutTheTokenIsRefused) {
  StartDaemon();
  StartGateway();
  auto none = Call(kGetStatus, "{}");
  none.erase(http::field::authorization);
  Reply refused = Send(none);
  EXPECT_EQ(refused.status, 401);
  EXPECT_THAT(refused.body, HasSubstr("\"code\":\"unauthenticated\""));
  EXPECT_THAT(refused.body, HasSubstr("--print-url"));

  auto wrong = Call(kGetStatus, "{}");
  wrong.set(http::field::authorization,
            absl::StrCat("Bearer ", std::string(sizeof(kToken) - 1, 'x')));
  EXPECT_EQ(Send(wrong).status, 401);
  auto shorter = Call(kGetStatus, "{}");
  shorter.set(http::field::authorization, "Bearer 0123");
  EXPECT_EQ(Send(shorter).status, 401);
  EXPECT_EQ(daemon_.calls, 0) << "a refused call reached the daemon";

  Reply ok = Send(Call(kGetStatus, "{}"));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "{\"state\":\"STATE_UNLOCKED\"}");
  EXPECT_EQ(ok.raw.find(http::field::set_cookie), ok.raw.end());
}

TEST_F(GatewayTest, OnlyRequestsAddressedToThisLoopbackPortAreServed) {
  StartDaemon();
  StartGateway();
  for (const std::string& host :
       {std::string("attacker.example:") + std::to_string(port_), std::string("127.0.0.1:1"),
        std::string("127.0.0.1"),
        std::string("localhost.attacker.example:") + std::to_string(port_)}) {
    http::request<http::string_body> page{http::verb::get, "/", 11};
    page.set(http::field::host, host);
    EXPECT_EQ(Send(page).status, 403) << host;
    auto call = Call(kGetStatus, "{}");
    call.set(http::field::host, host);
    Reply refused = Send(call);
    EXPECT_EQ(refused.status, 403) << host;
    EXPECT_THAT(refused.body, HasSubstr("permission_denied"));
  }
  auto local = Call(kGetStatus, "{}");
  local.set(http::field::host, absl::StrCat("localhost:", port_));
  EXPECT_EQ(Send(local).status, 200);
  EXPECT_EQ(daemon_.calls, 1);
}

TEST_F(GatewayTest, ACrossOriginCallIsRefused) {
  StartDaemon();
  StartGateway();
  for (const std::string& origin :
       {std::string("https://attacker.example"), std::string("null"),
        absl::StrCat("http://127.0.0.1:", port_ + 1), absl::StrCat("https://127.0.0.1:", port_)}) {
    auto call = Call(kGetStatus, "{}");
    call.set(http::field::origin, origin);
    EXPECT_EQ(Send(call).status, 403) << origin;
  }
  EXPECT_EQ(daemon_.calls, 0);
  auto same = Call(kGetStatus, "{}");
  same.set(http::field::origin, absl::StrCat("http://127.0.0.1:", port_));
  EXPECT_EQ(Send(same).status, 200);
}

TEST_F(GatewayTest, ABodyOverTheLimitIsRefusedAndTheGatewayKeepsServing) {
  StartDaemon();
  ServerLimits limits;
  limits.max_body_bytes = 4096;
  StartGateway(limits);
  Reply big = Send(Call(kGetStatus, std::string(5000, ' ')));
  EXPECT_EQ(big.status, 413);
  EXPECT_THAT(big.body, HasSubstr("resource_exhausted"));
  EXPECT_EQ(daemon_.calls, 0);
  EXPECT_EQ(Send(Call(kGetStatus, "{}")).status, 200);
}

TEST_F(GatewayTest, ConnectionsWithoutTheTokenCannotLockTheOwnerOut) {
  StartDaemon();
  ServerLimits limits;
  limits.max_connections = 4;
  StartGateway(limits);
  // Another user of the computer fills every connection and sends nothing.
  net::io_context io;
  std::vector<std::unique_ptr<beast::tcp_stream>> flood;
  for (int i = 0; i < 12; ++i) {
    flood.push_back(std::make_unique<beast::tcp_stream>(io));
    flood.back()->connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
  }
  // The owner's page still gets in.
  EXPECT_EQ(Send(Call(kGetStatus, "{}")).status, 200);
  EXPECT_EQ(Send({http::verb::get, "/", 11}).status, 200);
}

TEST_F(GatewayTest, AnUnknownMethodOrBadInputIsNamedAndNothingReachesTheDaemon) {
  StartDaemon();
  StartGateway();
  Reply unknown = Send(Call("/attune.v1.VaultService/Explode", "{}"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_THAT(unknown.body, HasSubstr("\"code\":\"unimplemented\""));
  EXPECT_THAT(unknown.body, HasSubstr("Explode"));
  // Services of the peer and plugin contracts are not the client API.
  EXPECT_EQ(Send(Call("/attune.v1.SyncPeer/Hello", "{}")).status, 404);

  Reply bad_json = Send(Call("/attune.v1.JournalService/CreateJournalEntry", "{\"bodyy\":\"x\"}"));
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_THAT(bad_json.body, HasSubstr("invalid_argument"));
  EXPECT_THAT(bad_json.body, HasSubstr("CreateJournalEntryRequest"));

  EXPECT_EQ(Send(Call(kGetStatus, "{}", "text/plain")).status, 415);
  auto timeout = Call(kGetStatus, "{}");
  timeout.set("Connect-Timeout-Ms", "soon");
  EXPECT_EQ(Send(timeout).status, 400);
  http::request<http::string_body> get{http::verb::get, kGetStatus, 11};
  get.set(http::field::authorization, absl::StrCat("Bearer ", kToken));
  EXPECT_EQ(Send(get).status, 405);
  EXPECT_EQ(daemon_.calls, 0);
}

TEST_F(GatewayTest, TheDaemonsErrorReachesThePageWithItsCodeAndMessage) {
  StartDaemon();
  StartGateway();
  daemon_.vault_error =
      grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "the vault is locked: unlock it first");
  Reply locked = Send(Call(kGetStatus, "{}"));
  EXPECT_EQ(locked.status, 400);
  EXPECT_EQ(locked.body,
            "{\"code\":\"failed_precondition\",\"message\":\"the vault is locked: unlock it "
            "first\"}");
  daemon_.vault_error = grpc::Status(grpc::StatusCode::NOT_FOUND, "no such \"entry\"");
  Reply missing = Send(Call(kGetStatus, "{}"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_THAT(missing.body, HasSubstr("no such \\\"entry\\\""));
}

TEST_F(GatewayTest, NoDaemonIsSaidPlainly) {
  StartGateway();  // nothing listens on the socket
  Reply down = Send(Call(kGetStatus, "{}"));
  EXPECT_EQ(down.status, 503);
  EXPECT_THAT(down.body, HasSubstr("\"code\":\"unavailable\""));
  EXPECT_THAT(down.body, HasSubstr("the daemon is not running"));
  EXPECT_THAT(down.body, HasSubstr("attuned &"));
}

TEST_F(GatewayTest, NothingGoesToASocketInAFolderOthersMayWriteIn) {
  // Anyone could have put that socket there: it may not be our daemon.
  std::filesystem::create_directories(dir_ / "open");
  ASSERT_EQ(chmod((dir_ / "open").c_str(), 0777), 0);
  socket_ = (dir_ / "open" / "d.sock").string();
  StartDaemon();
  StartGateway();
  Reply refused = Send(Call(kGetStatus, "{}"));
  EXPECT_EQ(refused.status, 403);
  EXPECT_THAT(refused.body, HasSubstr("permission_denied"));
  Reply stream = Send(Call(kWatch, Envelope(0, "{}"), kStreamJson));
  EXPECT_THAT(stream.body, HasSubstr("permission_denied"));
  EXPECT_EQ(daemon_.calls, 0);
}

// The end-of-stream message of a Connect stream's body, and the messages.
std::vector<std::pair<uint8_t, std::string>> Envelopes(absl::string_view body) {
  std::vector<std::pair<uint8_t, std::string>> out;
  while (body.size() >= 5) {
    const auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(body[i])); };
    const uint32_t size = b(1) << 24 | b(2) << 16 | b(3) << 8 | b(4);
    out.emplace_back(static_cast<uint8_t>(body[0]), std::string(body.substr(5, size)));
    body.remove_prefix(5 + size);
  }
  return out;
}

TEST_F(GatewayTest, AStreamSendsEachEventThenItsEnd) {
  StartDaemon();
  StartGateway();
  daemon_.watch_events = 2;
  Reply ok = Send(Call(kWatch, Envelope(0, "{\"afterId\":\"7\"}"), kStreamJson));
  ASSERT_EQ(ok.status, 200);
  EXPECT_EQ(std::string(ok.raw[http::field::content_type]), kStreamJson);
  auto envelopes = Envelopes(ok.body);
  ASSERT_EQ(envelopes.size(), 3u) << ok.body;
  EXPECT_EQ(envelopes[0].first, 0);
  EXPECT_THAT(envelopes[0].second, HasSubstr("\"id\":\"8\""));
  EXPECT_THAT(envelopes[1].second, HasSubstr("checkIns/2"));
  EXPECT_EQ(envelopes[2].first, kEndStreamFlag);
  EXPECT_EQ(envelopes[2].second, "{}");

  daemon_.watch_events = 1;
  daemon_.watch_end = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                   "this watcher fell behind; Watch again with after_id=8");
  Reply cut = Send(Call(kWatch, Envelope(0, "{}"), kStreamJson));
  ASSERT_EQ(cut.status, 200);
  envelopes = Envelopes(cut.body);
  ASSERT_EQ(envelopes.size(), 2u) << cut.body;
  EXPECT_EQ(envelopes[1].first, kEndStreamFlag);
  EXPECT_THAT(envelopes[1].second, HasSubstr("\"code\":\"resource_exhausted\""));
  EXPECT_THAT(envelopes[1].second, HasSubstr("after_id=8"));

  Reply unframed = Send(Call(kWatch, "{}", kStreamJson));
  EXPECT_EQ(unframed.status, 400);
  EXPECT_THAT(unframed.body, HasSubstr("envelope"));
}

TEST_F(GatewayTest, ABrowserThatLeavesEndsItsStreamAtTheDaemon) {
  StartDaemon();
  StartGateway();
  daemon_.watch_events = 1;
  daemon_.watch_hold = true;
  {
    net::io_context io;
    beast::tcp_stream stream(io);
    stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
    auto req = Call(kWatch, Envelope(0, "{}"), kStreamJson);
    req.set(http::field::host, Host());
    req.prepare_payload();
    http::write(stream, req);
    // Until the first event: the daemon is serving the call.
    std::string seen;
    while (seen.find("checkIns/1") == std::string::npos) {
      char bytes[512];
      beast::error_code ec;
      const size_t n = stream.read_some(net::buffer(bytes), ec);
      ASSERT_FALSE(ec) << ec.message() << " after " << seen;
      seen.append(bytes, n);
    }
    EXPECT_THAT(seen, HasSubstr("200 OK"));
  }  // the connection closes
  EXPECT_TRUE(daemon_.watch_cancelled.WaitForNotificationWithTimeout(absl::Seconds(60)));
}

TEST(ConnectProtocolTest, CodesMapToConnectsNamesAndHttpStatuses) {
  EXPECT_EQ(ConnectCodeName(absl::StatusCode::kFailedPrecondition), "failed_precondition");
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(absl::StatusCode::kNotFound), 404);
  EXPECT_EQ(ErrorJson(absl::InvalidArgumentError("a\nb\x01")),
            "{\"code\":\"invalid_argument\",\"message\":\"a\\nb\\u0001\"}");
  EXPECT_EQ(EndStreamJson(absl::OkStatus()), "{}");
  absl::StatusOr<std::string> back = OnlyEnvelope(Envelope(0, "{\"a\":1}"));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, "{\"a\":1}");
  EXPECT_FALSE(OnlyEnvelope(Envelope(1, "{}")).ok());
  EXPECT_FALSE(OnlyEnvelope(Envelope(0, "{}") + "x").ok());
  EXPECT_FALSE(ParseTimeoutMs("-5").ok());
  EXPECT_FALSE(ParseTimeoutMs("12345678901").ok());
  EXPECT_EQ(*ParseTimeoutMs("1500"), 1500);
  EXPECT_TRUE(IsContentType("application/json; charset=utf-8", kUnaryJson));
  EXPECT_FALSE(IsContentType("application/jsonx", kUnaryJson));
}

TEST(MethodTableTest, EveryClientApiMethodAndNothingElse) {
  const MethodTable& table = MethodTable::Api();
  EXPECT_NE(table.Find("/attune.v1.JournalService/CreateJournalEntry"), nullptr);
  const Method* watch = table.Find("/attune.v1.EventService/Watch");
  ASSERT_NE(watch, nullptr);
  EXPECT_TRUE(watch->server_streaming);
  EXPECT_EQ(table.Find("/attune.v1.JournalService/"), nullptr);
  EXPECT_GE(table.size(), 40u);
}

TEST(TokenFileTest, MadeOnceOnlyForItsOwnerAndRefusedWhenOthersMayReadIt) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / absl::StrCat("attune-token-", getpid());
  std::filesystem::remove_all(dir);
  const std::string path = (dir / "attune" / "web-token").string();
  absl::StatusOr<std::string> first = LoadOrCreateToken(path);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->size(), 43u);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat((dir / "attune").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  absl::StatusOr<std::string> again = LoadOrCreateToken(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *first);
  chmod(path.c_str(), 0644);
  absl::StatusOr<std::string> open = LoadOrCreateToken(path);
  EXPECT_EQ(open.status().code(), absl::StatusCode::kPermissionDenied);
  std::filesystem::remove_all(dir);
}

// Under systemd, attune-web's stdout is the journal, which root and the adm
// group read: the address it prints there leaves the token out. The journal
// is played by a pipe whose device and inode $JOURNAL_STREAM names.
TEST(TokenFileTest, TheTokenStaysOutOfTheJournal) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / absl::StrCat("attune-journal-", getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "page");
  std::ofstream(dir / "page" / "index.html") << "<!doctype html>";
  const std::string token_path = (dir / "web-token").string();
  absl::StatusOr<std::string> token = LoadOrCreateToken(token_path);
  ASSERT_TRUE(token.ok()) << token.status();
  for (bool journal : {false, true}) {
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    struct stat st;
    ASSERT_EQ(::fstat(out[1], &st), 0);
    const std::string stream = absl::StrCat(st.st_dev, ":", st.st_ino);
    EXPECT_EQ(IsJournalStream(out[1]), false) << "before JOURNAL_STREAM is set";
    // Everything the child needs, made before fork (other threads may run).
    std::vector<std::string> strings = {"attune-web",
                                        "--port",
                                        "0",
                                        "--socket",
                                        (dir / "no-daemon.sock").string(),
                                        "--page-dir",
                                        (dir / "page").string(),
                                        "--token-file",
                                        token_path,
                                        "JOURNAL_STREAM=" + stream};
    std::vector<char*> argv, envp;
    for (size_t i = 0; i + 1 < strings.size(); ++i) argv.push_back(strings[i].data());
    argv.push_back(nullptr);
    if (journal) envp.push_back(strings.back().data());
    envp.push_back(nullptr);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::execve(ATTUNE_WEB_PATH, argv.data(), envp.data());
      ::_exit(127);
    }
    ::close(out[1]);
    std::string printed;
    char c;
    while (printed.find("Open ") == std::string::npos || printed.back() != '\n') {
      if (::read(out[0], &c, 1) != 1) break;
      printed.push_back(c);
    }
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
    ::close(out[0]);
    if (journal) {
      EXPECT_THAT(printed, HasSubstr("attune-web --print-url"));
      EXPECT_THAT(printed, Not(HasSubstr(*token)));
    } else {
      EXPECT_THAT(printed, HasSubstr("/#token=" + *token));
    }
  }
  ::setenv("JOURNAL_STREAM", "1:2", 1);
  EXPECT_FALSE(IsJournalStream(STDOUT_FILENO));
  ::unsetenv("JOURNAL_STREAM");
  std::filesystem::remove_all(dir);
}

TEST(RequestGuardTest, HostOriginAndToken) {
  EXPECT_TRUE(CheckHost("127.0.0.1:8390", 8390).ok());
  EXPECT_TRUE(CheckHost("LocalHost:8390", 8390).ok());
  EXPECT_FALSE(CheckHost("127.0.0.1:8390.attacker.example", 8390).ok());
  EXPECT_FALSE(CheckHost("", 8390).ok());
  EXPECT_TRUE(CheckOrigin("", 8390).ok());
  EXPECT_FALSE(CheckOrigin("http://localhost:8391", 8390).ok());
  EXPECT_TRUE(CheckToken("Bearer abc", "abc").ok());
  EXPECT_FALSE(CheckToken("Basic abc", "abc").ok());
  EXPECT_FALSE(CheckToken("Bearer ", "").ok());
}

}  // namespace
}  // namespace attune::web
