// The disk's own ceiling for a durable write: append a small record to a file
// and fdatasync it, as a write-ahead log does, timing each append.
#ifndef ATTUNE_TOOLS_BENCH_FSYNC_PROBE_H_
#define ATTUNE_TOOLS_BENCH_FSYNC_PROBE_H_

#include <chrono>
#include <string>

#include "tools/bench/stats.h"

namespace attune::bench {

// Creates `path` (which must not exist), makes `warmup` untimed and then
// `appends` timed appends of kProbeRecordBytes, each followed by fdatasync,
// and removes the file. With a `pause`, the thread sleeps that long (untimed)
// before each append, as a server's log thread sleeps between requests.
// Samples::thread_cpu_seconds is the thread's CPU time over the timed
// appends: what appending and fdatasync cost the caller, in the kernel
// mostly (with a pause, the sleeps' own cost too).
// Throws std::runtime_error on an I/O error.
inline constexpr int kProbeRecordBytes = 200;
Samples ProbeFsync(const std::string& path, int appends, int warmup,
                   std::chrono::microseconds pause = std::chrono::microseconds(0));

// The pause of the paced probe. On a virtual machine a thread that sleeps
// between syncs can see a much slower fdatasync than one that syncs back to
// back: the idle virtual CPU is slow to wake when the disk answers.
inline constexpr std::chrono::microseconds kPacedProbePause{500};

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_FSYNC_PROBE_H_
