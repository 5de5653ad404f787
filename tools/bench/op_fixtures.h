// Keys and op bodies shaped like a real device's, for the in-process
// benchmarks (crypto rates in attune-bench, and attune-microbench).
#ifndef ATTUNE_TOOLS_BENCH_OP_FIXTURES_H_
#define ATTUNE_TOOLS_BENCH_OP_FIXTURES_H_

#include <cstdint>
#include <memory>
#include <string>

#include "attune/v1/records.pb.h"
#include "daemon/vault/keys.h"

namespace attune::bench {

// A device's key set in a space, every key fresh from libsodium's RNG.
// Calls sodium_init(); throws std::runtime_error if it fails.
std::unique_ptr<KeySet> MakeBenchKeys();

// The body of a shared check-in op for day number `i`: about the size of a
// real evening's check-in (a high and a low of a sentence or two each).
v1::OpBody MakeCheckInBody(int i);

// A header for `keys`' device at `seq`, as the record store stamps it.
v1::OpHeader MakeHeader(const KeySet& keys, uint64_t seq);

}  // namespace attune::bench

#endif  // ATTUNE_TOOLS_BENCH_OP_FIXTURES_H_
