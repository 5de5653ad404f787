// attune-relay-bench: what one blind relay process (attune-relay) costs, the
// figure that sizes a fleet of them. Devices are simulated in this process:
// real keys, member certificates and sealed, signed check-in ops, sent over
// TLS to a real relay on loopback, exactly as attuned sends them.
//
//  1. Forwarding: device A pushes N ops while device B of the same space is
//     connected; ops per second from A's first write until B holds them
//     all, and the relay's CPU per op, beside the Ed25519 verify ceiling the
//     relay pays once per op (measured in the same run, one core and all).
//  2. Idle spaces: the relay's RSS and disk per 1,000 spaces that each hold
//     a few days of check-ins and have no stream open.
//  3. N spaces (100, 1,000, 10,000) through one relay, each with two devices
//     that connect once a day, send their three check-ins and take their
//     partner's: the relay's CPU per op and per space-day, its RSS and disk,
//     and how they grow with N.
#include <grpcpp/create_channel.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

#include "attune/v1/sync.grpc.pb.h"
#include "daemon/sync/membership.h"
#include "daemon/sync/tls_credentials.h"
#include "daemon/sync/tls_identity.h"
#include "daemon/vault/device_id.h"
#include "daemon/vault/op_crypto.h"
#include "tools/bench/daemon_process.h"
#include "tools/bench/op_fixtures.h"
#include "tools/bench/proc_stats.h"
#include "tools/bench/scratch.h"
#include "tools/bench/verify_ceiling.h"

namespace attune::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& f : fs::recursive_directory_iterator(dir, ec)) {
    if (f.is_regular_file(ec)) total += f.file_size(ec);
  }
  return total;
}

// One attune-relay process.
class RelayProc {
 public:
  RelayProc(const std::string& binary, const std::string& dir) : dir_(dir) {
    fs::create_directories(dir);
    std::string out = dir + "/relay.out";
    pid_ = fork();
    if (pid_ == 0) {
      FILE* f = std::freopen(out.c_str(), "w", stdout);
      (void)f;
      dup2(1, 2);
      execl(binary.c_str(), binary.c_str(), "--data", (dir + "/data").c_str(), "--listen",
            "127.0.0.1:0", "--max-streams", "256", static_cast<char*>(nullptr));
      _exit(127);
    }
    const std::regex line(
        "relay address \\(for attune relay add\\): (\\S+)@127\\.0\\.0\\.1:(\\d+)");
    for (int i = 0; i < 600; ++i) {
      std::ifstream f(out);
      std::stringstream s;
      s << f.rdbuf();
      std::string text = s.str();
      std::smatch m;
      if (std::regex_search(text, m, line)) {
        auto id = ParseDeviceId(m[1].str());
        if (!id.ok()) throw std::runtime_error("relay printed a bad id");
        device_ = *id;
        address_ = "127.0.0.1:" + m[2].str();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    throw std::runtime_error("attune-relay did not start; see " + out);
  }
  ~RelayProc() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  pid_t pid() const { return pid_; }
  const std::string& device() const { return device_; }
  const std::string& address() const { return address_; }
  double Cpu() const { return ProcessCpuSeconds(pid_); }
  double Rss() const { return RssMb(pid_); }
  uint64_t Disk() const { return DirBytes(dir_ + "/data"); }

 private:
  std::string dir_, device_, address_;
  pid_t pid_ = -1;
};

// A simulated device of a space. Its keys are kept as plain bytes and made
// into a KeySet only while it writes: a KeySet's secrets are locked pages
// (sodium_malloc), and 10,000 spaces' worth would pass the process's limit
// of memory maps.
struct Device {
  std::string space, device, secret, space_key;
  TlsIdentity tls;
  uint64_t seq = 0;  // its own ops written

  std::unique_ptr<KeySet> Keys() const {
    auto k = std::make_unique<KeySet>();
    k->space_id = space;
    k->device_public_key = device;
    std::copy(secret.begin(), secret.end(), k->device_secret_key.data());
    std::copy(space_key.begin(), space_key.end(), k->space_key.data());
    return k;
  }
};

struct Space {
  Device a, b;
  std::vector<v1::MemberCert> certs;
};

Space MakeSpace() {
  Space s;
  auto a_keys = MakeBenchKeys();
  auto b_keys = MakeBenchKeys();
  b_keys->space_id = a_keys->space_id;
  const KeySet& a = *a_keys;
  const KeySet& b = *b_keys;
  v1::MemberCertBody founder;
  founder.set_space_id(a.space_id);
  founder.set_device(a.device_public_key);
  founder.set_member_id(a.member_id);
  founder.set_display_name("A");
  founder.set_added_by(a.device_public_key);
  founder.set_added_at_ms(1730000000000);
  v1::MemberCertBody partner = founder;
  partner.set_device(b.device_public_key);
  partner.set_member_id(b.member_id);
  partner.set_display_name("B");
  s.certs = {SignMemberCert(founder, a), SignMemberCert(partner, a)};
  for (auto [d, k] : {std::pair{&s.a, &a}, std::pair{&s.b, &b}}) {
    auto tls = MakeTlsIdentity(*k);
    if (!tls.ok()) throw std::runtime_error(std::string(tls.status().message()));
    d->tls = std::move(*tls);
    d->space = k->space_id;
    d->device = k->device_public_key;
    d->secret = std::string(k->device_secret_key.view());
    d->space_key = std::string(a.space_key.view());  // one space key for the space
  }
  return s;
}

v1::Op MakeOp(const KeySet& keys, uint64_t seq) {
  auto op = SealOp(MakeHeader(keys, seq), MakeCheckInBody(static_cast<int>(seq)), keys);
  if (!op.ok()) throw std::runtime_error(std::string(op.status().message()));
  return *op;
}

// One sync stream of a simulated device with the relay.
class Stream {
 public:
  Stream(const RelayProc& relay, const Device& d, const std::vector<v1::MemberCert>& certs,
         const std::map<std::string, uint64_t>& held) {
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride(PeerTargetName(relay.device()));
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(8 << 20);
    channel_ = grpc::CreateCustomChannel(relay.address(),
                                         PeerChannelCredentials(d.tls, relay.device()), args);
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
    stub_ = v1::PeerService::NewStub(channel_);
    stream_ = stub_->Sync(&context_);
    v1::SyncMessage hello;
    v1::Hello* h = hello.mutable_hello();
    h->set_protocol_version(1);
    h->set_space_id(d.space);
    h->set_device(d.device);
    for (const auto& c : certs) *h->add_members() = c;
    for (const auto& [author, seq] : held) {
      auto* e = h->add_version_vector();
      e->set_device(author);
      e->set_seq(seq);
    }
    v1::SyncMessage answer;
    if (!stream_->Write(hello) || !stream_->Read(&answer) || !answer.has_hello()) {
      throw std::runtime_error("the relay refused a simulated device: " +
                               stream_->Finish().error_message());
    }
  }
  // Half-closes and waits until the relay ended the call: it reads in
  // order, so by then it has stored every op sent.
  ~Stream() {
    stream_->WritesDone();
    v1::SyncMessage m;
    while (stream_->Read(&m)) {
    }
    (void)stream_->Finish();
  }
  bool Send(const std::vector<v1::Op>& ops) {
    for (size_t i = 0; i < ops.size(); i += 512) {
      v1::SyncMessage m;
      for (size_t j = i; j < ops.size() && j < i + 512; ++j) *m.mutable_ops()->add_ops() = ops[j];
      if (!stream_->Write(m)) return false;
    }
    return true;
  }
  // Reads until `count` ops arrived; false if the stream ended first.
  bool Receive(uint64_t count) {
    v1::SyncMessage m;
    uint64_t got = 0;
    while (got < count && stream_->Read(&m)) got += static_cast<uint64_t>(m.ops().ops_size());
    return got >= count;
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  grpc::ClientContext context_;
  std::unique_ptr<v1::PeerService::Stub> stub_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::SyncMessage, v1::SyncMessage>> stream_;
};

// One day of `spaces`: each device connects once, sends `per_day` new
// check-ins and takes what its partner sent since its last visit. Spread
// over `threads` client threads. Returns the ops the relay took.
uint64_t RunDay(const RelayProc& relay, std::vector<Space>& spaces, int per_day, int threads) {
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> sent{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < spaces.size(); i = next++) {
        Space& s = spaces[i];
        for (Device* me : {&s.a, &s.b}) {
          Device* partner = me == &s.a ? &s.b : &s.a;
          std::vector<v1::Op> ops;
          auto keys = me->Keys();
          for (int k = 0; k < per_day; ++k) ops.push_back(MakeOp(*keys, ++me->seq));
          // It holds its own ops and its partner's up to what it took at
          // its last visit: A visits first each day, so A lacks B's ops of
          // the day before (none on the first day), and B lacks A's of today.
          const uint64_t partner_new =
              me == &s.b || partner->seq > 0 ? static_cast<uint64_t>(per_day) : 0;
          std::map<std::string, uint64_t> held = {{me->device, me->seq - per_day},
                                                  {partner->device, partner->seq - partner_new}};
          Stream stream(relay, *me, s.certs, held);
          if (!stream.Send(ops)) throw std::runtime_error("the relay ended a stream");
          if (!stream.Receive(partner_new)) {
            throw std::runtime_error("a simulated device did not get its partner's ops");
          }
          sent += ops.size();
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  return sent;
}

struct Options {
  std::string relay;
  std::string dir = "/tmp";
  bool quick = false;
  int forward_ops = 20000;
  int idle_spaces = 1000;
  std::vector<int> sizes = {100, 1000, 10000};
  int days = 3;
  int per_day = 3;
  int threads = 2;
};

void Forwarding(const Options& o, const std::string& scratch) {
  VerifyCeiling ceiling = MeasureVerifyRate(o.quick ? 0.2 : 1.0);
  RelayProc relay(o.relay, scratch + "/forward");
  Space s = MakeSpace();
  std::vector<v1::Op> ops;
  auto a_keys = s.a.Keys();
  for (int i = 1; i <= o.forward_ops; ++i) ops.push_back(MakeOp(*a_keys, ++s.a.seq));
  Stream b(relay, s.b, s.certs, {});
  const double cpu0 = relay.Cpu();
  const auto start = Clock::now();
  std::thread sender([&] {
    Stream a(relay, s.a, s.certs, {});
    if (!a.Send(ops)) throw std::runtime_error("the relay ended A's stream");
  });
  bool all = b.Receive(static_cast<uint64_t>(o.forward_ops));
  const double wall = Seconds(Clock::now() - start);
  const double cpu = relay.Cpu() - cpu0;
  sender.join();
  if (!all) throw std::runtime_error("B did not get every op");
  std::printf("Forwarding: %d check-in ops from A to B through the relay\n", o.forward_ops);
  std::printf("  %.0f ops/s (%.2f s from A's first write until B held them all)\n",
              o.forward_ops / wall, wall);
  std::printf("  relay CPU %.3f ms per op (%.2f s in all)\n", cpu * 1000 / o.forward_ops, cpu);
  std::printf("  ceiling: Ed25519 verify %.0f/s on one core, %.0f/s on all %u (%.3f ms each)\n",
              ceiling.per_second, ceiling.PerSecondAllCores(), ceiling.cores,
              1000.0 / ceiling.per_second);
  std::printf("  forwarding at %.0f%% of the all-core verify ceiling\n",
              100.0 * o.forward_ops / wall / ceiling.PerSecondAllCores());
}

void Idle(const Options& o, const std::string& scratch) {
  RelayProc relay(o.relay, scratch + "/idle");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const double rss0 = relay.Rss();
  const uint64_t disk0 = relay.Disk();
  std::vector<Space> spaces;
  for (int i = 0; i < o.idle_spaces; ++i) spaces.push_back(MakeSpace());
  uint64_t ops = 0;
  for (int d = 0; d < 3; ++d) ops += RunDay(relay, spaces, o.per_day, o.threads);
  std::this_thread::sleep_for(std::chrono::seconds(1));  // streams closed on both sides
  const double rss = relay.Rss() - rss0;
  const uint64_t disk = relay.Disk() - disk0;
  const double per = 1000.0 / o.idle_spaces;
  std::printf("Idle spaces: %d spaces, 3 days of check-ins each (%llu ops), no stream open\n",
              o.idle_spaces, static_cast<unsigned long long>(ops));
  std::printf("  relay RSS %.1f MB and disk %.1f MB per 1,000 idle spaces (%.1f MB RSS at start)\n",
              rss * per, static_cast<double>(disk) / (1 << 20) * per, rss0);
}

void Simulation(const Options& o, const std::string& scratch) {
  std::printf(
      "N spaces through one relay, two devices each, one visit a device a day, %d "
      "check-ins a visit, %d days (the first registers the space):\n",
      o.per_day, o.days);
  std::printf("  %8s %10s %10s %12s %14s %8s %8s %11s\n", "N", "ops", "CPU/op", "CPU/visit",
              "CPU/space-day", "RSS MB", "disk MB", "wall/day s");
  double first_per_op = 0;
  for (int n : o.sizes) {
    RelayProc relay(o.relay, scratch + "/sim" + std::to_string(n));
    std::vector<Space> spaces;
    for (int i = 0; i < n; ++i) spaces.push_back(MakeSpace());
    // Day one registers every space; the later days are the steady state.
    RunDay(relay, spaces, o.per_day, o.threads);
    const double cpu0 = relay.Cpu();
    const auto start = Clock::now();
    uint64_t ops = 0;
    for (int d = 1; d < o.days; ++d) ops += RunDay(relay, spaces, o.per_day, o.threads);
    const double wall = Seconds(Clock::now() - start);
    const double cpu = relay.Cpu() - cpu0;
    const int steady_days = std::max(1, o.days - 1);
    const double per_op = cpu * 1000 / static_cast<double>(std::max<uint64_t>(1, ops));
    if (first_per_op == 0) first_per_op = per_op;
    std::printf("  %8d %10llu %7.3f ms %9.2f ms %11.2f ms %8.1f %8.1f %11.1f\n", n,
                static_cast<unsigned long long>(ops), per_op, cpu * 1000 / (2.0 * n * steady_days),
                cpu * 1000 / n / steady_days, relay.Rss(),
                static_cast<double>(relay.Disk()) / (1 << 20), wall / steady_days);
  }
  std::printf("  (CPU per op at the largest N against the smallest shows how the cost grows)\n");
}

}  // namespace
}  // namespace attune::bench

int main(int argc, char** argv) {
  using namespace attune::bench;
  Options o;
  CLI::App app{"attune-relay-bench: what one attune-relay process costs"};
  app.add_option("--relay", o.relay, "the attune-relay binary")->required();
  app.add_option("--dir", o.dir, "where the scratch folder goes")->capture_default_str();
  app.add_flag("--quick", o.quick, "small sizes, to check the bench runs");
  app.add_option("--forward-ops", o.forward_ops, "ops forwarded A to B")->capture_default_str();
  app.add_option("--idle-spaces", o.idle_spaces, "spaces for the idle footprint")
      ->capture_default_str();
  app.add_option("--sizes", o.sizes, "numbers of spaces simulated")->capture_default_str();
  app.add_option("--days", o.days, "days simulated (the first registers)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (o.quick) {
    o.forward_ops = 2000;
    o.idle_spaces = 50;
    o.sizes = {20, 50};
    o.days = 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::string scratch = attune::bench::MakeScratchDir(o.dir);
  try {
    Forwarding(o, scratch);
    Idle(o, scratch);
    Simulation(o, scratch);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "attune-relay-bench: %s\n", e.what());
    attune::bench::RemoveTree(scratch);
    return 1;
  }
  attune::bench::RemoveTree(scratch);
  return 0;
}
