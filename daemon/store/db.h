// The RocksDB database of a daemon: column families `oplog`, `records` and
// `meta` (docs/ARCHITECTURE.md, "Storage"). Knows nothing of crypto or record types;
// only RecordStore and the vault's persistence adapter use it.
//
// Thread-safe: RocksDB serialises writers and lets readers run concurrently.
//
// When the disk fails or fills up. A write is acknowledged (OK) only once it
// is in the write-ahead log and, with sync, fsync'd; on any error it was not
// acknowledged. After such an error RocksDB stops taking writes until it has
// recovered; reads keep working throughout. What happens next depends on
// where the error struck:
//
//  - In the write-ahead log itself (an append or fsync of a write failed):
//    RocksDB cannot tell how much of that log reached the disk, and its
//    in-place recovery would go on writing to the failed log (which aborts
//    the process in Debian's RocksDB build). So the store refuses every
//    further write until it is opened again — for the daemon, a restart —
//    with RESOURCE_EXHAUSTED when the disk is full and UNAVAILABLE otherwise,
//    both saying what to do. Nothing acknowledged before is lost; the write
//    that failed may or may not be there after the reopen (an fsync that
//    failed says nothing about what the disk kept).
//  - In a background flush or compaction (SST files, the MANIFEST): the log
//    is intact, so a full disk is recovered in place: RocksDB looks every
//    five seconds, and resumes once as much space is free as one memtable
//    (write_buffer_bytes). Until then writes fail with RESOURCE_EXHAUSTED
//    saying how much to free; afterwards they succeed again, no restart.
//    Other errors RocksDB can resume from are retried (DB::Resume) at the
//    next write, at most once a second, meanwhile UNAVAILABLE; those it
//    cannot (a failed fsync of an SST file is fatal to it) are refused until
//    a reopen, like a failed log.
//
// RocksDB's informational log goes to the daemon's log (stderr, warnings and
// errors only), not to a LOG file in the data folder: a LOG file on a full
// disk is itself a write that fails.
#ifndef ATTUNE_DAEMON_STORE_DB_H_
#define ATTUNE_DAEMON_STORE_DB_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class Env;
class FileSystem;
}  // namespace rocksdb

namespace attune {

enum class Cf { kOplog, kRecords, kMeta };
std::string_view CfName(Cf cf);

struct DbOptions {
  std::string path;
  // Sized for a background daemon on a laptop.
  size_t block_cache_bytes = 8 << 20;
  size_t write_buffer_bytes = 4 << 20;
  // The file system RocksDB uses; nullptr is the operating system's. Tests
  // inject one that fails on demand.
  std::shared_ptr<rocksdb::FileSystem> file_system = nullptr;
};

// An atomic group of writes, applied by Db::Write. Not thread-safe.
class Batch {
 public:
  // Takes the key and value: a temporary (a sealed value, a composed key) is
  // moved in, not copied; pass std::string(view) for a view.
  void Put(Cf cf, std::string key, std::string value) {
    entries_.push_back({cf, false, std::move(key), std::move(value)});
  }
  void Delete(Cf cf, std::string key) { entries_.push_back({cf, true, std::move(key), {}}); }
  size_t Count() const { return entries_.size(); }
  // Moves every entry of `other` to the end of this batch.
  void Append(Batch&& other) {
    for (Entry& e : other.entries_) entries_.push_back(std::move(e));
    other.entries_.clear();
  }

 private:
  friend class Db;
  struct Entry {
    Cf cf;
    bool is_delete;
    std::string key;
    std::string value;
  };
  std::vector<Entry> entries_;
};

class Db {
 public:
  // Opens or creates the database. UNAVAILABLE with a clear message when
  // another process holds it.
  static absl::StatusOr<std::unique_ptr<Db>> Open(const DbOptions& options);
  ~Db();

  absl::StatusOr<std::optional<std::string>> Get(Cf cf, std::string_view key) const;

  // Applies the batch atomically. With sync, durable on the disk on OK.
  // Without, the batch is in the write-ahead log (handed to the OS, in
  // order after every earlier write) and visible to reads, but a crash may
  // lose it until a later SyncWal() returns OK.
  absl::Status Write(const Batch& batch, bool sync = true);

  // Makes every write that returned before this call durable (fdatasync of
  // the write-ahead log). Since the log is appended in order, a crash never
  // keeps a later write and loses an earlier one.
  absl::Status SyncWal();

  // Calls fn for each key with `prefix`, in key order, until it returns false.
  absl::Status Scan(
      Cf cf, std::string_view prefix,
      const std::function<bool(std::string_view key, std::string_view value)>& fn) const;

  // Calls fn for each key at or after `start`, in key order, until it
  // returns false.
  absl::Status ScanFrom(
      Cf cf, std::string_view start,
      const std::function<bool(std::string_view key, std::string_view value)>& fn) const;

  // The greatest key with `prefix`, if any.
  absl::StatusOr<std::optional<std::string>> LastKeyWithPrefix(Cf cf,
                                                               std::string_view prefix) const;

  // Removes every key of the column family (durably).
  absl::Status Clear(Cf cf);

  // Flushes memtables to SST files (tests and shutdown).
  absl::Status Flush();

  // Writes a consistent copy of the whole database into `dir` (a RocksDB
  // checkpoint: memtables are flushed, then the files are hard-linked where
  // `dir` is on the same file system and copied where it is not), while
  // writes go on. `dir` must not exist; its parent must. The copy opens with
  // Open like the original. On an error nothing is left at `dir`.
  absl::Status Checkpoint(const std::string& dir);

  // Drops the values of `cf` that were overwritten or deleted, as far as
  // RocksDB can: flushes every memtable (so no write-ahead log still holds
  // them; the log is shared by all column families) and compacts the whole
  // of `cf`, bottom level included. The blocks of the files this deletes stay
  // on the disk until the file system reuses them.
  absl::Status DropOverwritten(Cf cf);

 private:
  class ErrorWatch;
  Db() = default;
  rocksdb::ColumnFamilyHandle* Handle(Cf cf) const;
  // The error for a write that failed with `s`, or that was refused because
  // of an earlier failure.
  absl::Status WriteError(const std::string& rocks_message, bool no_space) const;
  // Retries a background error that can be recovered in place (rate-limited).
  void MaybeResume();

  std::string path_;
  size_t write_buffer_bytes_ = 0;
  // Declared before db_ so that they outlive it.
  std::unique_ptr<rocksdb::Env> env_;
  std::shared_ptr<ErrorWatch> errors_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* handles_[3] = {};
  std::vector<rocksdb::ColumnFamilyHandle*> owned_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_STORE_DB_H_
