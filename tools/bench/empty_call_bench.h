// The cost of a gRPC round trip to attuned with no work behind it: the
// standard health check (VaultService.GetStatus is not empty: it counts the
// records).
#ifndef ATTUNE_TOOLS_BENCH_EMPTY_CALL_BENCH_H_
#define ATTUNE_TOOLS_BENCH_EMPTY_CALL_BENCH_H_

#include <string>

#include "tools/bench/stats.h"

namespace attune::bench {

// `warmup` untimed, then `calls` timed sequential grpc.health.v1.Health/Check
// calls on one channel. Throws std::runtime_error if one fails.
Samples MeasureEmptyCalls(const std::string& socket, int calls, int warmup);

// `calls` health checks from `clients` threads at once, each with a
// connection of its own, as a burst of writes makes them: what gRPC alone
// costs a burst of single calls on this machine, the ceiling of every such
// burst. Returns the seconds from letting the clients go until the last
// reply. Throws std::runtime_error if a call fails.
double MeasureEmptyCallBurst(const std::string& socket, int calls, int clients);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_EMPTY_CALL_BENCH_H_
