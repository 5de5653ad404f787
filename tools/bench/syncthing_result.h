// Reads the JSON that tools/bench/syncthing_bench.py writes.
#ifndef ATTUNE_TOOLS_BENCH_SYNCTHING_RESULT_H_
#define ATTUNE_TOOLS_BENCH_SYNCTHING_RESULT_H_

#include <string>
#include <vector>

#include "tools/bench/report.h"

namespace attune::bench {

// Throws std::runtime_error naming the file and what is wrong.
Report::Syncthing ReadSyncthingResult(const std::string& path);
// The one-run results of bursts paired with Attune's (SyncLoad::
// syncthing_bench), in order, as one figure with `paired` set. Throws as
// ReadSyncthingResult does, or if they differ in mode or size.
Report::Syncthing ReadPairedRuns(const std::vector<std::string>& paths);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_SYNCTHING_RESULT_H_
