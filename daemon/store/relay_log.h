// What a blind relay (attune-relay) keeps of the spaces it serves, in one
// database: per space and author device, the shared ops 1..head exactly as
// their author signed them (opaque: the relay holds no key), the head of
// each such stream, and when a member device last visited. The relay's own
// signing key is kept here too. Knows nothing of who may write; the caller
// (relay/) checks every op first.
//
// Thread-safe. Every write is durable (fsync'd) before it returns OK, so an
// op a relay has forwarded or counted in a Hello survives a crash.
#ifndef ATTUNE_DAEMON_STORE_RELAY_LOG_H_
#define ATTUNE_DAEMON_STORE_RELAY_LOG_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "daemon/store/db.h"

namespace attune {

class RelayLog {
 public:
  // Author device -> highest seq held (ops 1..seq, no gaps).
  using Heads = std::map<std::string, uint64_t>;
  struct Entry {
    std::string author;  // raw device id
    uint64_t seq;
    std::string bytes;  // the serialized Op, exactly as received
  };

  // `db` must outlive the log.
  explicit RelayLog(Db* db) : db_(db) {}

  // Reads the heads of every stream and the visit times. Call once first.
  absl::Status Load();

  // The relay's signing key; nullopt before the first start.
  absl::StatusOr<std::optional<std::string>> Key() const;
  absl::Status SaveKey(std::string_view secret_key);

  // Stores `ops` of `space` atomically and durably. Per author stream, an op
  // at or below the head is a duplicate and skipped; one past head + 1 is a
  // gap and refused with the stream's later ops in the batch
  // (INVALID_ARGUMENT, after the rest is stored). Returns how many were new.
  absl::StatusOr<size_t> Append(const std::string& space, const std::vector<Entry>& ops);

  // Up to `max_ops` ops (and about `max_bytes`) of `author` from `from_seq`
  // on, in seq order.
  absl::StatusOr<std::vector<std::string>> Read(const std::string& space, const std::string& author,
                                                uint64_t from_seq, size_t max_ops,
                                                size_t max_bytes) const;

  Heads HeadsOf(const std::string& space) const;
  // Every space with a stream or a visit.
  std::vector<std::string> Spaces() const;
  // Total ops held of `space`, all authors.
  uint64_t OpsHeld(const std::string& space) const;

  // Notes a member's visit at `now_ms` (stored at most once an hour a
  // space, so a busy space costs no extra writes).
  absl::Status Visited(const std::string& space, int64_t now_ms);
  // The last visit noted; 0 when none.
  int64_t LastVisit(const std::string& space) const;

  // Deletes everything of `space`: ops, heads, visit, and its membership
  // tables (LocalSettings scoped to it). Durable on OK.
  absl::Status Forget(const std::string& space);

 private:
  Db* const db_;
  mutable absl::Mutex mu_;
  std::map<std::string, Heads> heads_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> visits_ ABSL_GUARDED_BY(mu_);
  // One Append at a time: heads are read and moved in one step.
  absl::Mutex append_mu_ ABSL_ACQUIRED_BEFORE(mu_);
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_STORE_RELAY_LOG_H_
