#include "tools/bench/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace attune::bench {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  // Nearest rank: the smallest value with at least p% of values at or below it.
  double rank = std::ceil(p / 100.0 * static_cast<double>(values.size()));
  size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return values[std::min(index, values.size() - 1)];
}

Figure Summarise(const Samples& samples, bool with_throughput) {
  Figure f;
  f.operations = samples.latencies_ms.size();
  f.p50_ms = Percentile(samples.latencies_ms, 50);
  f.p99_ms = Percentile(samples.latencies_ms, 99);
  f.per_second = with_throughput && samples.wall_seconds > 0
                     ? static_cast<double>(f.operations) / samples.wall_seconds
                     : kNaN;
  return f;
}

Spread SpreadOf(const std::vector<double>& values) {
  if (values.empty() ||
      std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); })) {
    return {kNaN, kNaN, kNaN};
  }
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  size_t n = sorted.size();
  double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return {median, sorted.front(), sorted.back()};
}

}  // namespace attune::bench
