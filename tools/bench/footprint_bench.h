// What a daemon holding many records costs while nobody uses it: the time
// from spawning it until it answers a health check (cold start), its
// resident memory once unlocked and again after idling, the CPU time it
// uses while idle, and how often its threads wake up (voluntary plus
// involuntary context switches of every thread, from /proc). The idle time
// is cut into windows, each measured on its own, so that every idle figure
// has a median, a min and a max.
#ifndef ATTUNE_TOOLS_BENCH_FOOTPRINT_BENCH_H_
#define ATTUNE_TOOLS_BENCH_FOOTPRINT_BENCH_H_

#include <string>
#include <utility>
#include <vector>

namespace attune::bench {

inline constexpr double kColdStartTargetMs = 200;
inline constexpr double kRssTargetMb = 40;
inline constexpr double kIdleCpuTargetPerMinute = 0.1;  // CPU seconds
inline constexpr double kWakeupsTargetPerMinute = 60;

struct FootprintLoad {
  std::string attuned;
  std::string data_dir;  // a stopped daemon's data folder, vault initialised by InitVault
  std::string socket;
  std::string log_path;
  std::vector<std::string> extra_args;
  int records = 0;          // what the folder holds, for the report
  int cold_starts = 0;      // spawn → health, each a fresh process
  double idle_seconds = 0;  // in all
  int idle_windows = 3;     // that it is cut into
};

struct FootprintFigures {
  int records = 0;
  std::vector<double> cold_start_ms;
  double rss_after_start_mb = 0;  // after the last cold start and an unlock
  double idle_seconds = 0;        // all windows together
  // One value per idle window.
  std::vector<double> rss_after_idle_mb;    // at the window's end
  std::vector<double> idle_cpu_per_minute;  // CPU seconds
  std::vector<double> wakeups_per_minute;
  // Over the whole idle time: wake-ups per minute of the threads of each
  // name (threads that share a name are summed), most first.
  std::vector<std::pair<std::string, double>> wakeups_by_thread;
};

// Leaves the daemon stopped. Throws std::runtime_error on failure.
FootprintFigures MeasureFootprint(const FootprintLoad& load);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_FOOTPRINT_BENCH_H_
