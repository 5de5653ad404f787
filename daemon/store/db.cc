#include "daemon/store/db.h"

#include <rocksdb/db.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/options_util.h>
#include <rocksdb/write_batch.h>

#include "absl/strings/str_cat.h"

namespace attune {
namespace {

constexpr Cf kAllCfs[] = {Cf::kOplog, Cf::kRecords, Cf::kMeta};

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

absl::StatusOr<std::unique_ptr<Db>> Db::Open(const DbOptions& options) {
  rocksdb::Options opts;
  opts.create_if_missing = true;
  opts.create_missing_column_families = true;
  opts.write_buffer_size = options.write_buffer_bytes;
  opts.max_write_buffer_number = 2;
  opts.max_background_jobs = 2;
  opts.keep_log_file_num = 3;
  opts.max_manifest_file_size = 4 << 20;
  opts.info_log_level = rocksdb::WARN_LEVEL;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  cfs.emplace_back(rocksdb::kDefaultColumnFamilyName,
                   rocksdb::ColumnFamilyOptions(opts));
  for (Cf cf : kAllCfs) {
    cfs.emplace_back(std::string(CfName(cf)), rocksdb::ColumnFamilyOptions(opts));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(opts), options.path,
                                        cfs, &handles, &raw);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return absl::UnavailableError(absl::StrCat(
          "the data folder ", options.path,
          " is in use by another attuned; stop it first"));
    }
    return FromRocks(s, absl::StrCat("opening the store at ", options.path));
  }
  std::unique_ptr<Db> db(new Db());
  db->db_.reset(raw);
  db->owned_ = handles;
  for (size_t i = 0; i < 3; ++i) db->handles_[i] = handles[i + 1];
  return db;
}

Db::~Db() {
  for (auto* h : owned_) db_->DestroyColumnFamilyHandle(h);
  if (db_ != nullptr) db_->Close();
}

rocksdb::ColumnFamilyHandle* Db::Handle(Cf cf) const {
  return handles_[static_cast<int>(cf)];
}

absl::StatusOr<std::optional<std::string>> Db::Get(Cf cf,
                                                   std::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Handle(cf), S(key), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, "reading the store");
  return value;
}

absl::Status Db::Write(const Batch& batch, bool sync) {
  rocksdb::WriteBatch wb;
  for (const auto& e : batch.entries_) {
    rocksdb::Status s = e.is_delete ? wb.Delete(Handle(e.cf), S(e.key))
                                    : wb.Put(Handle(e.cf), S(e.key), S(e.value));
    if (!s.ok()) return FromRocks(s, "building a write");
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  return FromRocks(db_->Write(wo, &wb), "writing to the store");
}

absl::Status Db::Scan(
    Cf cf, std::string_view prefix,
    const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), Handle(cf)));
  for (it->Seek(S(prefix)); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key();
    if (!k.starts_with(S(prefix))) break;
    rocksdb::Slice v = it->value();
    if (!fn({k.data(), k.size()}, {v.data(), v.size()})) break;
  }
  return FromRocks(it->status(), "scanning the store");
}

absl::Status Db::ScanFrom(
    Cf cf, std::string_view start,
    const std::function<bool(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), Handle(cf)));
  for (it->Seek(S(start)); it->Valid(); it->Next()) {
    rocksdb::Slice k = it->key();
    rocksdb::Slice v = it->value();
    if (!fn({k.data(), k.size()}, {v.data(), v.size()})) break;
  }
  return FromRocks(it->status(), "scanning the store");
}

absl::StatusOr<std::optional<std::string>> Db::LastKeyWithPrefix(
    Cf cf, std::string_view prefix) const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), Handle(cf)));
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
    batch.Delete(cf, k);
    return true;
  });
  if (!s.ok()) return s;
  return Write(batch, true);
}

absl::Status Db::Flush() {
  rocksdb::FlushOptions fo;
  for (Cf cf : kAllCfs) {
    if (auto s = FromRocks(db_->Flush(fo, Handle(cf)), "flushing the store");
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace attune
