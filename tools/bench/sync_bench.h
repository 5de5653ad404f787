// Peer-to-peer sync between two fresh daemons on loopback:
//
//   1. the ceiling: how fast this machine verifies Ed25519 signatures;
//   2. initial sync: daemon A is seeded with N shared ops (journal entries,
//      written by many clients at once), then a fresh daemon B joins A's
//      space, and the clock runs from JoinSpace returning until B holds all
//      of them (B's SyncService.GetSyncStatus shared_ops, polled);
//   3. live latency: with A and B paired and idle, a check-in written on A,
//      timed from just before the call on A until B's CheckInService returns
//      it (B polled every 0.1 ms: the API has no change stream), beside
//      the raw fdatasync latency of the same folder.
#ifndef ATTUNE_TOOLS_BENCH_SYNC_BENCH_H_
#define ATTUNE_TOOLS_BENCH_SYNC_BENCH_H_

#include <cstdint>
#include <string>

#include "tools/bench/stats.h"
#include "tools/bench/verify_ceiling.h"

namespace attune::bench {

// What sync should achieve.
inline constexpr double kSyncRatioTarget = 0.5;     // ops/s over verify rate × cores, at least
inline constexpr double kLiveP50RatioTarget = 2.0;  // live p50 over fsync p50, at most
inline constexpr double kLiveP99TargetMs = 50.0;    // live p99, at most

struct SyncLoad {
  std::string attuned;
  std::string dir;  // created; holds both daemons' data, sockets and logs
  double verify_seconds = 1.0;
  int ops = 0;             // shared ops to seed A with, asked for
  int seed_clients = 16;
  // Seeding stops early, at the number of ops its rate so far says fit in
  // this time, when all `ops` would take longer.
  double seed_budget_seconds = 120;
  int live_writes = 0;  // timed
  int live_warmup = 3;  // untimed, before them
  int fsync_appends = 0;
};

struct SyncFigures {
  VerifyCeiling verify;

  // Seeding A through its API.
  int ops_asked = 0;
  int ops_seeded = 0;
  bool seed_capped = false;        // stopped early: `ops_asked` would not fit the budget
  double seed_budget_seconds = 0;
  int seed_clients = 0;
  Figure seed;                     // per-write latency, and ops per second overall
  double seed_seconds = 0;
  double seed_cpu_a_seconds = 0;   // A's CPU time while seeding

  // Initial sync.
  uint64_t ops_synced = 0;         // what B had to receive
  double join_seconds = 0;         // the JoinSpace call on B
  double first_op_seconds = 0;     // JoinSpace returning → B holds its first op
  double sync_seconds = 0;         // JoinSpace returning → B holds them all
  double sync_cpu_a_seconds = 0;   // the daemons' CPU time over sync_seconds
  double sync_cpu_b_seconds = 0;
  double SyncPerSecond() const { return static_cast<double>(ops_synced) / sync_seconds; }
  double SyncRatio() const { return SyncPerSecond() / verify.PerSecondAllCores(); }

  // Live latency.
  Figure fsync;       // raw append + fdatasync in the same folder, just before
  Figure live;        // before CreateCheckIn on A → B's ListCheckIns returns it
  Figure live_write;  // the CreateCheckIn call on A by itself
  double LiveP50Ratio() const { return live.p50_ms / fsync.p50_ms; }

  bool stopped_clean = true;
  double stop_a_seconds = 0;  // SIGTERM to exit, after the live writes
  double stop_b_seconds = 0;
};

// Runs all three. Progress goes to stderr. Throws std::runtime_error on a
// failure (after stopping the daemons and printing their log tails).
SyncFigures RunSyncBench(const SyncLoad& load);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_SYNC_BENCH_H_
