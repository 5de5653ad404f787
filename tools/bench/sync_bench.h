// Peer-to-peer sync between fresh daemons on loopback:
//
//   1. the ceiling: how fast this machine verifies Ed25519 signatures;
//   2. initial sync, for each size N: daemon A is seeded with N shared ops
//      (journal entries, written by many clients at once), then fresh
//      daemons join A's space one at a time, and the clock runs from
//      JoinSpace returning until the joiner holds all of them (its
//      SyncService.GetSyncStatus shared_ops, polled);
//   3. footprint of the largest A (footprint_bench.h), between its seeding
//      and its joins;
//   4. live latency: with A and the last joiner B paired and idle, a check-in
//      written on A, timed from just before the call on A until B's
//      GetCheckIn returns it by the name A gave it (B polled every 0.1 ms:
//      the API has no change stream), beside the raw fdatasync latency of
//      the same folder;
//      in rounds, each once both daemons are at rest (a joiner compacts what
//      it took in for a while) and probing the disk just before its writes;
//      then reveal together: B checks in for the same day, timed until A's
//      check-in opens on B's API;
//      then one journal entry at a time, from the call on A until B's
//      GetJournalEntry returns it: the live row beside Syncthing's one file;
//   5. convergence: for each size, a burst of journal entries on A from the
//      first write until B holds them all — the burst row beside Syncthing's;
//      then the same burst through BatchCreateJournalEntries (500 a call).
// Syncthing's join row is set beside the initial sync of the same size,
// timed from the JoinSpace call (InitialSync::TotalSeconds).
#ifndef ATTUNE_TOOLS_BENCH_SYNC_BENCH_H_
#define ATTUNE_TOOLS_BENCH_SYNC_BENCH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tools/bench/footprint_bench.h"
#include "tools/bench/stats.h"
#include "tools/bench/verify_ceiling.h"

namespace attune::bench {

// What sync should achieve.
inline constexpr double kSyncRatioTarget = 0.5;     // ops/s over verify rate × cores, at least
inline constexpr double kIngestCpuTargetMs = 0.06;  // B's CPU per op it takes in, at most
inline constexpr double kLiveP50RatioTarget = 2.0;  // live p50 over fsync p50, at most
inline constexpr double kLiveP99TargetMs = 50.0;    // live p99, at most

struct SyncLoad {
  std::string attuned;
  std::string dir;  // created; holds every daemon's data, sockets and logs
  double verify_seconds = 1.0;
  // Initial sync sizes, smallest first: for each, a fresh daemon A is seeded
  // with that many shared ops (the largest reuses its A), and `joins` fresh
  // daemons join A's space one after another, each timed.
  std::vector<int> sizes;
  int joins = 3;
  int seed_clients = 16;
  // Seeding stops early, at the number of ops its rate so far says fit in
  // this time, when all would take longer.
  double seed_budget_seconds = 120;
  int live_rounds = 3;  // each: fsync probes, then the live writes
  int live_writes = 0;  // timed, per round
  int live_warmup = 3;  // untimed, before them
  int fsync_appends = 0;
  // Convergence, as compared with Syncthing: for each size, that many journal
  // entries written on A as fast as 16 clients can, timed until B holds them
  // all; repeated `converge_runs` times.
  std::vector<int> converge_sizes;
  int converge_runs = 1;
  // tools/bench/syncthing_bench.py, or empty. When given, each burst is
  // paired with one of Syncthing's of the same size run just before it
  // (`--mode burst --runs 1`, its JSON kept in Burst::syncthing_json), so
  // that both are timed on the machine as it is then.
  std::string syncthing_bench;
  // Journal entries written one at a time per live round, each timed until
  // B returns it (Syncthing's one new file).
  int live_entries = 0;
  // The journal entries' texts (syncthing_bench.py --entries-out), so both
  // write the same words; empty: made up here.
  std::vector<std::string> bodies;
  // Footprint of A once it holds the largest size (0 cold starts: skipped).
  int cold_starts = 0;
  double idle_seconds = 60;
};

// One size of initial sync, over `joins` fresh joiners.
struct InitialSync {
  int ops = 0;                  // shared ops each joiner received
  std::vector<double> seconds;  // JoinSpace returning → joiner holds them all
  std::vector<double> first_op_seconds;
  std::vector<double> join_seconds;  // the JoinSpace call itself
  std::vector<double> cpu_a_seconds, cpu_b_seconds;
  // B's CPU from holding them all until both daemons were at rest: work the
  // ops left for after (search indexing), counted in B's CPU per op.
  std::vector<double> cpu_b_after_seconds;
  // The JoinSpace call → the joiner holds them all: a new device taking the
  // whole history, as Syncthing's join row is timed.
  std::vector<double> TotalSeconds() const {
    std::vector<double> out;
    for (size_t i = 0; i < seconds.size() && i < join_seconds.size(); ++i) {
      out.push_back(join_seconds[i] + seconds[i]);
    }
    return out;
  }
  std::vector<double> PerSecond() const {
    std::vector<double> out;
    for (double s : seconds) out.push_back(ops / s);
    return out;
  }
};

// One round of the live latency: the disk probed, then the live writes.
struct LiveRound {
  double settle_seconds = 0;  // waited first, until both daemons were at rest
  Figure fsync;               // raw append + fdatasync in the same folder
  Figure fsync_paced;         // the same, asleep as long before each as between live writes
  Figure live;                // before CreateCheckIn on A → B's GetCheckIn returns it
  Figure live_write;          // the CreateCheckIn call on A by itself
  // Reveal together: A's check-in of the day, held sealed on B; then B's
  // CreateCheckIn for that day → B's GetCheckIn shows A's open (B's
  // check-in reaches A, A's device releases its key, the key reaches B).
  // Its ceiling is two live trips.
  Figure reveal;
  // One shared journal entry: before CreateJournalEntry on A → B's
  // GetJournalEntry returns it.
  Figure live_entry;
};

struct SyncFigures {
  VerifyCeiling verify;                   // the median of the repeats
  std::vector<double> verify_per_second;  // each repeat's rate (one core)

  // Seeding the largest size's A through its API.
  int ops_asked = 0;
  int ops_seeded = 0;
  bool seed_capped = false;  // stopped early: `ops_asked` would not fit the budget
  double seed_budget_seconds = 0;
  int seed_clients = 0;
  Figure seed;  // per-write latency, and ops per second overall
  double seed_seconds = 0;
  double seed_cpu_a_seconds = 0;  // A's CPU time while seeding

  std::vector<InitialSync> initial;  // one per size
  // Median ops/s of the largest size over verify rate × cores.
  double SyncRatio() const;

  // Live latency, per round; and one value of every round, across rounds.
  std::vector<LiveRound> live;
  Spread Live(Figure LiveRound::*figure, double Figure::*value) const;
  // Each round's live p50 over its own probe's p50 (fsync or fsync_paced).
  Spread LiveP50Over(Figure LiveRound::*probe) const;
  // Each round's reveal p50 over two live trips (its ceiling), median and range.
  Spread RevealOverTwoTrips() const;

  // Convergence of a burst of journal entries, per size, per run.
  struct Burst {
    int entries = 0;
    std::vector<double> after_last_write_s;
    std::vector<double> after_first_write_s;
    std::vector<double> write_seconds;  // first write → last write acknowledged
    // CPU seconds used from the first write until B held them all: A's, B's
    // and the bench's (its 16 clients, mostly), and then A's and B's until
    // both were at rest again (work a daemon left for after, such as search
    // indexing).
    std::vector<double> cpu_a_s, cpu_b_s, cpu_bench_s, cpu_after_a_s, cpu_after_b_s;
    // The same burst through BatchCreateJournalEntries (batches of 500, one
    // client): first write → B holds them all.
    std::vector<double> batched_after_first_write_s;
    // The ceiling of a burst of single calls: as many health checks, from
    // the same 16 clients with a connection each, to A at rest (first call →
    // last reply), and the CPU A and the bench used for them.
    std::vector<double> empty_calls_s, empty_cpu_a_s, empty_cpu_bench_s;
    // With SyncLoad::syncthing_bench: the JSON of Syncthing's run paired
    // with each of Attune's, in the same order.
    std::vector<std::string> syncthing_json;
  };
  std::vector<Burst> bursts;

  std::optional<FootprintFigures> footprint;

  bool stopped_clean = true;
};

// Runs it all. Progress goes to stderr. Throws std::runtime_error on a
// failure (after stopping the daemons and printing their log tails).
SyncFigures RunSyncBench(const SyncLoad& load);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_SYNC_BENCH_H_
