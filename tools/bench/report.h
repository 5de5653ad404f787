// The bench's output: tables for people and the same figures as JSON.
#ifndef ATTUNE_TOOLS_BENCH_REPORT_H_
#define ATTUNE_TOOLS_BENCH_REPORT_H_

#include <optional>
#include <string>
#include <vector>

#include "tools/bench/crypto_bench.h"
#include "tools/bench/event_bench.h"
#include "tools/bench/read_bench.h"
#include "tools/bench/stats.h"
#include "tools/bench/sync_bench.h"

namespace attune::bench {

// What the write path should achieve, as ratios measured within one run.
inline constexpr double kLatencyRatioTarget = 1.25;    // 1-client p50 / fsync p50, at most
inline constexpr double kThroughputRatioTarget = 5.0;  // 8-client / 1-client, at least
// attuned's CPU per acknowledged check-in (issue 19), at most: with one
// client, and with kBusyClients writing at once.
inline constexpr double kOneClientCpuTargetMs = 0.20;
inline constexpr double kBusyCpuTargetMs = 0.12;
inline constexpr int kBusyClients = 16;

// Everything one run measured.
struct RunFigures {
  Figure fsync;
  Figure fsync_paced;  // the same, sleeping kPacedProbePause before each append
  Figure empty_call;
  Figure one_client;
  Figure many_clients;
  Figure get_one;    // GetJournalEntry
  Figure list_page;  // ListJournalEntries, 1,000 entries
  CryptoFigures crypto;
  double stop_seconds = 0;  // SIGTERM to exit of that run's daemon
  // CPU time per write (user + system) while the concurrent clients wrote,
  // warm-up included: the daemon's, and the bench's own client threads'.
  double many_daemon_cpu_ms = 0;
  double many_client_cpu_ms = 0;
  unsigned cores = 0;  // that share the daemon's and the clients' work
  // attuned's CPU time per acknowledged check-in with one client, and with
  // kBusyClients writing at once (a row of its own, after the others).
  double one_daemon_cpu_ms = 0;
  double busy_daemon_cpu_ms = 0;
  Figure busy_clients;
  // A floor under attuned's CPU per 1-client check-in, on this machine in
  // this run: attuned's CPU per empty call (the health checks, their warm-up
  // included), the probe's CPU per 200-byte append and fdatasync (unpaced;
  // a check-in appends more), and sealing one op (crypto's rate, one core).
  double empty_call_daemon_cpu_ms = 0;
  double fsync_cpu_ms = 0;
  double SealCpuMs() const { return 1000 / crypto.seal_per_second; }
  double OneClientCpuFloorMs() const {
    return empty_call_daemon_cpu_ms + fsync_cpu_ms + SealCpuMs();
  }

  double GetRatio() const { return get_one.p50_ms / empty_call.p50_ms; }
  double LatencyRatio() const { return one_client.p50_ms / fsync.p50_ms; }
  // Not a target: how far the write is from what a sleeping thread pays
  // for fdatasync plus what any call pays for gRPC.
  double PacedFloorRatio() const {
    return one_client.p50_ms / (fsync_paced.p50_ms + empty_call.p50_ms);
  }
  double ThroughputRatio() const { return many_clients.per_second / one_client.per_second; }
  // The most writes per second these cores could do at that CPU cost per
  // write, whatever the disk: the ceiling of the concurrent row.
  double CpuBoundPerSecond() const {
    return cores * 1000.0 / (many_daemon_cpu_ms + many_client_cpu_ms);
  }
  double CpuBoundRatio() const { return CpuBoundPerSecond() / one_client.per_second; }
};

struct Report {
  bool quick = false;
  int writes_per_client = 0;
  int clients = 0;  // of the concurrent row
  int fsync_appends = 0;
  int empty_calls = 0;
  std::string attuned;
  std::string scratch_dir;
  std::vector<RunFigures> runs;        // empty when the write path was skipped
  std::optional<SyncFigures> sync;     // unset when sync was skipped
  std::optional<EventFigures> events;  // unset when events were skipped
  // Syncthing's figures, as tools/bench/syncthing_bench.py wrote them.
  struct Syncthing {
    std::string version;
    std::string mode;  // "burst", "live" or "join"
    int files = 0;     // entries (live: timed one by one)
    // Per run, what the mode times: burst first write → B has them all,
    // live one entry → on B (the run's median), join sharing → B has them all.
    std::vector<double> seconds;
    std::vector<double> last_write_to_converged_s;  // burst only
    std::string label;                              // "defaults", or what was tuned
    std::string settings;                           // a line for people
    // Each run was made just before one of Attune's bursts of the same size,
    // in the same order (attune-bench --syncthing-bench): compared pair by pair.
    bool paired = false;
  };
  std::vector<Syncthing> syncthing;  // one per mode, size and configuration measured
};

// What Attune should achieve against Syncthing on each row of the
// comparison (burst, one new entry, a new device joining): this many times
// faster, at least. The headline is the smallest of the rows' ratios.
inline constexpr double kSyncthingRatioTarget = 20.0;

// The write-path table if it ran, then the events table and the sync table
// if those ran.
std::string FormatTable(const Report& report);
std::string FormatJson(const Report& report);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_REPORT_H_
