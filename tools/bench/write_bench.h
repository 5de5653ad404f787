// The durable write path: concurrent clients calling CheckInService.
// CreateCheckIn, each write on a day no other write uses, so each one creates
// a record (one signed, sealed op and its view, fsync'd) rather than updating
// one.
#ifndef ATTUNE_TOOLS_BENCH_WRITE_BENCH_H_
#define ATTUNE_TOOLS_BENCH_WRITE_BENCH_H_

#include <string>

#include "attune/v1/api.pb.h"
#include "tools/bench/days.h"
#include "tools/bench/stats.h"

namespace attune::bench {

struct WriteLoad {
  std::string socket;
  int clients = 1;
  int writes_per_client = 0;  // timed
  int warmup_per_client = 0;  // untimed, before the timed writes start
  // Client c writes the days first_day + c * DaysPerClient() + [0, n).
  Day first_day;

  int DaysPerClient() const { return warmup_per_client + writes_per_client; }
  int DaysUsed() const { return clients * DaysPerClient(); }
};

// A check-in for `day` (time zone UTC) with a high, a low, two emotions and
// a rating: about the size of a real one.
v1::CreateCheckInRequest MakeCheckInRequest(Day day);

// Each client is a thread with a channel, and so a connection, of its own.
// All clients warm up, then start their timed writes together; wall time runs
// from that start until the last client is done. Throws std::runtime_error
// if a write fails.
Samples MeasureCheckInWrites(const WriteLoad& load);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_WRITE_BENCH_H_
