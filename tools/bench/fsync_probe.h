// The disk's own ceiling for a durable write: append a small record to a file
// and fdatasync it, as a write-ahead log does, timing each append.
#ifndef ATTUNE_TOOLS_BENCH_FSYNC_PROBE_H_
#define ATTUNE_TOOLS_BENCH_FSYNC_PROBE_H_

#include <string>

#include "tools/bench/stats.h"

namespace attune::bench {

// Creates `path` (which must not exist), makes `warmup` untimed and then
// `appends` timed appends of kProbeRecordBytes, each followed by fdatasync,
// and removes the file. Throws std::runtime_error on an I/O error.
inline constexpr int kProbeRecordBytes = 200;
Samples ProbeFsync(const std::string& path, int appends, int warmup);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_FSYNC_PROBE_H_
