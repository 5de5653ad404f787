// attune-bench: Attune against the limits of this machine, in one run.
//
// Write and read paths: each run measures sealing and opening ops against
// libsodium's raw rates (crypto_bench.h), then starts a fresh attuned on a
// fresh data folder inside the scratch folder (the same disk as the fsync
// probe) and measures, in order: the empty gRPC call (health check), raw
// append+fdatasync, CreateCheckIn from one client, then from 8 clients at
// once, then GetJournalEntry and a 1,000-entry ListJournalEntries
// (read_bench.h). Figures are the median over runs of each run's value,
// with min and max; ratios are taken within each run.
//
// Events (event_bench.h): on a fresh daemon, the time from a write until a
// watcher hears of it, beside the write's acknowledgement; then what 100
// idle watchers add to the daemon's memory, threads and wake-ups.
//
// Sync (sync_bench.h): initial syncs of each size against the machine's
// Ed25519 verify rate, the footprint of a daemon holding the largest size
// (footprint_bench.h), the latency of a check-in from A's API to B's, and the
// time for a burst of journal entries to reach B — beside Syncthing's time
// for the same burst as files, read from syncthing_bench.py's JSON.
//
// Targets missed are reported, not failed: the exit status says only
// whether figures were produced.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tools/bench/crypto_bench.h"
#include "tools/bench/daemon_process.h"
#include "tools/bench/days.h"
#include "tools/bench/empty_call_bench.h"
#include "tools/bench/event_bench.h"
#include "tools/bench/fsync_probe.h"
#include "tools/bench/read_bench.h"
#include "tools/bench/report.h"
#include "tools/bench/rpc_client.h"
#include "tools/bench/scratch.h"
#include "tools/bench/sync_bench.h"
#include "tools/bench/syncthing_result.h"
#include "tools/bench/write_bench.h"

namespace fs = std::filesystem;
using namespace attune::bench;

namespace {

constexpr int kClients = 8;
constexpr int kWarmupWrites = 2;  // per client, untimed
constexpr int kWarmupCalls = 50;
constexpr int kWarmupAppends = 3;
constexpr int kSeedClients = 16;
constexpr int kLiveWarmup = 3;
constexpr int kEventWarmupWrites = 5;
constexpr size_t kMaxSocketPath = 107;  // sockaddr_un.sun_path, less the NUL

struct Options {
  std::string attuned;
  std::string dir;
  bool quick = false;
  bool keep = false;
  int runs = 0;
  int writes = 0;
  bool skip_write = false;
  int profile_clients = 0;
  bool skip_sync = false;
  bool skip_events = false;
  int event_writes = 0;
  int watchers = 0;
  double watch_idle_seconds = 0;
  std::vector<int> sync_sizes;
  int joins = 0;
  int live_writes = 0;
  int live_rounds = 0;
  double seed_seconds = 120;
  std::vector<int> converge_entries;
  int converge_runs = 0;
  int live_entries = 0;
  std::string entries_file;
  int cold_starts = 0;
  double idle_seconds = 0;
  double crypto_seconds = 0;
  int reads = 0;
  std::vector<std::string> syncthing_json;
  std::string syncthing_bench;
  std::string json_out;
};

// The texts of --entries (a JSON list of strings); none when not given.
std::vector<std::string> ReadBodies(const std::string& path) {
  if (path.empty()) return {};
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  google::protobuf::ListValue list;
  if (!in || !google::protobuf::util::JsonStringToMessage(text.str(), &list).ok()) {
    throw std::runtime_error("--entries " + path + ": not a JSON list of texts");
  }
  std::vector<std::string> out;
  for (const auto& v : list.values()) {
    if (!v.has_string_value() || v.string_value().empty()) {
      throw std::runtime_error("--entries " + path + ": every item must be a text");
    }
    out.push_back(v.string_value());
  }
  if (out.empty()) throw std::runtime_error("--entries " + path + ": the list is empty");
  return out;
}

bool IsExecutable(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

// attuned of the same build tree (tools/bench/ -> daemon/), else on PATH.
std::string FindAttuned(const char* argv0) {
  std::vector<fs::path> homes;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) homes.push_back(self.parent_path());
  if (std::string(argv0).find('/') != std::string::npos) {
    homes.push_back(fs::absolute(argv0).parent_path());
  }
  for (const fs::path& home : homes) {
    fs::path candidate = home / ".." / ".." / "daemon" / "attuned";
    if (IsExecutable(candidate)) return fs::weakly_canonical(candidate).string();
  }
  if (const char* path = std::getenv("PATH")) {
    std::istringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
      if (!dir.empty() && IsExecutable(fs::path(dir) / "attuned")) {
        return (fs::path(dir) / "attuned").string();
      }
    }
  }
  return {};
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// --profile-writes: one daemon, `clients` clients writing check-ins, for a
// profiler attached to the daemon's pid in the 3 s before and stopped when
// the figures line comes out (nothing runs after it but the stop).
int ProfileWrites(const Options& o, const std::string& dir) {
  const std::string socket = dir + "/attuned.sock";
  DaemonProcess daemon;
  daemon.Start(o.attuned, dir + "/data", socket, dir + "/attuned.log");
  WaitUntilServing(socket, std::chrono::seconds(15),
                   [&](std::string* how) { return daemon.Running(how); });
  InitVault(socket);
  // The floor under a write, first, so that nothing left of the writes
  // (the search indexer catching up, a flush) lands in it: what a call with
  // no work behind it costs attuned.
  const int empty_calls = 10000;
  MeasureEmptyCalls(socket, 500, 0);  // a warm daemon and connection
  const double cpu_empty = daemon.CpuSeconds();
  MeasureEmptyCalls(socket, empty_calls, 0);
  std::cout << "1 client, empty calls: attuned's CPU per call "
            << (daemon.CpuSeconds() - cpu_empty) * 1000 / empty_calls << " ms" << std::endl;
  std::cerr << "attuned pid " << daemon.pid() << "; " << o.profile_clients
            << " clients write in 3 s\n";
  std::this_thread::sleep_for(std::chrono::seconds(3));
  WriteLoad load{.socket = socket,
                 .clients = o.profile_clients,
                 .writes_per_client = o.writes,
                 .warmup_per_client = kWarmupWrites,
                 .first_day = FirstBenchDay()};
  const double cpu0 = daemon.CpuSeconds();
  Figure f = Summarise(MeasureCheckInWrites(load), true);
  const double writes = load.clients * (load.writes_per_client + load.warmup_per_client);
  std::cout << o.profile_clients << " clients: " << f.per_second << " writes/s, p50 " << f.p50_ms
            << " ms; attuned's CPU per write " << (daemon.CpuSeconds() - cpu0) * 1000 / writes
            << " ms (" << writes << " check-ins written)" << std::endl;
  daemon.Stop();
  return 0;
}

// One run: a fresh daemon and data folder under run_dir.
RunFigures RunOnce(const Options& o, const std::string& run_dir, int empty_calls) {
  RunFigures f;
  std::cerr << " crypto… " << std::flush;
  f.crypto = MeasureCrypto(o.crypto_seconds);
  fs::create_directories(run_dir);
  const std::string socket = run_dir + "/attuned.sock";
  DaemonProcess daemon;
  daemon.Start(o.attuned, run_dir + "/data", socket, run_dir + "/attuned.log");
  try {
    std::cerr << " daemon… " << std::flush;
    WaitUntilServing(socket, std::chrono::seconds(15),
                     [&](std::string* how) { return daemon.Running(how); });
    InitVault(socket);

    std::cerr << "empty calls… " << std::flush;
    const double empty_cpu0 = daemon.CpuSeconds();
    f.empty_call = Summarise(MeasureEmptyCalls(socket, empty_calls, kWarmupCalls), false);
    f.empty_call_daemon_cpu_ms =
        (daemon.CpuSeconds() - empty_cpu0) * 1000 / (empty_calls + kWarmupCalls);

    // Probed just before the 1-client writes it is compared with: this
    // disk's fsync latency drifts within seconds.
    std::cerr << "fsync probe… " << std::flush;
    Samples fsync = ProbeFsync(run_dir + "/fsync-probe", o.writes, kWarmupAppends);
    f.fsync_cpu_ms = fsync.thread_cpu_seconds * 1000 / o.writes;
    f.fsync = Summarise(fsync, false);
    f.fsync_paced = Summarise(
        ProbeFsync(run_dir + "/fsync-probe-paced", o.writes, kWarmupAppends, kPacedProbePause),
        false);

    WriteLoad one{.socket = socket,
                  .clients = 1,
                  .writes_per_client = o.writes,
                  .warmup_per_client = kWarmupWrites,
                  .first_day = FirstBenchDay()};
    std::cerr << "1 client… " << std::flush;
    const double one_cpu0 = daemon.CpuSeconds();
    f.one_client = Summarise(MeasureCheckInWrites(one), true);
    f.one_daemon_cpu_ms =
        (daemon.CpuSeconds() - one_cpu0) * 1000 / (one.writes_per_client + one.warmup_per_client);

    WriteLoad many = one;
    many.clients = kClients;
    many.first_day = one.first_day + std::chrono::days{one.DaysUsed()};
    std::cerr << kClients << " clients… " << std::flush;
    const double daemon_cpu0 = daemon.CpuSeconds(), own_cpu0 = ProcessCpuSeconds(::getpid());
    f.many_clients = Summarise(MeasureCheckInWrites(many), true);
    const double writes = many.clients * (many.writes_per_client + many.warmup_per_client);
    f.many_daemon_cpu_ms = (daemon.CpuSeconds() - daemon_cpu0) * 1000 / writes;
    f.many_client_cpu_ms = (ProcessCpuSeconds(::getpid()) - own_cpu0) * 1000 / writes;
    f.cores = std::max(1u, std::thread::hardware_concurrency());

    WriteLoad busy = many;
    busy.clients = kBusyClients;
    busy.first_day = many.first_day + std::chrono::days{many.DaysUsed()};
    std::cerr << kBusyClients << " clients… " << std::flush;
    const double busy_cpu0 = daemon.CpuSeconds();
    f.busy_clients = Summarise(MeasureCheckInWrites(busy), true);
    f.busy_daemon_cpu_ms = (daemon.CpuSeconds() - busy_cpu0) * 1000 /
                           (busy.clients * (busy.writes_per_client + busy.warmup_per_client));

    std::cerr << "reads… " << std::flush;
    ReadSamples reads = MeasureReads(ReadLoad{
        .socket = socket, .gets = o.reads, .lists = std::max(5, o.reads / 20), .warmup = 5});
    f.get_one = Summarise(reads.get_one, false);
    f.list_page = Summarise(reads.list_page, false);

    // Every write must have created a record and an op of its own.
    auto status = GetVaultStatus(socket);
    int64_t expected = one.DaysUsed() + many.DaysUsed() + busy.DaysUsed() + kListEntries;
    if (status.record_count() != expected || status.op_count() != uint64_t(expected)) {
      throw std::runtime_error("expected " + std::to_string(expected) +
                               " records and ops, the daemon has " +
                               std::to_string(status.record_count()) + " records and " +
                               std::to_string(status.op_count()) + " ops");
    }
  } catch (const std::exception& e) {
    FailWithDaemon(daemon, e);
  }
  auto stopped = daemon.Stop();
  f.stop_seconds = stopped.seconds;
  if (!stopped.clean) {
    std::cerr << "\nattune-bench: warning: attuned " << stopped.how << "\n";
    PrintLogTail(daemon.log_path());
  }
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "attune-bench: measures attuned's durable write path (CreateCheckIn from 1 "
      "and 8 clients) against the disk's raw fdatasync and an empty gRPC call, "
      "how soon a watcher hears of a write and what idle watchers cost the daemon, "
      "then sync between two daemons: the initial sync of N shared ops against "
      "the Ed25519 verify rate, and a check-in's latency from one daemon's API "
      "to the other's"};
  app.add_option("--attuned", o.attuned,
                 "The daemon to run (default: attuned of this build tree, else on PATH)");
  app.add_option("--dir", o.dir,
                 "Where to make the scratch folder, on the disk to measure "
                 "(default $TMPDIR or /tmp)");
  app.add_flag("--quick", o.quick,
               "Small sizes and short waits, for CI: checks that every figure is produced");
  app.add_option("--runs", o.runs, "Repeats (default 5; quick 2)")->check(CLI::PositiveNumber);
  app.add_option("--writes", o.writes, "Timed writes per client per run (default 300; quick 30)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--skip-write", o.skip_write, "Leave out the write-path table");
  app.add_option("--profile-writes", o.profile_clients,
                 "Only this: a fresh daemon; attuned's CPU per empty call; its pid printed, then "
                 "after 3 s CLIENTS clients each write --writes check-ins; prints attuned's CPU "
                 "per write (for perf record -p PID, stopped at that line)")
      ->check(CLI::Range(1, 64));
  app.add_flag("--skip-sync", o.skip_sync, "Leave out the sync table");
  app.add_flag("--skip-events", o.skip_events, "Leave out the events table");
  app.add_option("--event-writes", o.event_writes,
                 "Timed writes, each until its event reaches a watcher (default 300; quick 30)")
      ->check(CLI::PositiveNumber);
  app.add_option("--watchers", o.watchers, "Idle watchers whose cost is measured (default 100)")
      ->check(CLI::Range(2, 100000));
  app.add_option("--watch-idle-seconds", o.watch_idle_seconds,
                 "Each idle window: no watcher, one, all of them (default 10; quick 2)")
      ->check(CLI::PositiveNumber);
  app.add_option("--sync-sizes", o.sync_sizes,
                 "Initial sync sizes in shared ops, smallest first (default 10000 100000; "
                 "quick 500 2000)")
      ->check(CLI::PositiveNumber);
  app.add_option("--joins", o.joins, "Fresh joiners timed per sync size (default 3; quick 1)")
      ->check(CLI::PositiveNumber);
  app.add_option("--converge-entries", o.converge_entries,
                 "Bursts of journal entries compared with Syncthing, one per size (default "
                 "5000 10000; quick 200)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--converge-runs", o.converge_runs, "Bursts per size (default 3; quick 1)")
      ->check(CLI::PositiveNumber);
  app.add_option("--live-entries", o.live_entries,
                 "Journal entries timed one by one from A to B per live round, compared with "
                 "Syncthing's one new file (default 20; quick 5)")
      ->check(CLI::PositiveNumber);
  app.add_option("--entries", o.entries_file,
                 "The journal entries' texts as a JSON list (tools/bench/syncthing_bench.py "
                 "--entries-out), so Attune writes what Syncthing syncs (default: made up)")
      ->check(CLI::ExistingFile);
  app.add_option("--cold-starts", o.cold_starts,
                 "Cold starts of the largest daemon; 0 skips the footprint (default 5; "
                 "quick 2)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--idle-seconds", o.idle_seconds,
                 "How long the footprint watches the idle daemon (default 60; quick 2)")
      ->check(CLI::PositiveNumber);
  app.add_option("--crypto-seconds", o.crypto_seconds,
                 "CPU seconds per crypto rate per run (default 0.3; quick 0.03)")
      ->check(CLI::PositiveNumber);
  app.add_option("--reads", o.reads, "Timed GetJournalEntry calls per run (default 1000; quick 50)")
      ->check(CLI::PositiveNumber);
  app.add_option("--syncthing-json", o.syncthing_json,
                 "Syncthing's figures from tools/bench/syncthing_bench.py --json-out, to "
                 "print beside Attune's (repeatable: one per Syncthing configuration)");
  app.add_option("--syncthing-bench", o.syncthing_bench,
                 "tools/bench/syncthing_bench.py: pairs each burst of --converge-entries with one "
                 "of Syncthing's of the same size, run just before it, so that both are timed on "
                 "the machine as it is then; the burst rows then compare these pairs")
      ->check(CLI::ExistingFile);
  app.add_option("--seed-seconds", o.seed_seconds,
                 "Seed fewer ops than --sync-ops when seeding them all would take "
                 "longer than this, judging by the rate so far; 0: never (default 120)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--live-writes", o.live_writes,
                 "Timed check-ins for the A → B latency, per round (default 200; quick 20)")
      ->check(CLI::PositiveNumber);
  app.add_option("--live-rounds", o.live_rounds,
                 "Rounds of live writes, each after its own fsync probes (default 3; quick 2)")
      ->check(CLI::PositiveNumber);
  app.add_option("--json-out", o.json_out, "Also write the figures as JSON to this file");
  app.add_flag("--keep", o.keep, "Keep the scratch folder (data, daemon logs)");
  CLI11_PARSE(app, argc, argv);

  if (app.count("--runs") == 0) o.runs = o.quick ? 2 : 5;
  if (app.count("--writes") == 0) o.writes = o.quick ? 30 : 300;
  if (app.count("--sync-sizes") == 0) {
    o.sync_sizes = o.quick ? std::vector<int>{500, 2000} : std::vector<int>{10000, 100000};
  }
  std::sort(o.sync_sizes.begin(), o.sync_sizes.end());
  if (app.count("--joins") == 0) o.joins = o.quick ? 1 : 3;
  if (app.count("--live-writes") == 0) o.live_writes = o.quick ? 20 : 200;
  if (app.count("--live-rounds") == 0) o.live_rounds = o.quick ? 2 : 3;
  if (app.count("--converge-entries") == 0) {
    o.converge_entries = o.quick ? std::vector<int>{200} : std::vector<int>{5000, 10000};
  }
  if (app.count("--live-entries") == 0) o.live_entries = o.quick ? 5 : 20;
  if (app.count("--converge-runs") == 0) o.converge_runs = o.quick ? 1 : 3;
  if (app.count("--cold-starts") == 0) o.cold_starts = o.quick ? 2 : 5;
  if (app.count("--idle-seconds") == 0) o.idle_seconds = o.quick ? 2 : 60;
  if (app.count("--crypto-seconds") == 0) o.crypto_seconds = o.quick ? 0.03 : 0.3;
  if (app.count("--reads") == 0) o.reads = o.quick ? 50 : 1000;
  if (app.count("--event-writes") == 0) o.event_writes = o.quick ? 30 : 300;
  if (app.count("--watchers") == 0) o.watchers = 100;
  if (app.count("--watch-idle-seconds") == 0) o.watch_idle_seconds = o.quick ? 2 : 10;
  const int empty_calls = 10 * o.writes;
  if (o.skip_write && o.skip_sync && o.skip_events) {
    std::cerr << "attune-bench: --skip-write, --skip-sync and --skip-events leave nothing to "
                 "measure\n";
    return 2;
  }

  if (o.attuned.empty()) o.attuned = FindAttuned(argv[0]);
  if (o.attuned.empty() || !IsExecutable(o.attuned)) {
    std::cerr << "attune-bench: cannot find attuned"
              << (o.attuned.empty() ? "" : " at " + o.attuned) << "; pass --attuned PATH\n";
    return 2;
  }
  o.attuned = fs::absolute(o.attuned).string();

  // Each write needs a past day of its own.
  const int days_needed = (1 + kClients + kBusyClients) * (o.writes + kWarmupWrites);
  const int days_available = static_cast<int>((YesterdayUtc() - FirstBenchDay()).count()) + 1;
  if (o.profile_clients > 0 && o.profile_clients * (o.writes + kWarmupWrites) > days_available) {
    std::cerr << "attune-bench: at most " << days_available / o.profile_clients - kWarmupWrites
              << " writes per client fit\n";
    return 2;
  }
  if (!o.skip_write && o.profile_clients == 0 && days_needed > days_available) {
    std::cerr << "attune-bench: --writes " << o.writes << " needs " << days_needed
              << " distinct past days; at most "
              << days_available / (1 + kClients + kBusyClients) - kWarmupWrites << " writes fit\n";
    return 2;
  }
  if (!o.skip_sync && (o.live_writes + kLiveWarmup) * o.live_rounds > days_available) {
    std::cerr << "attune-bench: --live-writes " << o.live_writes << " in " << o.live_rounds
              << " rounds need as many distinct past days each; at most "
              << days_available / o.live_rounds - kLiveWarmup << " fit per round\n";
    return 2;
  }

  auto started = std::chrono::steady_clock::now();
  std::string scratch;
  try {
    scratch = MakeScratchDir(o.dir);
  } catch (const std::exception& e) {
    std::cerr << "attune-bench: " << e.what() << "\n";
    return 1;
  }
  const size_t longest_socket =
      std::max((scratch + "/run-" + std::to_string(o.runs)).size(), (scratch + "/events").size()) +
      std::string("/attuned.sock").size();
  if (longest_socket > kMaxSocketPath) {
    std::cerr << "attune-bench: the scratch folder " << scratch
              << " is too long a path for a Unix socket; pass a shorter --dir\n";
    RemoveTree(scratch);
    return 2;
  }
  if (o.profile_clients > 0) {
    int rc = 1;
    try {
      rc = ProfileWrites(o, scratch);
    } catch (const std::exception& e) {
      std::cerr << "attune-bench: " << e.what() << "\n";
    }
    RemoveTree(scratch);
    return rc;
  }

  Report report;
  report.quick = o.quick;
  report.writes_per_client = o.writes;
  report.clients = kClients;
  report.fsync_appends = o.writes;
  report.empty_calls = empty_calls;
  report.attuned = o.attuned;
  report.scratch_dir = scratch;
  std::cerr << "attune-bench: " << o.attuned << ", scratch " << scratch << "\n";
  try {
    for (int r = 1; r <= (o.skip_write ? 0 : o.runs); ++r) {
      auto run_start = std::chrono::steady_clock::now();
      std::cerr << "run " << r << "/" << o.runs << ":";
      report.runs.push_back(RunOnce(o, scratch + "/run-" + std::to_string(r), empty_calls));
      std::cerr << "done in " << std::fixed << std::setprecision(1) << SecondsSince(run_start)
                << " s (daemon stop " << report.runs.back().stop_seconds * 1000 << " ms)\n"
                << std::defaultfloat;
    }
    if (!o.skip_events) {
      auto events_start = std::chrono::steady_clock::now();
      std::cerr << "events:";
      report.events = RunEventBench(EventLoad{.attuned = o.attuned,
                                              .dir = scratch + "/events",
                                              .writes = o.event_writes,
                                              .warmup = kEventWarmupWrites,
                                              .watchers = o.watchers,
                                              .window_seconds = o.watch_idle_seconds,
                                              .settle_seconds = o.quick ? 0.5 : 2});
      std::cerr << "done in " << std::fixed << std::setprecision(1) << SecondsSince(events_start)
                << " s\n"
                << std::defaultfloat;
    }
    if (!o.skip_sync) {
      auto sync_start = std::chrono::steady_clock::now();
      std::cerr << "sync:";
      SyncLoad load{.attuned = o.attuned,
                    .dir = scratch + "/sync",
                    .verify_seconds = o.quick ? 0.2 : 1.0,
                    .sizes = o.sync_sizes,
                    .joins = o.joins,
                    .seed_clients = kSeedClients,
                    .seed_budget_seconds = o.seed_seconds,
                    .live_rounds = o.live_rounds,
                    .live_writes = o.live_writes,
                    .live_warmup = kLiveWarmup,
                    .fsync_appends = std::max(o.live_writes, 100),
                    .converge_sizes = o.converge_entries,
                    .converge_runs = o.converge_runs,
                    .syncthing_bench = o.syncthing_bench,
                    .live_entries = o.live_entries,
                    .bodies = ReadBodies(o.entries_file),
                    .cold_starts = o.cold_starts,
                    .idle_seconds = o.idle_seconds};
      fs::create_directories(load.dir);
      report.sync = RunSyncBench(load);
      std::cerr << "done in " << std::fixed << std::setprecision(1) << SecondsSince(sync_start)
                << " s\n"
                << std::defaultfloat;
    }
  } catch (const std::exception& e) {
    std::cerr << "\nattune-bench: " << e.what() << "\nattune-bench: scratch kept in " << scratch
              << "\n";
    return 1;
  }

  try {
    // Paired bursts first: a row takes the first Syncthing figure of its size.
    if (report.sync.has_value()) {
      for (const SyncFigures::Burst& b : report.sync->bursts) {
        if (!b.syncthing_json.empty()) report.syncthing.push_back(ReadPairedRuns(b.syncthing_json));
      }
    }
    for (const std::string& path : o.syncthing_json) {
      report.syncthing.push_back(ReadSyncthingResult(path));
    }
  } catch (const std::exception& e) {
    std::cerr << "attune-bench: " << e.what() << "\n";
    return 1;
  }
  std::cout << FormatTable(report) << std::flush;
  int rc = 0;
  if (!o.json_out.empty()) {
    std::ofstream json(o.json_out);
    json << FormatJson(report);
    if (!json.flush()) {
      std::cerr << "attune-bench: cannot write " << o.json_out << "\n";
      rc = 1;
    }
  }
  if (o.keep) {
    std::cerr << "attune-bench: scratch kept in " << scratch << "\n";
  } else {
    RemoveTree(scratch);
  }
  std::cerr << "attune-bench: " << std::fixed << std::setprecision(1) << SecondsSince(started)
            << " s in all\n";
  return rc;
}
