// attune-plugin-bench: what running exercises in plugins costs.
//
//   attune-plugin-bench [--attuned PATH] [--plugins-dir DIR] [--sessions N]
//                       [--cold N] [--quick] [--keep]
//
// 1. A step round trip: AnswerStep through a real attuned to its running
//    plugin (practices) and back, over the daemon's Unix socket, beside a
//    plain gRPC call to the same daemon on the same channel
//    (CheckInService.ListEmotions: no disk, no plugin). Target: the plugin
//    hop adds less than 2x a plain call (p50).
// 2. The cold start of a plugin on first use: from a PluginHost with nothing
//    running to the first step of a session (spawn, handshake, Describe,
//    Start). Target: under 100 ms (p50).
// Each figure is p50 and p99 of its samples, from one run on one machine:
// compare the ratios, not the absolute times of different runs. Missed
// targets are reported, not failed.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "attune/v1/api.grpc.pb.h"
#include "common/daemon_socket.h"
#include "daemon/plugins/grant_store.h"
#include "daemon/plugins/host.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Stats {
  double p50 = 0, p99 = 0;
  size_t n = 0;
};

Stats Summarise(std::vector<double> ms) {
  Stats s;
  s.n = ms.size();
  if (ms.empty()) return s;
  std::sort(ms.begin(), ms.end());
  s.p50 = ms[ms.size() / 2];
  s.p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  return s;
}

double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

[[noreturn]] void Fail(const std::string& why) {
  std::cerr << "attune-plugin-bench: " << why << "\n";
  std::exit(1);
}

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto c = std::make_unique<grpc::ClientContext>();
  c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return c;
}

// A scripted answer (the bench does not care what is said).
attune::v1::Answer Answer(const attune::v1::Step& step) {
  attune::v1::Answer a;
  switch (step.kind_case()) {
    case attune::v1::Step::kTextInput:
      a.set_text("words for the bench");
      break;
    case attune::v1::Step::kRatingInput:
      a.set_rating(4);
      break;
    case attune::v1::Step::kChoiceInput:
      a.mutable_choices()->add_keys(step.choice_input().choices(0).key());
      break;
    case attune::v1::Step::kEmotionInput: {
      auto* l = a.mutable_emotions()->add_emotions();
      l->set_label("calm");
      l->set_intensity(3);
      break;
    }
    default:
      a.set_done(true);
  }
  return a;
}

// The daemon as a child process on a scratch folder; killed at the end.
class Daemon {
 public:
  Daemon(const std::string& attuned, const std::string& dir, const std::string& plugins) {
    socket_ = dir + "/attuned.sock";
    pid_ = ::fork();
    if (pid_ == 0) {
      std::string log = dir + "/attuned.log";
      FILE* f = std::freopen(log.c_str(), "w", stderr);
      (void)f;
      ::execl(attuned.c_str(), attuned.c_str(), "--data-dir", (dir + "/data").c_str(), "--socket",
              socket_.c_str(), "--plugins-dir", plugins.c_str(), nullptr);
      ::_exit(127);
    }
    for (int i = 0; i < 400 && !fs::exists(socket_); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    if (!fs::exists(socket_)) Fail("attuned did not start; see " + dir + "/attuned.log");
    grpc::ChannelArguments args = attune::DaemonChannelArguments();
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
    // Each connection attempt may take 20 s (gRPC reads the min backoff as
    // that); a busy machine needs more than 50 ms for the HTTP/2 settings.
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 20000);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
    channel_ =
        grpc::CreateCustomChannel("unix:" + socket_, grpc::InsecureChannelCredentials(), args);
  }
  ~Daemon() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }

 private:
  pid_t pid_ = -1;
  std::string socket_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace

int main(int argc, char** argv) {
  fs::path self = fs::read_symlink("/proc/self/exe").parent_path();
  std::string attuned = (self / ".." / ".." / "daemon" / "attuned").lexically_normal().string();
  std::string plugins = ATTUNE_BUILTIN_PLUGINS_DIR;
  int sessions = 100, cold = 20;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Fail(a + " needs a value");
      return argv[++i];
    };
    if (a == "--attuned")
      attuned = next();
    else if (a == "--plugins-dir")
      plugins = next();
    else if (a == "--sessions")
      sessions = std::stoi(next());
    else if (a == "--cold")
      cold = std::stoi(next());
    else if (a == "--quick")
      sessions = 10, cold = 3;
    else if (a == "--keep")
      keep = true;
    else
      Fail(
          "usage: attune-plugin-bench [--attuned PATH] [--plugins-dir DIR] [--sessions N] "
          "[--cold N] [--quick] [--keep]");
  }
  char tmpl[] = "/tmp/attune-plugin-bench-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) Fail("cannot make a scratch folder");
  std::string dir = tmpl;

  std::vector<double> plain_ms, step_ms, cold_ms;
  {
    Daemon daemon(attuned, dir, plugins);
    auto vault = attune::v1::VaultService::NewStub(daemon.channel());
    auto checkins = attune::v1::CheckInService::NewStub(daemon.channel());
    auto exercises = attune::v1::ExerciseService::NewStub(daemon.channel());
    attune::v1::InitRequest init;
    init.set_passphrase("a bench passphrase");
    init.set_display_name("Bench");
    init.set_kdf_cost(attune::v1::KDF_COST_TEST_ONLY_MINIMUM);
    attune::v1::VaultStatus st;
    auto ctx = Ctx();
    ctx->set_wait_for_ready(true);
    if (!vault->Init(ctx.get(), init, &st).ok()) Fail("cannot initialise the vault");

    auto run_session = [&](bool timed) {
      attune::v1::StartSessionRequest start;
      start.set_exercise("reflective-listening");
      start.set_partner_name("Sam");
      attune::v1::LiveSession s;
      grpc::Status status = exercises->StartSession(Ctx().get(), start, &s);
      if (!status.ok()) Fail("StartSession: " + status.error_message());
      while (!s.finished()) {
        attune::v1::AnswerStepRequest r;
        r.set_session(s.name());
        *r.mutable_answer() = Answer(s.step());
        attune::v1::LiveSession next;
        auto t = Clock::now();
        status = exercises->AnswerStep(Ctx().get(), r, &next);
        double ms = MsSince(t);
        if (!status.ok()) Fail("AnswerStep: " + status.error_message());
        // The last answer also stores the session (an fsync): not a hop.
        if (timed && !next.finished()) step_ms.push_back(ms);
        s = next;
      }
    };
    for (int i = 0; i < 3; ++i) run_session(false);  // warm-up, plugin running
    int plain_calls = std::max(200, sessions * 10);
    for (int i = 0; i < plain_calls; ++i) {
      attune::v1::ListEmotionsResponse e;
      auto t = Clock::now();
      if (!checkins->ListEmotions(Ctx().get(), attune::v1::ListEmotionsRequest(), &e).ok()) {
        Fail("ListEmotions failed");
      }
      plain_ms.push_back(MsSince(t));
    }
    for (int i = 0; i < sessions; ++i) run_session(true);
  }

  attune::PluginHostOptions options;
  options.dirs = {{plugins, true}};
  options.runtime_dir = dir + "/run";
  attune::MemoryGrantStore grants;
  attune::SystemClock clock;
  attune::plugin::v1::StartRequest start;
  start.mutable_context()->set_exercise("daily-checkin");
  start.mutable_context()->set_first_name("Bench");
  std::vector<double> hop_ms;
  {
    // The host's own call to a running plugin, in this process: the part of
    // a step round trip that is the plugin hop.
    attune::PluginHost host(options, &grants, &clock);
    auto first = host.Start("practices", start);
    if (!first.ok()) Fail("Start: " + std::string(first.status().message()));
    attune::plugin::v1::AdvanceRequest advance;
    *advance.mutable_context() = start.context();
    auto* ex = advance.add_transcript();
    *ex->mutable_step() = first->step();
    ex->mutable_answer()->set_done(true);
    for (int i = 0; i < std::max(200, sessions * 10); ++i) {
      auto t = Clock::now();
      auto next = host.Advance("practices", advance);
      double ms = MsSince(t);
      if (!next.ok()) Fail("Advance: " + std::string(next.status().message()));
      if (i >= 20) hop_ms.push_back(ms);
    }
  }
  for (int i = 0; i < cold + 1; ++i) {
    attune::PluginHost host(options, &grants, &clock);
    auto t = Clock::now();
    auto step = host.Start("practices", start);
    double ms = MsSince(t);
    if (!step.ok()) Fail("cold start: " + std::string(step.status().message()));
    if (i > 0) cold_ms.push_back(ms);  // the first one also warms the page cache
  }
  if (keep) {
    std::cerr << "kept " << dir << " (the daemon's log is attuned.log there)\n";
  } else {
    fs::remove_all(dir);
  }

  Stats plain = Summarise(plain_ms), step = Summarise(step_ms), start_stats = Summarise(cold_ms);
  double added = step.p50 - plain.p50;
  double ratio = plain.p50 > 0 ? added / plain.p50 : 0;
  std::printf("%-44s %9s %9s %7s\n", "", "p50 ms", "p99 ms", "samples");
  std::printf("%-44s %9.3f %9.3f %7zu\n", "plain gRPC call (ListEmotions)", plain.p50, plain.p99,
              plain.n);
  std::printf("%-44s %9.3f %9.3f %7zu\n", "step round trip via the plugin (AnswerStep)", step.p50,
              step.p99, step.n);
  Stats hop = Summarise(hop_ms);
  std::printf("%-44s %9.3f %9.3f %7zu\n", "  of which host -> plugin Advance call", hop.p50,
              hop.p99, hop.n);
  std::printf("%-44s %9.1f %9.1f %7zu\n", "plugin cold start to first step", start_stats.p50,
              start_stats.p99, start_stats.n);
  std::printf("\nplugin hop adds %.3f ms = %.2fx a plain call (target < 2x): %s\n", added, ratio,
              ratio < 2 ? "met" : "MISSED");
  std::printf("cold start p50 %.1f ms (target < 100 ms): %s\n", start_stats.p50,
              start_stats.p50 < 100 ? "met" : "MISSED");
  return 0;
}
