// The record store on a disk that fails: a file system wrapped so that the
// write-ahead log's or the SST files' appends and syncs can be told to fail,
// driven through RecordStore's public API. What it shows is the contract in
// db.h: a write whose log append or sync failed is never acknowledged;
// everything acknowledged before is there after a reopen; a failed log makes
// the store refuse writes, saying to restart, until it is reopened; a failed
// background flush is retried and writes resume without a reopen.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "daemon/store/record_store.h"
#include "tests/support/test_keys.h"
#include "tests/support/test_mutations.h"

namespace attune {
namespace {

using ::attune::testing::Journal;
using ::attune::testing::NewKeys;
using ::attune::testing::TempDir;
using ::testing::HasSubstr;

// Which files a fault applies to, by RocksDB's file name suffix.
enum class Files { kLog, kTable };
// What the failing call reports.
enum class Error { kIo, kNoSpace };

bool Matches(Files files, const std::string& name) {
  auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return files == Files::kLog ? ends_with(".log") : ends_with(".sst");
}

// Forwards to the real file system until told to fail appends or syncs of
// the log or of SST files (with EIO or ENOSPC); counts the failures it
// caused.
class FaultyFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FaultyFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FaultyFileSystem"; }

  void FailSyncs(Files files, Error error = Error::kIo) { Set(files, /*append=*/false, error); }
  void FailAppends(Files files, Error error = Error::kIo) { Set(files, /*append=*/true, error); }
  void Heal() { fail_log_sync_ = fail_log_append_ = fail_table_sync_ = fail_table_append_ = false; }
  int failures() const { return failures_; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewWritableFile(name, options, file, dbg);
    if (s.ok()) *file = std::make_unique<File>(std::move(*file), name, this);
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* file,
                                       rocksdb::IODebugContext* dbg) override {
    auto s = target()->ReopenWritableFile(name, options, file, dbg);
    if (s.ok()) *file = std::make_unique<File>(std::move(*file), name, this);
    return s;
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& name, const std::string& old_name,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* file,
                                      rocksdb::IODebugContext* dbg) override {
    auto s = target()->ReuseWritableFile(name, old_name, options, file, dbg);
    if (s.ok()) *file = std::make_unique<File>(std::move(*file), name, this);
    return s;
  }

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> target, std::string name, FaultyFileSystem* fs)
        : FSWritableFileOwnerWrapper(std::move(target)), name_(std::move(name)), fs_(fs) {}

    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->ShouldFail(name_, /*append=*/true)) return Injected("append");
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->ShouldFail(name_, /*append=*/true)) return Injected("append");
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
      if (fs_->ShouldFail(name_, /*append=*/false)) return Injected("fsync");
      return FSWritableFileOwnerWrapper::Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
      if (fs_->ShouldFail(name_, /*append=*/false)) return Injected("fsync");
      return FSWritableFileOwnerWrapper::Fsync(options, dbg);
    }
    rocksdb::IOStatus RangeSync(uint64_t offset, uint64_t nbytes, const rocksdb::IOOptions& options,
                                rocksdb::IODebugContext* dbg) override {
      if (fs_->ShouldFail(name_, /*append=*/false)) return Injected("fsync");
      return FSWritableFileOwnerWrapper::RangeSync(offset, nbytes, options, dbg);
    }

   private:
    rocksdb::IOStatus Injected(const char* what) {
      std::string message = std::string("injected ") + what + " failure";
      return fs_->no_space_ ? rocksdb::IOStatus::NoSpace(message, name_)
                            : rocksdb::IOStatus::IOError(message, name_);
    }
    const std::string name_;
    FaultyFileSystem* const fs_;
  };

  void Set(Files files, bool append, Error error) {
    no_space_ = error == Error::kNoSpace;
    (files == Files::kLog ? (append ? fail_log_append_ : fail_log_sync_)
                          : (append ? fail_table_append_ : fail_table_sync_)) = true;
  }
  bool ShouldFail(const std::string& name, bool append) {
    bool fail = false;
    if (Matches(Files::kLog, name)) fail = append ? fail_log_append_ : fail_log_sync_;
    if (Matches(Files::kTable, name)) fail = append ? fail_table_append_ : fail_table_sync_;
    if (fail) ++failures_;
    return fail;
  }

  std::atomic<bool> fail_log_sync_{false}, fail_log_append_{false};
  std::atomic<bool> fail_table_sync_{false}, fail_table_append_{false};
  std::atomic<bool> no_space_{false};
  std::atomic<int> failures_{0};
};

std::string Body(int n) { return "entry " + std::to_string(n) + std::string(200, '.'); }

class RecordStoreFaultTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open(size_t write_buffer_bytes = 4 << 20) {
    store_.reset();
    db_.reset();
    auto db = Db::Open({.path = dir_.path() + "/db",
                        .write_buffer_bytes = write_buffer_bytes,
                        .file_system = fs_});
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    store_ = std::make_unique<RecordStore>(db_.get(), &clock_);
  }

  absl::Status Write(int n) {
    auto written = store_->Write(*keys_, Journal(n, Body(n)));
    if (written.ok()) acknowledged_[n] = Body(n);
    return written.status();
  }

  // Every acknowledged write reads back with its content.
  void ExpectAcknowledgedPresent() {
    for (const auto& [n, body] : acknowledged_) {
      auto got = store_->Get(*keys_, Kind::kJournalEntry, Journal(n, "").body.record_id());
      ASSERT_TRUE(got.ok()) << got.status();
      ASSERT_TRUE(got->has_value()) << "acknowledged entry " << n << " is missing";
      EXPECT_EQ((*got)->record().journal_entry().body(), body);
    }
  }

  // The views say exactly what folding the op log again says.
  void ExpectViewsMatchTheLog() {
    auto before = store_->DumpViews(*keys_);
    ASSERT_TRUE(before.ok()) << before.status();
    auto rebuilt = store_->RebuildViews(*keys_);
    ASSERT_TRUE(rebuilt.ok()) << rebuilt.status();
    auto after = store_->DumpViews(*keys_);
    ASSERT_TRUE(after.ok()) << after.status();
    EXPECT_TRUE(*before == *after) << "views and op log disagree after the fault";
  }

  TempDir dir_;
  SystemClock clock_;
  std::shared_ptr<const KeySet> keys_ = NewKeys();
  std::shared_ptr<FaultyFileSystem> fs_ = std::make_shared<FaultyFileSystem>();
  std::unique_ptr<Db> db_;
  std::unique_ptr<RecordStore> store_;
  std::map<int, std::string> acknowledged_;
};

TEST_F(RecordStoreFaultTest, AWriteWhoseLogSyncFailsIsRefusedUntilTheStoreIsReopened) {
  for (int n = 0; n < 20; ++n) ASSERT_TRUE(Write(n).ok());

  fs_->FailSyncs(Files::kLog);
  absl::Status failed = Write(20);
  EXPECT_GT(fs_->failures(), 0) << "the fault was never hit";
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
  EXPECT_THAT(failed.message(), HasSubstr("not saved"));
  EXPECT_THAT(failed.message(), HasSubstr("restart attuned"));

  // The disk works again, but the store cannot know what the failed log kept:
  // it keeps refusing, with the same advice, and never touches that log.
  fs_->Heal();
  int failures = fs_->failures();
  for (int n = 21; n < 24; ++n) {
    absl::Status again = Write(n);
    EXPECT_EQ(again.code(), absl::StatusCode::kUnavailable) << again;
    EXPECT_THAT(again.message(), HasSubstr("restart attuned"));
  }
  EXPECT_EQ(fs_->failures(), failures);
  // Reads go on meanwhile.
  ExpectAcknowledgedPresent();

  Open();
  ExpectAcknowledgedPresent();
  ASSERT_TRUE(Write(30).ok());
  ExpectAcknowledgedPresent();
  ExpectViewsMatchTheLog();
}

TEST_F(RecordStoreFaultTest, AWriteWhoseLogAppendFailsIsNotStoredAtAll) {
  for (int n = 0; n < 5; ++n) ASSERT_TRUE(Write(n).ok());

  fs_->FailAppends(Files::kLog);
  absl::Status failed = Write(5);
  EXPECT_GT(fs_->failures(), 0) << "the fault was never hit";
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
  EXPECT_THAT(failed.message(), HasSubstr("restart attuned"));
  fs_->Heal();

  Open();
  ExpectAcknowledgedPresent();
  // Its bytes never reached the log, so the reopened store does not have it.
  auto lost = store_->Get(*keys_, Kind::kJournalEntry, Journal(5, "").body.record_id());
  ASSERT_TRUE(lost.ok()) << lost.status();
  EXPECT_FALSE(lost->has_value());
  auto ops = store_->OwnOpCount(*keys_);
  ASSERT_TRUE(ops.ok());
  EXPECT_EQ(*ops, 5u);
  ASSERT_TRUE(Write(6).ok());
  ExpectAcknowledgedPresent();
  ExpectViewsMatchTheLog();
}

TEST_F(RecordStoreFaultTest, AFlushOutOfSpaceStopsWritesUntilThereIsRoomThenTheyResume) {
  // Small memtables, so that writes soon make RocksDB flush in the background.
  Open(/*write_buffer_bytes=*/64 << 10);
  fs_->FailAppends(Files::kTable, Error::kNoSpace);
  absl::Status refused;
  int n = 0;
  for (; n < 5000 && refused.ok(); ++n) refused = Write(n);
  ASSERT_FALSE(refused.ok()) << "no write was refused in " << n << " writes";
  EXPECT_GT(fs_->failures(), 0);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_THAT(refused.message(), HasSubstr("out of disk space"));
  EXPECT_THAT(refused.message(), HasSubstr("resumes by itself"));
  ExpectAcknowledgedPresent();

  // Once there is room, the store recovers by itself (RocksDB looks every
  // five seconds): a write succeeds again, with no reopen.
  fs_->Heal();
  absl::Status last;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    last = Write(++n);
    if (last.ok()) break;
    EXPECT_EQ(last.code(), absl::StatusCode::kResourceExhausted) << last;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(last.ok()) << "writes did not resume once there was room: " << last;
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(Write(++n).ok());
  ExpectAcknowledgedPresent();

  Open(/*write_buffer_bytes=*/64 << 10);
  ExpectAcknowledgedPresent();
  ExpectViewsMatchTheLog();
}

TEST_F(RecordStoreFaultTest, AFlushWhoseSyncFailsStopsWritesUntilTheStoreIsReopened) {
  Open(/*write_buffer_bytes=*/64 << 10);
  fs_->FailSyncs(Files::kTable);
  absl::Status refused;
  int n = 0;
  for (; n < 5000 && refused.ok(); ++n) refused = Write(n);
  ASSERT_FALSE(refused.ok()) << "no write was refused in " << n << " writes";
  EXPECT_GT(fs_->failures(), 0);
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  EXPECT_THAT(refused.message(), HasSubstr("restart attuned"));

  // RocksDB does not resume from this: healing the disk is not enough.
  fs_->Heal();
  absl::Status again = Write(++n);
  EXPECT_EQ(again.code(), absl::StatusCode::kUnavailable) << again;
  EXPECT_THAT(again.message(), HasSubstr("restart attuned"));
  ExpectAcknowledgedPresent();

  Open(/*write_buffer_bytes=*/64 << 10);
  ExpectAcknowledgedPresent();
  ASSERT_TRUE(Write(++n).ok());
  ExpectViewsMatchTheLog();
}

}  // namespace
}  // namespace attune
