#include "daemon/store/db.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/utilities/options_util.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "daemon/base/log.h"

namespace attune {
namespace {

constexpr Cf kAllCfs[] = {Cf::kOplog, Cf::kRecords, Cf::kMeta};
// How often a write may retry a background error (DB::Resume flushes, which
// costs a little even when it fails).
constexpr absl::Duration kResumeInterval = absl::Seconds(1);
constexpr char kRestart[] =
    "then restart attuned (systemctl --user restart attuned) and unlock; "
    "everything saved before is kept";

// RocksDB's log lines (warnings and errors) into the daemon's log.
class DaemonLogger : public rocksdb::Logger {
 public:
  DaemonLogger() : rocksdb::Logger(rocksdb::WARN_LEVEL) {}
  void Logv(const char* format, va_list ap) override { Logv(rocksdb::WARN_LEVEL, format, ap); }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel() || level == rocksdb::HEADER_LEVEL) return;
    char line[1024];
    int n = std::vsnprintf(line, sizeof line, format, ap);
    if (n < 0) return;
    std::string text = "rocksdb: ";
    text.append(line, std::min(static_cast<size_t>(n), sizeof line - 1));
    while (text.back() == '\n') text.pop_back();
    Log(level >= rocksdb::ERROR_LEVEL ? LogLevel::kError : LogLevel::kWarning, text);
  }
};

absl::Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return absl::OkStatus();
  std::string msg = absl::StrCat(what, ": ", s.ToString());
  if (s.IsNoSpace()) return absl::ResourceExhaustedError(msg);
  if (s.IsIOError() || s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) {
    return absl::UnavailableError(msg);
  }
  if (s.IsCorruption()) return absl::DataLossError(msg);
  return absl::InternalError(msg);
}

rocksdb::Slice S(std::string_view v) { return {v.data(), v.size()}; }

}  // namespace

std::string_view CfName(Cf cf) {
  switch (cf) {
    case Cf::kOplog:
      return "oplog";
    case Cf::kRecords:
      return "records";
    case Cf::kMeta:
      return "meta";
  }
  return "unknown";
}

// Learns of RocksDB's background errors (which stop writes) and of its
// recoveries. A failure in the write-ahead log is never recovered in place:
// see db.h.
class Db::ErrorWatch : public rocksdb::EventListener {
 public:
  static bool InLog(rocksdb::BackgroundErrorReason reason) {
    return reason == rocksdb::BackgroundErrorReason::kWriteCallback ||
           reason == rocksdb::BackgroundErrorReason::kMemTable;
  }

  void OnBackgroundError(rocksdb::BackgroundErrorReason reason, rocksdb::Status* error) override {
    if (error->ok()) return;
    absl::MutexLock lock(&mu_);
    // RocksDB does not resume from a fatal error (e.g. an SST fsync that
    // failed) either: only a reopen helps.
    bool fatal = error->severity() >= rocksdb::Status::Severity::kFatalError;
    if ((InLog(reason) || fatal) && !needs_reopen_) {
      needs_reopen_ = true;
      reopen_error_ = error->ToString();
      reopen_no_space_ = error->IsNoSpace();
      LogError(absl::StrCat(InLog(reason) ? "the store's write-ahead log failed ("
                                          : "the store failed beyond in-place repair (",
                            reopen_error_, "): refusing writes until attuned is restarted"));
    }
    stopped_ = true;
  }

  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason reason, rocksdb::Status,
                            bool* auto_recovery) override {
    if (InLog(reason)) *auto_recovery = false;
  }

  void OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) override {
    if (!info.new_bg_error.ok()) return;
    Recovered();
  }

  void Recovered() {
    absl::MutexLock lock(&mu_);
    if (stopped_ && !needs_reopen_) LogInfo("the store recovered and takes writes again");
    if (!needs_reopen_) stopped_ = false;
  }

  // Whether only a reopen can make the store take writes again (and the
  // error, and whether it was for lack of space).
  bool NeedsReopen(std::string* error, bool* no_space) const {
    absl::MutexLock lock(&mu_);
    if (!needs_reopen_) return false;
    *error = reopen_error_;
    *no_space = reopen_no_space_;
    return true;
  }

  // Whether a background error stopped writes, and a retry is due now.
  bool ResumeDue() {
    absl::MutexLock lock(&mu_);
    if (!stopped_ || needs_reopen_) return false;
    absl::Time now = absl::Now();
    if (now - last_resume_ < kResumeInterval) return false;
    last_resume_ = now;
    return true;
  }

 private:
  mutable absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  bool needs_reopen_ ABSL_GUARDED_BY(mu_) = false;
  bool reopen_no_space_ ABSL_GUARDED_BY(mu_) = false;
  std::string reopen_error_ ABSL_GUARDED_BY(mu_);
  absl::Time last_resume_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

absl::StatusOr<std::unique_ptr<Db>> Db::Open(const DbOptions& options) {
  std::unique_ptr<Db> db(new Db());
  db->path_ = options.path;
  db->write_buffer_bytes_ = options.write_buffer_bytes;
  db->errors_ = std::make_shared<ErrorWatch>();
  rocksdb::Options opts;
  if (options.file_system != nullptr) {
    db->env_ = rocksdb::NewCompositeEnv(options.file_system);
    opts.env = db->env_.get();
  }
  opts.listeners.push_back(db->errors_);
  opts.info_log = std::make_shared<DaemonLogger>();
  opts.create_if_missing = true;
  opts.create_missing_column_families = true;
  opts.write_buffer_size = options.write_buffer_bytes;
  opts.max_write_buffer_number = 2;
  opts.max_background_jobs = 2;
  opts.keep_log_file_num = 3;
  opts.max_manifest_file_size = 4 << 20;
  opts.info_log_level = rocksdb::WARN_LEVEL;
  // Statistics dumps go to the info log at INFO level, which is not kept:
  // skip them, and the periodic wake-ups they cost an idle daemon.
  opts.stats_dump_period_sec = 0;
  opts.stats_persist_period_sec = 0;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  // Many reads on the write path ask for keys not written yet (a new
  // record's view): a Bloom filter per table answers those without reading
  // the table's index and data blocks.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // The same for the memtables, where a burst's new keys are: a miss then
  // costs a few hashes instead of a walk down the skip list. 1 % of the
  // write buffer (40 KiB of 4 MiB) gives over 40 bits per key of a view.
  opts.memtable_prefix_bloom_size_ratio = 0.01;
  opts.memtable_whole_key_filtering = true;

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  cfs.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions(opts));
  for (Cf cf : kAllCfs) {
    cfs.emplace_back(std::string(CfName(cf)), rocksdb::ColumnFamilyOptions(opts));
  }
  // Made here, so that RocksDB does not report a missing folder as an error.
  rocksdb::Env* env = opts.env != nullptr ? opts.env : rocksdb::Env::Default();
  if (rocksdb::Status made = env->CreateDirIfMissing(options.path); !made.ok()) {
    return FromRocks(made, absl::StrCat("creating the store at ", options.path));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(rocksdb::DBOptions(opts), options.path, cfs, &handles, &raw);
  if (!s.ok()) {
    if (s.IsNoSpace()) {
      return absl::ResourceExhaustedError(
          absl::StrCat("out of disk space: the disk holding ", options.path,
                       " is full, so the store cannot open (", s.ToString(),
                       "); free some space on it, then start attuned again"));
    }
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return absl::UnavailableError(
          absl::StrCat("the data folder ", options.path,
                       " is in use by another process (attuned or attune-relay); stop it first"));
    }
    return FromRocks(s, absl::StrCat("opening the store at ", options.path));
  }
  db->db_.reset(raw);
  db->owned_ = handles;
  for (size_t i = 0; i < 3; ++i) db->handles_[i] = handles[i + 1];
  return db;
}

Db::~Db() {
  for (auto* h : owned_) db_->DestroyColumnFamilyHandle(h);
  if (db_ != nullptr) db_->Close();
}

rocksdb::ColumnFamilyHandle* Db::Handle(Cf cf) const { return handles_[static_cast<int>(cf)]; }

absl::StatusOr<std::optional<std::string>> Db::Get(Cf cf, std::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Handle(cf), S(key), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, "reading the store");
  return value;
}

absl::Status Db::Write(const Batch& batch, bool sync) {
  // Sized once: each entry adds a tag, a column family id and two lengths
  // (at most 16 bytes) to its key and value, after a 12-byte header.
  size_t bytes = 12;
  for (const auto& e : batch.entries_) bytes += 16 + e.key.size() + e.value.size();
  rocksdb::WriteBatch wb(bytes);
  for (const auto& e : batch.entries_) {
    rocksdb::Status s = e.is_delete ? wb.Delete(Handle(e.cf), S(e.key))
                                    : wb.Put(Handle(e.cf), S(e.key), S(e.value));
    if (!s.ok()) return FromRocks(s, "building a write");
  }
  std::string log_error;
  bool no_space = false;
  if (errors_->NeedsReopen(&log_error, &no_space)) return WriteError(log_error, no_space);
  MaybeResume();
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  rocksdb::Status s = db_->Write(wo, &wb);
  if (s.ok()) return absl::OkStatus();
  if (!s.IsIOError()) return FromRocks(s, "writing to the store");
  return WriteError(s.ToString(), s.IsNoSpace());
}

absl::Status Db::WriteError(const std::string& rocks_message, bool no_space) const {
  std::string log_error;
  bool log_no_space = false;
  if (errors_->NeedsReopen(&log_error, &log_no_space)) {
    if (log_no_space) {
      return absl::ResourceExhaustedError(
          absl::StrCat("out of disk space: the disk holding ", path_,
                       " is full, so this was not saved (", log_error,
                       "); the store takes no more writes until attuned restarts: free some "
                       "space on that disk, ",
                       kRestart));
    }
    return absl::UnavailableError(
        absl::StrCat("the disk holding ", path_, " failed to store a write (", log_error,
                     "), so it was not saved; the store takes no more writes until attuned "
                     "restarts: check the disk, ",
                     kRestart));
  }
  if (no_space) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "out of disk space: the disk holding ", path_, " is full, so this was not saved (",
        rocks_message, "); free at least ", (write_buffer_bytes_ + (1 << 20) - 1) >> 20,
        " MiB on that disk and writing resumes by itself within seconds, "
        "without a restart"));
  }
  return absl::UnavailableError(
      absl::StrCat("the disk holding ", path_, " failed (", rocks_message,
                   "), so this was not saved; the store retries by itself at the next "
                   "write; if this persists, check the disk, ",
                   kRestart));
}

void Db::MaybeResume() {
  if (!errors_->ResumeDue()) return;
  // Busy: RocksDB's own recovery (from a full disk) is under way.
  rocksdb::Status s = db_->Resume();
  if (s.ok()) {
    errors_->Recovered();
  } else if (!s.IsBusy()) {
    LogWarning(absl::StrCat("the store could not recover yet: ", s.ToString()));
  }
}

absl::Status Db::SyncWal() {
  std::string log_error;
  bool no_space = false;
  // Never sync a log that failed: RocksDB would use its failed writer again.
  if (errors_->NeedsReopen(&log_error, &no_space)) return WriteError(log_error, no_space);
  rocksdb::Status s = db_->SyncWAL();
  if (s.ok()) return absl::OkStatus();
  if (!s.IsIOError()) return FromRocks(s, "syncing the store to disk");
  return WriteError(s.ToString(), s.IsNoSpace());
}

absl::Status Db::Scan(Cf cf, std::string_view prefix,
                      const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Handle(cf)));
  for (it->Seek(S(prefix)); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key();
    if (!k.starts_with(S(prefix))) break;
    rocksdb::Slice v = it->value();
    if (!fn({k.data(), k.size()}, {v.data(), v.size()})) break;
  }
  return FromRocks(it->status(), "scanning the store");
}

absl::Status Db::ScanFrom(Cf cf, std::string_view start,
                          const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Handle(cf)));
  for (it->Seek(S(start)); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key();
    rocksdb::Slice v = it->value();
    if (!fn({k.data(), k.size()}, {v.data(), v.size()})) break;
  }
  return FromRocks(it->status(), "scanning the store");
}

absl::StatusOr<std::optional<std::string>> Db::LastKeyWithPrefix(Cf cf,
                                                                 std::string_view prefix) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Handle(cf)));
  // Seek past the prefix: prefix followed by 0xff… is after every key with it
  // as long as keys are shorter than the padding.
  std::string upper(prefix);
  upper.append(64, '\xff');
  it->SeekForPrev(S(upper));
  if (!it->status().ok()) return FromRocks(it->status(), "scanning the store");
  if (!it->Valid() || !it->key().starts_with(S(prefix))) return std::nullopt;
  return it->key().ToString();
}

absl::Status Db::Clear(Cf cf) {
  Batch batch;
  auto s = Scan(cf, "", [&](std::string_view k, std::string_view) {
    batch.Delete(cf, std::string(k));
    return true;
  });
  if (!s.ok()) return s;
  return Write(batch, true);
}

absl::Status Db::Flush() {
  rocksdb::FlushOptions fo;
  for (Cf cf : kAllCfs) {
    if (auto s = FromRocks(db_->Flush(fo, Handle(cf)), "flushing the store"); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status Db::Checkpoint(const std::string& dir) {
  rocksdb::Checkpoint* made = nullptr;
  if (auto s = FromRocks(rocksdb::Checkpoint::Create(db_.get(), &made), "starting a backup");
      !s.ok()) {
    return s;
  }
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(made);
  return FromRocks(checkpoint->CreateCheckpoint(dir), absl::StrCat("writing a backup to ", dir));
}

absl::Status Db::DropOverwritten(Cf cf) {
  if (auto s = Flush(); !s.ok()) return s;
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  return FromRocks(db_->CompactRange(options, Handle(cf), nullptr, nullptr),
                   "compacting the store");
}

}  // namespace attune
