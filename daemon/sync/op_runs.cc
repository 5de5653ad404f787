#include "daemon/sync/op_runs.h"

#include <algorithm>

#include "daemon/store/record_store.h"

namespace attune {

absl::StatusOr<v1::OpBatch> ReadSendableRun(const StreamReader& read, uint64_t from_seq,
                                            uint64_t last_seq, size_t max_ops, size_t max_bytes) {
  v1::OpBatch batch;
  if (from_seq == 0 || last_seq < from_seq || max_ops == 0) return batch;
  // Appends `ops` until one does not parse; false then.
  auto take = [&batch](const std::vector<std::string>& ops) {
    for (const std::string& bytes : ops) {
      if (!batch.add_ops()->ParseFromString(bytes)) {
        batch.mutable_ops()->RemoveLast();
        return false;
      }
    }
    return true;
  };
  auto first =
      read(from_seq, static_cast<size_t>(std::min<uint64_t>(max_ops, last_seq - from_seq + 1)),
           max_bytes);
  if (!first.ok()) return first.status();
  bool whole = take(*first);
  auto ends_signed = [&batch] {
    return batch.ops_size() > 0 && !batch.ops(batch.ops_size() - 1).signature().empty();
  };
  // The run the limit fell in: at most kMaxOpsPerSignature - 1 more ops.
  const uint64_t next = from_seq + static_cast<uint64_t>(batch.ops_size());
  if (whole && !ends_signed() && batch.ops_size() > 0 && next <= last_seq) {
    const size_t more =
        static_cast<size_t>(std::min<uint64_t>(kMaxOpsPerSignature - 1, last_seq - next + 1));
    auto rest = read(next, more, kMaxUnsignedRunBytes + kMaxOpBytes);
    if (!rest.ok()) return rest.status();
    const int before = batch.ops_size();
    take(*rest);
    // Only up to the first signed op of the rest.
    int end = before;
    while (end < batch.ops_size() && batch.ops(end).signature().empty()) ++end;
    if (end < batch.ops_size())
      batch.mutable_ops()->DeleteSubrange(end + 1, batch.ops_size() - end - 1);
  }
  // Cut back to the last op that carries a signature.
  int keep = batch.ops_size();
  while (keep > 0 && batch.ops(keep - 1).signature().empty()) --keep;
  batch.mutable_ops()->DeleteSubrange(keep, batch.ops_size() - keep);
  return batch;
}

}  // namespace attune
