// The bench's scratch folder: a fresh mkdtemp folder on the disk being
// measured, removed at the end.
#ifndef ATTUNE_TOOLS_BENCH_SCRATCH_H_
#define ATTUNE_TOOLS_BENCH_SCRATCH_H_

#include <string>

namespace attune::bench {

// Creates "<parent>/attune-bench-XXXXXX" (parent created if missing; empty
// parent means $TMPDIR, else /tmp) and returns its absolute path. Throws
// std::runtime_error on failure.
std::string MakeScratchDir(const std::string& parent);

// Removes the folder and everything in it; warns on stderr if it cannot.
void RemoveTree(const std::string& path);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_SCRATCH_H_
