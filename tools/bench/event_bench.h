// Events (api.proto's EventService), on one fresh daemon, unlocked:
//
//   1. a write's event: one client watches (Watch from 0, past `live`),
//      another writes private journal entries one at a time; per write, the
//      time from sending CreateJournalEntry until it is acknowledged, and
//      until the watcher receives the record_changed event naming the entry
//      it created (the next write starts once both arrived);
//   2. idle watchers: the daemon's resident memory, threads and wake-ups
//      (context switches of all its threads, from /proc) over an idle window
//      with no watcher, then with one Watch stream open, then with
//      `watchers` of them, each past `live`, nothing written. All streams
//      share one channel (one connection, made before the first window) and
//      gRPC's callback API, so the bench adds only gRPC's few threads. The
//      one-watcher window tells what the first stream wakes in gRPC once
//      (a thread of its timer pool, say) from what each watcher costs.
#ifndef ATTUNE_TOOLS_BENCH_EVENT_BENCH_H_
#define ATTUNE_TOOLS_BENCH_EVENT_BENCH_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tools/bench/stats.h"

namespace attune::bench {

// What events should achieve.
inline constexpr double kEventAfterAckTargetMs = 0.5;  // event − ack, per write, p50 at most
inline constexpr double kWatchersRssTargetMb = 1.0;    // RSS the idle watchers add, at most
// No wake-ups added by idle watchers: the watchers past the first add at
// most this many per second. Not 0: gRPC's timer and completion-queue
// threads wake 1–2 times a second more or less from one window to the next
// whatever the watchers do (the phase of their timers); a wake-up of each
// watcher even once every 100 s would add more.
inline constexpr double kWatchersWakeupsSlackPerSecond = 1.0;
// No thread per watcher: the watchers past the first add at most this many
// threads (gRPC's pools may start one under a burst; a thread per watcher
// would add `watchers` − 1).
inline constexpr int kWatchersThreadsSlack = 2;

struct EventLoad {
  std::string attuned;
  std::string dir;  // for the data folder, socket and log
  int writes = 0;   // timed
  int warmup = 0;   // untimed writes first
  int watchers = 0;
  double window_seconds = 0;  // each idle window
  double settle_seconds = 0;  // before each idle window
};

// The daemon over one idle window.
struct IdleWindow {
  double seconds = 0;
  double rss_mb = 0;                           // at its end
  int threads = 0;                             // at its end
  std::map<std::string, int> threads_by_name;  // at its end
  double wakeups_per_second = 0;
  std::map<std::string, double> wakeups_by_thread;  // per second, by thread name
};

struct EventFigures {
  int writes = 0;
  Figure ack;                // write sent → acknowledged
  Figure event;              // write sent → its event on the watcher
  Figure event_after_ack;    // event − ack, per write (negative: the event came first)
  int event_before_ack = 0;  // writes whose event arrived before their acknowledgement

  int watchers = 0;
  IdleWindow none;            // no watcher (the connection open)
  IdleWindow one;             // one idle watcher
  IdleWindow many;            // `watchers` idle watchers
  int events_while_idle = 0;  // that the idle watchers received past `live` (0 expected)
  bool stopped_clean = true;

  // What the watchers add to none.
  double RssAddedMb() const { return many.rss_mb - none.rss_mb; }
  double WakeupsAddedPerSecond() const { return many.wakeups_per_second - none.wakeups_per_second; }
  int ThreadsAdded() const { return many.threads - none.threads; }
  // What the watchers past the first add: what each watcher costs.
  double WakeupsPastFirstPerSecond() const {
    return many.wakeups_per_second - one.wakeups_per_second;
  }
  int ThreadsPastFirst() const { return many.threads - one.threads; }

  bool RssMet() const { return RssAddedMb() <= kWatchersRssTargetMb; }
  bool WakeupsMet() const { return WakeupsPastFirstPerSecond() <= kWatchersWakeupsSlackPerSecond; }
  bool ThreadsMet() const { return ThreadsPastFirst() <= kWatchersThreadsSlack; }

  // Thread names whose count differs between two windows, and by how much.
  static std::vector<std::pair<std::string, int>> ThreadsAddedByName(const IdleWindow& from,
                                                                     const IdleWindow& to);
  // Thread names that woke in any window, those the watchers added most
  // wake-ups to first.
  std::vector<std::string> WakingThreads() const;
};

// Starts and stops its own daemon. Throws std::runtime_error on failure.
EventFigures RunEventBench(const EventLoad& load);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_EVENT_BENCH_H_
