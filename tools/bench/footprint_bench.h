// What a daemon holding many records costs while nobody uses it: the time
// from spawning it until it answers a health check (cold start), its
// resident memory once unlocked and again after idling, the CPU time it
// uses while idle, and how often its threads wake up (voluntary plus
// involuntary context switches of every thread, from /proc).
#ifndef ATTUNE_TOOLS_BENCH_FOOTPRINT_BENCH_H_
#define ATTUNE_TOOLS_BENCH_FOOTPRINT_BENCH_H_

#include <string>
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
  int records = 0;      // what the folder holds, for the report
  int cold_starts = 0;  // spawn → health, each a fresh process
  double idle_seconds = 0;
};

struct FootprintFigures {
  int records = 0;
  std::vector<double> cold_start_ms;
  double rss_after_start_mb = 0;  // after the last cold start and an unlock
  double rss_after_idle_mb = 0;
  double idle_seconds = 0;
  double idle_cpu_seconds = 0;
  double wakeups = 0;  // over idle_seconds
  double IdleCpuPerMinute() const { return idle_cpu_seconds * 60 / idle_seconds; }
  double WakeupsPerMinute() const { return wakeups * 60 / idle_seconds; }
};

// Leaves the daemon stopped. Throws std::runtime_error on failure.
FootprintFigures MeasureFootprint(const FootprintLoad& load);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_FOOTPRINT_BENCH_H_
