// Latency samples and the figures drawn from them: percentiles within a run,
// median/min/max across runs.
#ifndef ATTUNE_TOOLS_BENCH_STATS_H_
#define ATTUNE_TOOLS_BENCH_STATS_H_

#include <cstddef>
#include <vector>

namespace attune::bench {

// What one measurement of one run produced.
struct Samples {
  std::vector<double> latencies_ms;  // one per operation
  double wall_seconds = 0;           // first operation's start to last one's end
  // The measuring thread's CPU time over the same span, where the measure
  // runs its operations on its own thread (ProbeFsync); else 0.
  double thread_cpu_seconds = 0;
};

// Nearest-rank percentile (p in [0, 100]) of `values`; NaN when empty.
double Percentile(std::vector<double> values, double p);

// One row's values in one run. per_second is NaN where throughput means
// nothing (the probes that only measure latency).
struct Figure {
  double p50_ms = 0;
  double p99_ms = 0;
  double per_second = 0;
  size_t operations = 0;
};
Figure Summarise(const Samples& samples, bool with_throughput);

// A value across runs.
struct Spread {
  double median = 0;
  double min = 0;
  double max = 0;
};
// Median (mean of the middle two for an even count), min and max; NaNs
// when `values` is empty or holds a NaN.
Spread SpreadOf(const std::vector<double>& values);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_STATS_H_
