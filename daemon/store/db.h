// The RocksDB database of a daemon: column families `oplog`, `records` and
// `meta` (DESIGN.md, "Storage"). Knows nothing of crypto or record types;
// only RecordStore and the vault's persistence adapter use it.
//
// Thread-safe: RocksDB serialises writers and lets readers run concurrently.
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
}  // namespace rocksdb

namespace attune {

enum class Cf { kOplog, kRecords, kMeta };
std::string_view CfName(Cf cf);

struct DbOptions {
  std::string path;
  // Sized for a background daemon on a laptop.
  size_t block_cache_bytes = 8 << 20;
  size_t write_buffer_bytes = 4 << 20;
};

// An atomic group of writes, applied by Db::Write. Not thread-safe.
class Batch {
 public:
  void Put(Cf cf, std::string_view key, std::string_view value) {
    entries_.push_back({cf, false, std::string(key), std::string(value)});
  }
  void Delete(Cf cf, std::string_view key) {
    entries_.push_back({cf, true, std::string(key), {}});
  }
  size_t Count() const { return entries_.size(); }

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

  absl::StatusOr<std::optional<std::string>> Get(Cf cf,
                                                 std::string_view key) const;

  // Applies the batch atomically. With sync, durable on the disk on OK.
  absl::Status Write(const Batch& batch, bool sync = true);

  // Calls fn for each key with `prefix`, in key order, until it returns false.
  absl::Status Scan(
      Cf cf, std::string_view prefix,
      const std::function<bool(std::string_view key, std::string_view value)>&
          fn) const;

  // Calls fn for each key at or after `start`, in key order, until it
  // returns false.
  absl::Status ScanFrom(
      Cf cf, std::string_view start,
      const std::function<bool(std::string_view key, std::string_view value)>&
          fn) const;

  // The greatest key with `prefix`, if any.
  absl::StatusOr<std::optional<std::string>> LastKeyWithPrefix(
      Cf cf, std::string_view prefix) const;

  // Removes every key of the column family (durably).
  absl::Status Clear(Cf cf);

  // Flushes memtables to SST files (tests and shutdown).
  absl::Status Flush();

 private:
  Db() = default;
  rocksdb::ColumnFamilyHandle* Handle(Cf cf) const;

  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* handles_[3] = {};
  std::vector<rocksdb::ColumnFamilyHandle*> owned_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_STORE_DB_H_
