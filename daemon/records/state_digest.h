// A fingerprint of the shared state a device holds (SyncService
// .GetStateDigest): equal on two devices exactly when they hold the same live
// shared records with the same content, whatever order the ops arrived in.
//
// Covered, in kind then id order: each live record whose visibility is
// SHARED (goal progress, which has no visibility of its own: while its goal
// is live and shared), as its kind, raw id and deterministically serialized
// content; then the number of records. Not covered: private records, records
// made private again, deleted records (they count as absent), and the
// per-field clocks, which differ between a record's author (who may have
// edited it privately first) and its readers.
#ifndef ATTUNE_DAEMON_RECORDS_STATE_DIGEST_H_
#define ATTUNE_DAEMON_RECORDS_STATE_DIGEST_H_

#include <sodium.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "daemon/store/record_store.h"
#include "daemon/vault/keys.h"

namespace attune {

struct StateDigest {
  std::string digest;  // BLAKE2b-256, 32 raw bytes
  int64_t record_count = 0;
};

// Reads every view through RecordStore::ForEach. Thread-safe as the store is;
// concurrent writes may or may not be covered.
absl::StatusOr<StateDigest> ComputeStateDigest(const RecordStore& store, const KeySet& keys);

}  // namespace attune

#endif  // ATTUNE_DAEMON_RECORDS_STATE_DIGEST_H_
