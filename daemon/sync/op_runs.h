// Cutting one stream's ops into batches a receiver can check. An op its
// author left unsigned (vault/op_crypto.h, OpSigning) is taken only together
// with the later op of its stream that signs for it (sync/op_checker.h), so
// every batch a sender makes of a stream ends at an op that carries its own
// signature: extended past its size limits to close the run it stopped in
// (kMaxOpsPerSignature bounds how far), or cut back to the run's start when
// the run is not closed within what may be sent. Thread-safe: pure.
#ifndef ATTUNE_DAEMON_SYNC_OP_RUNS_H_
#define ATTUNE_DAEMON_SYNC_OP_RUNS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "attune/v1/sync.pb.h"

namespace attune {

// Reads serialized ops of one stream from `from_seq` on, in seq order, at
// most `max_ops` and about `max_bytes` (RecordStore::ReadOps, RelayLog::Read).
using StreamReader = std::function<absl::StatusOr<std::vector<std::string>>(
    uint64_t from_seq, size_t max_ops, size_t max_bytes)>;

// The stream's ops from `from_seq` up to at most `last_seq`, as one batch:
// about `max_ops` and `max_bytes`, the run the limit falls in completed, and
// ending at an op that carries its own signature. Empty when no op up to
// `last_seq` within reach does (nothing of the stream can be sent). An op
// that does not parse ends the batch before it. Errors are the reader's.
absl::StatusOr<v1::OpBatch> ReadSendableRun(const StreamReader& read, uint64_t from_seq,
                                            uint64_t last_seq, size_t max_ops, size_t max_bytes);

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_OP_RUNS_H_
