// Reads the JSON that tools/bench/syncthing_bench.py writes.
#ifndef ATTUNE_TOOLS_BENCH_SYNCTHING_RESULT_H_
#define ATTUNE_TOOLS_BENCH_SYNCTHING_RESULT_H_

#include <string>

#include "tools/bench/report.h"

namespace attune::bench {

// Throws std::runtime_error naming the file and what is wrong.
Report::Syncthing ReadSyncthingResult(const std::string& path);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_SYNCTHING_RESULT_H_
