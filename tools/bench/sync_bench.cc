#include "tools/bench/sync_bench.h"

#include <grpcpp/client_context.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iomanip>
#include <iostream>
#include <latch>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "attune/v1/api.grpc.pb.h"
#include "tools/bench/daemon_process.h"
#include "tools/bench/days.h"
#include "tools/bench/empty_call_bench.h"
#include "tools/bench/fsync_probe.h"
#include "tools/bench/rpc_client.h"
#include "tools/bench/write_bench.h"

namespace attune::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr auto kServeTimeout = std::chrono::seconds(15);
constexpr auto kCallTimeout = std::chrono::seconds(30);
// How often B's shared-op count is read during the initial sync.
constexpr auto kStatusPoll = std::chrono::milliseconds(5);
// The initial sync fails when B's count stays the same this long.
constexpr auto kSyncStall = std::chrono::seconds(60);
// How long a live write may take to show on B before the bench gives up.
constexpr auto kLiveTimeout = std::chrono::seconds(10);
// Between two polls of B for a live write. Not zero: on a machine with few
// cores a poller that never sleeps takes CPU time from the daemons it
// watches (on 2 cores it added outliers of 100+ ms).
constexpr auto kLivePollPause = std::chrono::microseconds(100);
// Between one live write showing on B and the next write on A.
constexpr auto kLiveGap = std::chrono::milliseconds(5);
// After the initial sync, before the live writes: both sides idle.
constexpr auto kSettle = std::chrono::milliseconds(300);
// Seeding decides whether to stop early once it has run this long.
constexpr double kSeedCapAfterSeconds = 3;
// How many clients write a burst at once, each with a connection of its own.
constexpr int kBurstClients = 16;
constexpr int kWarmupAppends = 3;
// Before each round of live writes: both daemons at rest (see AwaitQuiet).
constexpr auto kQuietWindow = std::chrono::seconds(1);
constexpr double kQuietShare = 0.02;
constexpr auto kQuietLimit = std::chrono::seconds(120);
// The verify rate is measured this many times; the median is the ceiling.
constexpr int kVerifyRepeats = 3;
constexpr size_t kJournalBodyBytes = 100;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }
double Ms(SteadyClock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::chrono::system_clock::time_point Deadline(std::chrono::milliseconds in = kCallTimeout) {
  return std::chrono::system_clock::now() + in;
}

// One of the pair: a daemon listening for peers on a free loopback port,
// with an initialised vault.
struct Peer {
  std::string name;  // "A" or "B"
  std::string socket;
  DaemonProcess process;

  void Start(const SyncLoad& load, const std::string& peer_name) {
    name = peer_name;
    socket = load.dir + "/" + name + ".sock";
    process.Start(load.attuned, load.dir + "/" + name + "-data", socket,
                  load.dir + "/" + name + ".log", {"--peer-listen", "127.0.0.1:0"});
    WaitUntilServing(socket, kServeTimeout, [&](std::string* how) { return process.Running(how); });
    InitVault(socket, "bench " + name);
  }

  // After a stop: the same data folder and socket again, unlocked.
  void Restart(const SyncLoad& load) {
    process.Start(load.attuned, load.dir + "/" + name + "-data", socket,
                  load.dir + "/" + name + ".log", {"--peer-listen", "127.0.0.1:0"});
    WaitUntilServing(socket, kServeTimeout, [&](std::string* how) { return process.Running(how); });
    UnlockVault(socket);
  }
};

v1::SyncStatus SyncStatusOf(v1::SyncService::Stub& stub, const std::string& who) {
  grpc::ClientContext context;
  context.set_deadline(Deadline());
  v1::SyncStatus status;
  grpc::Status s = stub.GetSyncStatus(&context, v1::GetSyncStatusRequest(), &status);
  if (!s.ok()) throw std::runtime_error("GetSyncStatus on " + who + " failed: " + Describe(s));
  return status;
}

// ~100 bytes of text, different for every i.
// The texts every journal entry of the bench is written with, when given
// (SyncLoad::bodies); set once before anything is written.
const std::vector<std::string>* g_bodies = nullptr;

std::string SeedBody(int i) {
  if (g_bodies != nullptr && !g_bodies->empty()) {
    return (*g_bodies)[static_cast<size_t>(i) % g_bodies->size()];
  }
  char head[64];
  std::snprintf(head, sizeof head, "Seed entry %07d: ", i);
  std::string body = head;
  const std::string filler =
      "we talked after dinner about the week ahead and who would cook on Sunday. ";
  while (body.size() < kJournalBodyBytes) body += filler;
  body.resize(kJournalBodyBytes);
  return body;
}

// Rounds a cap down to two significant figures: a number people can read.
int RoundDown(int n) {
  int unit = 1;
  while (n / unit >= 100) unit *= 10;
  return n / unit * unit;
}

struct Seeded {
  Samples samples;
  SteadyClock::time_point started;  // when the clients were let go
  int written = 0;
  bool capped = false;
};

// Writes up to `ops` shared journal entries on A from `clients` clients at
// once, each with a connection of its own; stops early when all would not
// fit in budget_seconds (0: never).
Seeded SeedSharedOps(const std::string& socket, int ops, int clients, double budget_seconds) {
  clients = std::max(1, clients);
  std::atomic<int> next{0}, limit{ops}, written{0}, finished{0};
  std::mutex mu;
  std::condition_variable all_finished;  // signalled when `finished` reaches `clients`
  std::string error;                     // the first failure, guarded by mu
  // When each client's last call returned: the burst ends at the latest.
  std::vector<SteadyClock::time_point> last_reply(static_cast<size_t>(clients));
  std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
  std::latch ready(clients);
  std::latch go(1);

  auto client = [&](int c) {
    auto stub = v1::JournalService::NewStub(MakeChannel(socket));
    auto& mine = latencies[static_cast<size_t>(c)];
    ready.count_down();
    go.wait();
    for (;;) {
      int i = next.fetch_add(1);
      if (i >= limit.load()) break;
      v1::CreateJournalEntryRequest request;
      v1::JournalEntry* e = request.mutable_journal_entry();
      e->set_body(SeedBody(i));
      e->set_visibility(v1::VISIBILITY_SHARED);
      grpc::ClientContext context;
      context.set_deadline(Deadline());
      v1::JournalEntry response;
      auto start = SteadyClock::now();
      grpc::Status s = stub->CreateJournalEntry(&context, request, &response);
      auto end = SteadyClock::now();
      if (!s.ok()) {
        std::lock_guard lock(mu);
        if (error.empty()) error = "CreateJournalEntry on A failed: " + Describe(s);
        limit = 0;  // stops the others too
        break;
      }
      mine.push_back(Ms(end - start));
      last_reply[static_cast<size_t>(c)] = end;
      written.fetch_add(1);
    }
    std::lock_guard lock(mu);
    if (finished.fetch_add(1) + 1 == clients) all_finished.notify_all();
  };

  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) threads.emplace_back(client, c);
  ready.wait();
  Seeded out;
  auto start = SteadyClock::now();
  out.started = start;
  go.count_down();
  auto next_report = start + std::chrono::seconds(10);
  for (;;) {
    {
      // Wakes as soon as the last client is done (the burst's end is timed
      // by its replies, not by this loop), else every 100 ms to check.
      std::unique_lock lock(mu);
      if (all_finished.wait_for(lock, std::chrono::milliseconds(100),
                                [&] { return finished.load() == clients; })) {
        break;
      }
    }
    auto now = SteadyClock::now();
    double elapsed = Seconds(now - start);
    int done = written.load();
    // Once the rate is known, lower the limit to what fits the budget (the
    // rate tends to fall as the store grows, so this is checked throughout).
    if (budget_seconds > 0 && elapsed >= kSeedCapAfterSeconds && done > 0) {
      double rate = done / elapsed;
      if (rate * budget_seconds < limit.load()) {
        int fit = std::max(done, RoundDown(static_cast<int>(rate * budget_seconds)));
        if (fit < limit.load() && limit.load() > 0) {
          limit = fit;
          out.capped = true;
        }
      }
    }
    if (now >= next_report) {
      std::cerr << done << "/" << limit.load() << "… " << std::flush;
      next_report += std::chrono::seconds(10);
    }
  }
  for (auto& t : threads) t.join();
  auto end = start;
  for (auto t : last_reply) end = std::max(end, t);
  if (!error.empty()) throw std::runtime_error(error);
  for (const auto& mine : latencies) {
    out.samples.latencies_ms.insert(out.samples.latencies_ms.end(), mine.begin(), mine.end());
  }
  out.samples.wall_seconds = Seconds(end - start);
  out.written = written.load();
  return out;
}

// Waits until A has sent B everything and both see the stream open (A may
// have other, offline, members: earlier joiners).
void AwaitIdle(v1::SyncService::Stub& a, v1::SyncService::Stub& b) {
  auto give_up = SteadyClock::now() + std::chrono::seconds(15);
  for (;;) {
    v1::SyncStatus sa = SyncStatusOf(a, "A"), sb = SyncStatusOf(b, "B");
    bool a_idle = false;
    for (const auto& p : sa.peers()) a_idle |= p.online() && p.ops_they_lack() == 0;
    bool b_idle = false;
    for (const auto& p : sb.peers()) b_idle |= p.online() && p.ops_we_lack() == 0;
    if (a_idle && b_idle && sa.shared_ops() == sb.shared_ops()) return;
    if (SteadyClock::now() > give_up) {
      throw std::runtime_error("A and B did not settle after the initial sync (A sees " +
                               std::to_string(sa.peers_size()) + " peers)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Waits until neither daemon has used more than kQuietShare of a core over
// the last kQuietWindow: after taking in many ops a daemon compacts them for
// a while, and the live writes are meant for a pair at rest. Gives up (and
// measures anyway) after kQuietLimit. Returns the seconds waited.
double AwaitQuiet(Peer& a, Peer& b) {
  const auto start = SteadyClock::now();
  while (SteadyClock::now() - start < kQuietLimit) {
    const double a0 = a.process.CpuSeconds(), b0 = b.process.CpuSeconds();
    std::this_thread::sleep_for(kQuietWindow);
    const double used = a.process.CpuSeconds() - a0 + b.process.CpuSeconds() - b0;
    // NaN: a daemon has ended; the live writes will say so at once.
    if (std::isnan(used) ||
        used <= kQuietShare * std::chrono::duration<double>(kQuietWindow).count()) {
      break;
    }
  }
  return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

}  // namespace

Spread SyncFigures::Live(Figure LiveRound::*figure, double Figure::*value) const {
  std::vector<double> values;
  for (const LiveRound& r : live) values.push_back(r.*figure.*value);
  return SpreadOf(values);
}

Spread SyncFigures::RevealOverTwoTrips() const {
  std::vector<double> values;
  for (const LiveRound& r : live) values.push_back(r.reveal.p50_ms / (2 * r.live.p50_ms));
  return SpreadOf(values);
}

Spread SyncFigures::LiveP50Over(Figure LiveRound::*probe) const {
  std::vector<double> values;
  for (const LiveRound& r : live) values.push_back(r.live.p50_ms / (r.*probe).p50_ms);
  return SpreadOf(values);
}

double SyncFigures::SyncRatio() const {
  if (initial.empty()) return kNaN;
  return SpreadOf(initial.back().PerSecond()).median / verify.PerSecondAllCores();
}

namespace {

// Seeds a fresh daemon A to `ops` shared ops (A's existing ops count).
Seeded SeedTo(Peer& a, v1::SyncService::Stub& a_sync, int ops, const SyncLoad& load) {
  uint64_t before = SyncStatusOf(a_sync, a.name).shared_ops();
  int wanted = ops - static_cast<int>(before);
  Seeded seeded;
  if (wanted <= 0) return seeded;
  std::cerr << "seeding " << a.name << " with " << wanted << " shared ops… " << std::flush;
  seeded = SeedSharedOps(a.socket, wanted, load.seed_clients, load.seed_budget_seconds);
  uint64_t after = SyncStatusOf(a_sync, a.name).shared_ops();
  if (after != before + static_cast<uint64_t>(seeded.written)) {
    throw std::runtime_error(a.name + " holds " + std::to_string(after) + " shared ops after " +
                             std::to_string(seeded.written) + " shared writes (and " +
                             std::to_string(before) + " before)");
  }
  return seeded;
}

// A fresh daemon `b` joins A's space; returns once it holds every shared op
// A held, and records the run in `out`.
void JoinAndSync(Peer& a, Peer& b, const SyncLoad& load, const std::string& name,
                 InitialSync* out) {
  auto a_sync = v1::SyncService::NewStub(MakeChannel(a.socket));
  const uint64_t a_shared = SyncStatusOf(*a_sync, a.name).shared_ops();
  b.Start(load, name);
  auto b_sync = v1::SyncService::NewStub(MakeChannel(b.socket));
  const uint64_t b_before = SyncStatusOf(*b_sync, name).shared_ops();
  const uint64_t target = a_shared + b_before;
  out->ops = static_cast<int>(a_shared);

  v1::Invite invite;
  {
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    grpc::Status s = v1::SpaceService::NewStub(MakeChannel(a.socket))
                         ->CreateInvite(&context, v1::CreateInviteRequest(), &invite);
    if (!s.ok()) throw std::runtime_error("CreateInvite on " + a.name + " failed: " + Describe(s));
  }
  auto b_space = v1::SpaceService::NewStub(MakeChannel(b.socket));
  v1::JoinSpaceRequest join;
  join.set_code(invite.code());
  v1::JoinSpaceResponse joined_response;
  grpc::ClientContext join_context;
  join_context.set_deadline(Deadline());
  auto join_start = SteadyClock::now();
  grpc::Status joined_status = b_space->JoinSpace(&join_context, join, &joined_response);
  auto joined = SteadyClock::now();
  if (!joined_status.ok()) {
    throw std::runtime_error("JoinSpace on " + name + " failed: " + Describe(joined_status));
  }
  double cpu_a0 = a.process.CpuSeconds(), cpu_b0 = b.process.CpuSeconds();
  double first_op = kNaN;
  uint64_t have = b_before;
  auto last_progress = joined;
  SteadyClock::time_point done;
  for (;;) {
    v1::SyncStatus status = SyncStatusOf(*b_sync, name);
    auto now = SteadyClock::now();
    if (status.shared_ops() > b_before && std::isnan(first_op)) first_op = Seconds(now - joined);
    if (status.shared_ops() > have) last_progress = now;
    have = status.shared_ops();
    if (have >= target) {
      done = now;
      break;
    }
    if (now - last_progress > kSyncStall) {
      std::string error = status.peers_size() > 0 ? status.peers(0).last_error() : "no peer";
      throw std::runtime_error("initial sync stalled: " + name + " holds " + std::to_string(have) +
                               " of " + std::to_string(target) + " shared ops" +
                               (error.empty() ? "" : " (" + error + ")"));
    }
    std::this_thread::sleep_for(kStatusPoll);
  }
  out->seconds.push_back(Seconds(done - joined));
  out->first_op_seconds.push_back(first_op);
  out->join_seconds.push_back(Seconds(joined - join_start));
  out->cpu_a_seconds.push_back(a.process.CpuSeconds() - cpu_a0);
  const double cpu_b1 = b.process.CpuSeconds();
  out->cpu_b_seconds.push_back(cpu_b1 - cpu_b0);
  AwaitQuiet(a, b);
  out->cpu_b_after_seconds.push_back(b.process.CpuSeconds() - cpu_b1);
  std::cerr << std::fixed << std::setprecision(2) << out->seconds.back() << " s; "
            << std::defaultfloat << std::flush;
}

// Polls B's count of shared ops every millisecond until it reaches
// `target`; returns when it did. Throws, naming `what` and the count, when
// kSyncStall passes first.
SteadyClock::time_point AwaitSharedOps(v1::SyncService::Stub& b_sync, const Peer& b,
                                       uint64_t target, const std::string& what) {
  auto give_up = SteadyClock::now() + kSyncStall;
  for (;;) {
    uint64_t have = SyncStatusOf(b_sync, b.name).shared_ops();
    auto now = SteadyClock::now();
    if (have >= target) return now;
    if (now > give_up) {
      throw std::runtime_error("B did not receive " + what + " (holds " + std::to_string(have) +
                               " of " + std::to_string(target) + " shared ops)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

// Calls `get` (a Get on B, filling `*ready`) until it finds the record
// ready; NOT_FOUND means not yet. Returns when it was. Throws on another
// error, and naming `what` after kLiveTimeout from `since`.
SteadyClock::time_point AwaitOnB(const std::function<grpc::Status(bool* ready)>& get,
                                 SteadyClock::time_point since, const std::string& what) {
  for (;;) {
    bool ready = false;
    grpc::Status gs = get(&ready);
    auto now = SteadyClock::now();
    if (gs.ok() && ready) return now;
    if (!gs.ok() && gs.error_code() != grpc::StatusCode::NOT_FOUND) {
      throw std::runtime_error("a Get on B failed: " + Describe(gs));
    }
    if (now - since > kLiveTimeout) {
      throw std::runtime_error(what + " within " + std::to_string(kLiveTimeout.count()) + " s");
    }
    std::this_thread::sleep_for(kLivePollPause);
  }
}

// Polls `checkins` for the check-in `name` until it is there and, when
// `open`, its words are open (not sealed for reveal together).
SteadyClock::time_point AwaitCheckIn(v1::CheckInService::Stub& checkins, const std::string& name,
                                     bool open, SteadyClock::time_point since,
                                     const std::string& what) {
  v1::GetCheckInRequest get;
  get.set_name(name);
  return AwaitOnB(
      [&](bool* ready) {
        grpc::ClientContext poll;
        poll.set_deadline(Deadline());
        v1::CheckIn got;
        grpc::Status s = checkins.GetCheckIn(&poll, get, &got);
        *ready = !open || got.reveal() == v1::REVEAL_OPEN || got.reveal() == v1::REVEAL_UNSPECIFIED;
        return s;
      },
      since, what);
}

// `entries` shared journal entries on A from 16 clients; returns when B
// holds them all and both daemons are at rest again. Times from the first
// write and from the last write's acknowledgement; the CPU A, B and the
// bench used until B held them all, and A and B after.
void Converge(Peer& a, Peer& b, int entries, SyncFigures::Burst* f) {
  auto b_sync = v1::SyncService::NewStub(MakeChannel(b.socket));
  const uint64_t target = SyncStatusOf(*b_sync, b.name).shared_ops() + entries;
  const double a0 = a.process.CpuSeconds(), b0 = b.process.CpuSeconds(),
               bench0 = ProcessCpuSeconds(::getpid());
  Seeded written = SeedSharedOps(a.socket, entries, kBurstClients, 0);
  auto first = written.started;
  auto last = first + std::chrono::duration_cast<SteadyClock::duration>(
                          std::chrono::duration<double>(written.samples.wall_seconds));
  if (written.written != entries) throw std::runtime_error("convergence writes failed");
  auto now =
      AwaitSharedOps(*b_sync, b, target, "the burst of " + std::to_string(entries) + " entries");
  const double a1 = a.process.CpuSeconds(), b1 = b.process.CpuSeconds();
  f->cpu_bench_s.push_back(ProcessCpuSeconds(::getpid()) - bench0);
  f->after_last_write_s.push_back(Seconds(now - last));
  f->after_first_write_s.push_back(Seconds(now - first));
  f->write_seconds.push_back(written.samples.wall_seconds);
  f->cpu_a_s.push_back(a1 - a0);
  f->cpu_b_s.push_back(b1 - b0);
  AwaitQuiet(a, b);
  f->cpu_after_a_s.push_back(a.process.CpuSeconds() - a1);
  f->cpu_after_b_s.push_back(b.process.CpuSeconds() - b1);
}

// Syncthing's burst of `entries` files, one run (syncthing_bench.py, fresh
// instances of its own), just before Attune's run `run` of that size.
// Returns the path of its JSON; prints its log's tail and throws if it failed.
std::string RunSyncthingBurst(const SyncLoad& load, int entries, int run) {
  const std::string stem =
      load.dir + "/syncthing-burst-" + std::to_string(entries) + "-" + std::to_string(run + 1);
  const std::string json = stem + ".json", log = stem + ".log";
  auto quoted = [](const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
  };
  const std::string command = "python3 " + quoted(load.syncthing_bench) +
                              " --mode burst --runs 1 --files " + std::to_string(entries) +
                              " --dir " + quoted(load.dir) + " --json-out " + quoted(json) + " > " +
                              quoted(log) + " 2>&1";
  if (std::system(command.c_str()) != 0) {
    PrintLogTail(log);
    throw std::runtime_error("Syncthing's burst of " + std::to_string(entries) + " failed (" + log +
                             ")");
  }
  return json;
}

// As many empty calls as the burst has entries, from as many clients, to A:
// what gRPC alone costs such a burst here.
void EmptyCallBurst(Peer& a, int entries, SyncFigures::Burst* f) {
  const double a0 = a.process.CpuSeconds(), bench0 = ProcessCpuSeconds(::getpid());
  f->empty_calls_s.push_back(MeasureEmptyCallBurst(a.socket, entries, kBurstClients));
  f->empty_cpu_a_s.push_back(a.process.CpuSeconds() - a0);
  f->empty_cpu_bench_s.push_back(ProcessCpuSeconds(::getpid()) - bench0);
}

// The burst of Converge through BatchCreateJournalEntries, 500 entries a
// call from one client, timed from the first call until B holds them all.
void ConvergeBatched(Peer& a, Peer& b, int entries, SyncFigures::Burst* f) {
  auto b_sync = v1::SyncService::NewStub(MakeChannel(b.socket));
  auto journal = v1::JournalService::NewStub(MakeChannel(a.socket));
  const uint64_t target = SyncStatusOf(*b_sync, b.name).shared_ops() + entries;
  constexpr int kBatch = 500;
  auto first = SteadyClock::now();
  for (int done = 0; done < entries; done += kBatch) {
    v1::BatchCreateJournalEntriesRequest batch;
    for (int i = done; i < std::min(entries, done + kBatch); ++i) {
      v1::JournalEntry* e = batch.add_requests()->mutable_journal_entry();
      e->set_body(SeedBody(i));
      e->set_visibility(v1::VISIBILITY_SHARED);
    }
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    v1::BatchCreateJournalEntriesResponse out;
    grpc::Status s = journal->BatchCreateJournalEntries(&context, batch, &out);
    if (!s.ok()) throw std::runtime_error("BatchCreateJournalEntries on A failed: " + Describe(s));
  }
  auto now = AwaitSharedOps(*b_sync, b, target,
                            "the batched burst of " + std::to_string(entries) + " entries");
  f->batched_after_first_write_s.push_back(Seconds(now - first));
}

// `b` checks in (shared) for every day the live rounds write on, and waits
// until A holds those check-ins.
void CheckInForLiveDays(Peer& a, Peer& b, const SyncLoad& load) {
  auto checkins = v1::CheckInService::NewStub(MakeChannel(b.socket));
  const int days = load.live_rounds * (load.live_warmup + load.live_writes);
  constexpr int kBatch = 500;
  for (int first = 0; first < days; first += kBatch) {
    v1::BatchCreateCheckInsRequest batch;
    for (int d = first; d < std::min(days, first + kBatch); ++d) {
      v1::CreateCheckInRequest* r = batch.add_requests();
      *r = MakeCheckInRequest(FirstBenchDay() + std::chrono::days{d});
      r->mutable_check_in()->set_visibility(v1::VISIBILITY_SHARED);
    }
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    v1::BatchCreateCheckInsResponse out;
    grpc::Status s = checkins->BatchCreateCheckIns(&context, batch, &out);
    if (!s.ok()) throw std::runtime_error("BatchCreateCheckIns on " + b.name + ": " + Describe(s));
  }
  auto a_sync = v1::SyncService::NewStub(MakeChannel(a.socket));
  auto b_sync = v1::SyncService::NewStub(MakeChannel(b.socket));
  AwaitIdle(*a_sync, *b_sync);
}

// Round `round` (from 0) of the live writes; each round has days of its own.
void MeasureLive(Peer& a, Peer& b, const SyncLoad& load, int round, LiveRound* f) {
  auto a_checkins = v1::CheckInService::NewStub(MakeChannel(a.socket));
  auto b_checkins = v1::CheckInService::NewStub(MakeChannel(b.socket));
  Samples live, write, reveal;
  const int per_round = load.live_warmup + load.live_writes;
  for (int i = 0; i < per_round; ++i) {
    Day day = FirstBenchDay() + std::chrono::days{round * per_round + i};
    v1::CreateCheckInRequest request = MakeCheckInRequest(day);
    request.mutable_check_in()->set_visibility(v1::VISIBILITY_SHARED);
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    v1::CheckIn created;
    auto start = SteadyClock::now();
    grpc::Status s = a_checkins->CreateCheckIn(&context, request, &created);
    auto written = SteadyClock::now();
    if (!s.ok()) throw std::runtime_error("CreateCheckIn on A failed: " + Describe(s));
    // B cannot show the op before A has stored it (A sends only stored
    // ops), so polling B from here on loses nothing. B is asked for the
    // check-in by the name A gave it: one lookup, whatever B holds (a
    // day's ListCheckIns would open every check-in B has).
    const std::string what = "the check-in of " + request.check_in().day() + " written on A";
    auto seen = AwaitCheckIn(*b_checkins, created.name(), /*open=*/false, start,
                             what + " did not show on B");
    std::this_thread::sleep_for(kLiveGap);
    // B checks in for the same day: A's device, holding both, releases its
    // key, and A's words open on B.
    grpc::ClientContext b_context;
    b_context.set_deadline(Deadline());
    v1::CheckIn b_created;
    auto b_start = SteadyClock::now();
    grpc::Status bs = b_checkins->CreateCheckIn(&b_context, request, &b_created);
    if (!bs.ok()) throw std::runtime_error("CreateCheckIn on B failed: " + Describe(bs));
    auto opened = AwaitCheckIn(*b_checkins, created.name(), /*open=*/true, b_start,
                               what + " did not open on B after B's own");
    if (i >= load.live_warmup) {
      live.latencies_ms.push_back(Ms(seen - start));
      write.latencies_ms.push_back(Ms(written - start));
      reveal.latencies_ms.push_back(Ms(opened - b_start));
    }
    std::this_thread::sleep_for(kLiveGap);
  }
  f->live = Summarise(live, false);
  f->live_write = Summarise(write, false);
  f->reveal = Summarise(reveal, false);

  // One journal entry at a time, as Syncthing's live row writes one file.
  auto a_journal = v1::JournalService::NewStub(MakeChannel(a.socket));
  auto b_journal = v1::JournalService::NewStub(MakeChannel(b.socket));
  Samples entry;
  for (int i = 0; i < load.live_warmup + load.live_entries; ++i) {
    v1::CreateJournalEntryRequest request;
    request.mutable_journal_entry()->set_body(SeedBody(round * 1000 + i));
    request.mutable_journal_entry()->set_visibility(v1::VISIBILITY_SHARED);
    grpc::ClientContext context;
    context.set_deadline(Deadline());
    v1::JournalEntry created;
    auto start = SteadyClock::now();
    grpc::Status s = a_journal->CreateJournalEntry(&context, request, &created);
    if (!s.ok()) throw std::runtime_error("CreateJournalEntry on A failed: " + Describe(s));
    v1::GetJournalEntryRequest get;
    get.set_name(created.name());
    auto seen = AwaitOnB(
        [&](bool* ready) {
          grpc::ClientContext poll;
          poll.set_deadline(Deadline());
          v1::JournalEntry got;
          *ready = true;
          return b_journal->GetJournalEntry(&poll, get, &got);
        },
        start, "a journal entry written on A did not show on B");
    if (i >= load.live_warmup) entry.latencies_ms.push_back(Ms(seen - start));
    std::this_thread::sleep_for(kLiveGap);
  }
  f->live_entry = Summarise(entry, false);
}

void StopAll(std::vector<Peer*> peers, SyncFigures* f) {
  for (Peer* p : peers) {
    if (p->name.empty()) continue;
    std::string how;
    if (!p->process.Running(&how)) continue;
    auto stopped = p->process.Stop();
    if (!stopped.clean) {
      if (f != nullptr) f->stopped_clean = false;
      std::cerr << "\nattune-bench: warning: attuned " << p->name << " " << stopped.how << "\n";
      PrintLogTail(p->process.log_path());
    }
  }
}

}  // namespace

SyncFigures RunSyncBench(const SyncLoad& load) {
  g_bodies = &load.bodies;
  SyncFigures f;
  f.seed_budget_seconds = load.seed_budget_seconds;
  f.seed_clients = load.seed_clients;
  f.ops_asked = load.sizes.empty() ? 0 : load.sizes.back();

  // Before any daemon runs, so the machine is otherwise idle.
  std::cerr << " verify rate… " << std::flush;
  std::vector<VerifyCeiling> repeats;
  for (int r = 0; r < kVerifyRepeats; ++r) {
    repeats.push_back(MeasureVerifyRate(load.verify_seconds));
    f.verify_per_second.push_back(repeats.back().per_second);
  }
  std::sort(repeats.begin(), repeats.end(), [](const VerifyCeiling& x, const VerifyCeiling& y) {
    return x.per_second < y.per_second;
  });
  f.verify = repeats[repeats.size() / 2];

  // Every daemon of the bench, so a failure can stop them all.
  std::vector<std::unique_ptr<Peer>> peers;
  auto all = [&] {
    std::vector<Peer*> out;
    for (auto& p : peers) out.push_back(p.get());
    return out;
  };
  try {
    Peer* a = nullptr;
    Peer* b = nullptr;
    for (size_t size_index = 0; size_index < load.sizes.size(); ++size_index) {
      const int size = load.sizes[size_index];
      const bool largest = size_index + 1 == load.sizes.size();
      if (a != nullptr) StopAll({a}, &f);
      for (Peer* p : all()) StopAll({p}, &f);
      peers.push_back(std::make_unique<Peer>());
      a = peers.back().get();
      const std::string a_name = absl::StrCat("A", size);
      std::cerr << "daemon " << a_name << "… " << std::flush;
      a->Start(load, a_name);
      auto a_sync = v1::SyncService::NewStub(MakeChannel(a->socket));
      double cpu_before = a->process.CpuSeconds();
      Seeded seeded = SeedTo(*a, *a_sync, size, load);
      if (largest) {
        f.seed_cpu_a_seconds = a->process.CpuSeconds() - cpu_before;
        f.ops_seeded = seeded.written;
        f.seed_capped = seeded.capped;
        f.seed = Summarise(seeded.samples, true);
        f.seed_seconds = seeded.samples.wall_seconds;
      }
      std::cerr << std::fixed << std::setprecision(1) << seeded.written << " in "
                << seeded.samples.wall_seconds << " s" << (seeded.capped ? " (capped)" : "") << "; "
                << std::defaultfloat << std::flush;

      if (largest && load.cold_starts > 0) {
        // A holds the most records now and has no members yet: its idle
        // footprint, then A again for the joins.
        const int records = static_cast<int>(SyncStatusOf(*a_sync, a_name).shared_ops());
        auto stopped = a->process.Stop();
        if (!stopped.clean) throw std::runtime_error("attuned " + a_name + " " + stopped.how);
        std::cerr << "footprint (" << load.idle_seconds << " s idle)… " << std::flush;
        FootprintLoad fl{.attuned = load.attuned,
                         .data_dir = load.dir + "/" + a_name + "-data",
                         .socket = a->socket,
                         .log_path = load.dir + "/" + a_name + "-footprint.log",
                         .extra_args = {"--peer-listen", "127.0.0.1:0"},
                         .records = records,
                         .cold_starts = load.cold_starts,
                         .idle_seconds = load.idle_seconds};
        f.footprint = MeasureFootprint(fl);
        a->Restart(load);
        a_sync = v1::SyncService::NewStub(MakeChannel(a->socket));
      }

      InitialSync run;
      std::cerr << "initial sync ×" << load.joins << ": " << std::flush;
      std::vector<Peer*> earlier;  // joiners before the last, stopped
      for (int j = 1; j <= load.joins; ++j) {
        if (b != nullptr && j > 1) {
          StopAll({b}, &f);
          earlier.push_back(b);
        }
        peers.push_back(std::make_unique<Peer>());
        b = peers.back().get();
        JoinAndSync(*a, *b, load, absl::StrCat("B", size, "-", j), &run);
      }
      f.initial.push_back(std::move(run));
      // Each earlier joiner is a member of A's space for good, and reveal
      // together waits for every member's check-in: they check in for the
      // live rounds' days (B's check-in then opens A's, as with two).
      for (Peer* p : earlier) {
        if (!largest) break;
        p->Restart(load);
        CheckInForLiveDays(*a, *p, load);
        StopAll({p}, &f);
      }
    }
    if (a == nullptr || b == nullptr) throw std::runtime_error("no sync size to measure");

    auto a_sync = v1::SyncService::NewStub(MakeChannel(a->socket));
    auto b_sync = v1::SyncService::NewStub(MakeChannel(b->socket));
    AwaitIdle(*a_sync, *b_sync);
    std::this_thread::sleep_for(kSettle);

    std::cerr << "live writes ×" << load.live_rounds << "… " << std::flush;
    for (int round = 0; round < load.live_rounds; ++round) {
      LiveRound r;
      r.settle_seconds = AwaitQuiet(*a, *b);
      // Probed just before the live writes they are compared with.
      r.fsync = Summarise(ProbeFsync(load.dir + "/fsync-probe", load.fsync_appends, kWarmupAppends),
                          false);
      r.fsync_paced =
          Summarise(ProbeFsync(load.dir + "/fsync-probe-paced", load.fsync_appends, kWarmupAppends,
                               std::chrono::duration_cast<std::chrono::microseconds>(kLiveGap)),
                    false);
      MeasureLive(*a, *b, load, round, &r);
      f.live.push_back(r);
    }

    for (int entries : load.converge_sizes) {
      SyncFigures::Burst burst;
      burst.entries = entries;
      for (int r = 0; r < load.converge_runs && entries > 0; ++r) {
        // Each burst starts with both daemons at rest, so that no work left
        // from the one before competes with it.
        AwaitIdle(*a_sync, *b_sync);
        AwaitQuiet(*a, *b);
        std::cerr << "empty calls… " << std::flush;
        EmptyCallBurst(*a, entries, &burst);
        AwaitQuiet(*a, *b);
        if (!load.syncthing_bench.empty()) {
          std::cerr << "Syncthing's burst of " << entries << "… " << std::flush;
          burst.syncthing_json.push_back(RunSyncthingBurst(load, entries, r));
          AwaitQuiet(*a, *b);
        }
        std::cerr << "burst of " << entries << "… " << std::flush;
        Converge(*a, *b, entries, &burst);  // returns with both at rest
        AwaitIdle(*a_sync, *b_sync);
        std::cerr << "the same in batches… " << std::flush;
        ConvergeBatched(*a, *b, entries, &burst);
      }
      f.bursts.push_back(std::move(burst));
    }
  } catch (const std::exception& e) {
    std::string what = e.what();
    for (Peer* p : all()) {
      std::string how;
      if (!p->name.empty() && !p->process.Running(&how) && what.find(how) == std::string::npos &&
          !how.empty()) {
        what += " (attuned " + p->name + " " + how + ")";
      }
    }
    StopAll(all(), nullptr);
    throw std::runtime_error(what);
  }
  std::cerr << "stopping… " << std::flush;
  StopAll(all(), &f);
  return f;
}

}  // namespace attune::bench
