// The read path over the same Unix socket as the writes: one record by name
// (GetJournalEntry), and a page of 1,000 journal entries (ListJournalEntries
// with page_size 1000), each call from one client, after the entries were
// written (untimed) by several clients at once.
#ifndef ATTUNE_TOOLS_BENCH_READ_BENCH_H_
#define ATTUNE_TOOLS_BENCH_READ_BENCH_H_

#include <string>

#include "tools/bench/stats.h"

namespace attune::bench {

inline constexpr int kListEntries = 1000;
inline constexpr double kGetRatioTarget = 2.0;  // get p50 / empty call p50, at most

struct ReadLoad {
  std::string socket;
  int gets = 0;    // timed GetJournalEntry calls
  int lists = 0;   // timed ListJournalEntries calls
  int warmup = 0;  // untimed calls before each
};

struct ReadSamples {
  Samples get_one;
  Samples list_page;
};

// Writes kListEntries journal entries, then times the reads. Throws
// std::runtime_error on any failed call or a page that is not 1,000 long.
ReadSamples MeasureReads(const ReadLoad& load);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_READ_BENCH_H_
