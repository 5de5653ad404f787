// Calendar days for the bench's check-ins. Each write needs a day of its own
// (a second check-in on a day updates the first), in the past, within the
// years the daemon accepts.
#ifndef ATTUNE_TOOLS_BENCH_DAYS_H_
#define ATTUNE_TOOLS_BENCH_DAYS_H_

#include <chrono>
#include <string>

namespace attune::bench {

using Day = std::chrono::sys_days;

// 2000-01-01: the first day the bench writes.
Day FirstBenchDay();
// Yesterday in UTC: the last day the bench may write (check-ins use "UTC").
Day YesterdayUtc();
// "YYYY-MM-DD".
std::string FormatDay(Day day);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_DAYS_H_
