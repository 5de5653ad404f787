#include "daemon/restore.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "daemon/store/db.h"
#include "daemon/store/record_store.h"
#include "daemon/store/vault_persistence.h"
#include "daemon/sync/membership.h"
#include "daemon/sync/space_rules.h"
#include "daemon/vault/device_id.h"
#include "daemon/vault/vault.h"

namespace attune {
namespace {

namespace fs = std::filesystem;

std::string Store(const std::string& data_dir) { return data_dir + "/db"; }
std::string Staging(const std::string& data_dir) { return data_dir + "/db.restoring"; }
std::string Staged(const std::string& data_dir) { return data_dir + "/db.restored"; }

// Makes the entries of `dir` (renames, removals) durable.
absl::Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("cannot open ", dir));
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok ? absl::OkStatus() : absl::UnavailableError(absl::StrCat("cannot sync ", dir));
}

// fsyncs every file and folder under `dir`, and `dir` itself.
absl::Status SyncTree(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
    const int flags = entry.is_directory() ? O_RDONLY | O_DIRECTORY : O_RDONLY;
    int fd = ::open(entry.path().c_str(), flags | O_CLOEXEC);
    if (fd < 0) return absl::UnavailableError(absl::StrCat("cannot open ", entry.path().string()));
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) return absl::UnavailableError(absl::StrCat("cannot sync ", entry.path().string()));
  }
  if (ec) return absl::UnavailableError(absl::StrCat("cannot read ", dir, ": ", ec.message()));
  return SyncDir(dir);
}

}  // namespace

bool Inside(const std::string& path, const std::string& dir) {
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(path, ec);
  const fs::path d = fs::weakly_canonical(dir, ec);
  auto [end, _] = std::mismatch(d.begin(), d.end(), p.begin(), p.end());
  return end == d.end();
}

namespace {

// Whether `dir` looks like a RocksDB database (a backup is one).
bool LooksLikeStore(const std::string& dir) {
  std::error_code ec;
  return fs::is_regular_file(fs::path(dir) / "CURRENT", ec);
}

// Makes the store at `path` a new device of the backup's person.
absl::StatusOr<v1::RestoredBackup> MakeNewDevice(const std::string& path,
                                                 std::string_view passphrase, uint64_t now_ms) {
  DbOptions options;
  options.path = path;
  auto db = Db::Open(options);
  if (!db.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dir: this is not an Attune backup that opens: ", db.status().message()));
  }
  MetaVaultPersistence persistence(db->get());
  Vault vault(&persistence);
  if (auto s = vault.Load(); !s.ok()) return s;
  if (vault.state() == Vault::State::kUninitialized) {
    return absl::InvalidArgumentError("dir: this store holds no vault, so it is not a backup");
  }
  auto moved = vault.BecomeNewDevice(passphrase);
  if (!moved.ok()) return moved.status();
  const KeySet& before = *moved->before;
  const KeySet& after = *moved->after;

  Membership members(db->get());
  if (auto s = members.Load(); !s.ok()) return s;
  if (!members.IsMember(before.device_public_key)) {
    return absl::FailedPreconditionError(
        "the backed-up device is not a member of its own space in the backup");
  }
  v1::MemberCertBody body;
  body.set_space_id(after.space_id);
  body.set_device(after.device_public_key);
  body.set_member_id(after.member_id);
  body.set_display_name(after.display_name);
  body.set_added_by(before.device_public_key);
  body.set_added_at_ms(now_ms);
  if (auto merged = members.Merge(after.space_id, {SignMemberCert(body, before)}); !merged.ok()) {
    return merged.status();
  }
  if (!members.IsMember(after.device_public_key)) {
    return absl::FailedPreconditionError(
        absl::StrCat(after.display_name, " has ", kMaxDevicesPerMember,
                     " devices in the space already (or the space has ", kMaxDevicesPerSpace,
                     "), the most there may be, so a restored device cannot join it"));
  }
  // The key epochs the backed-up device held (space changes sealed to its
  // old key, or its own pairing grants), sealed again to the new key.
  {
    Membership::Snapshot now = members.Now();
    auto ring = BuildKeyring(before, now.changes, now.view, members.Grants(before.space_id));
    google::protobuf::RepeatedPtrField<v1::SealedEpochKey> grants;
    if (!SealEpochKeys(ring.get(), after.device_public_key, /*own=*/true, &grants)) {
      return absl::InternalError("the new device key does not convert for sealing");
    }
    if (auto s = members.SaveGrants(after.space_id, {grants.begin(), grants.end()}); !s.ok()) {
      return s;
    }
  }
  if (auto s = RecordStore::HandOverFromBackedUpDevice(db->get(), before.device_public_key, after);
      !s.ok()) {
    return s;
  }
  // The old vault file (the backed-up device's key) leaves the restored
  // store's files; the backup itself keeps it.
  if (auto s = persistence.ForgetOldVaultFiles(); !s.ok()) return s;
  v1::RestoredBackup out;
  out.set_device_id(FormatDeviceId(after.device_public_key));
  out.set_backup_device_id(FormatDeviceId(before.device_public_key));
  out.set_display_name(after.display_name);
  return out;
}

}  // namespace

absl::StatusOr<v1::RestoredBackup> StageRestore(const std::string& data_dir,
                                                const std::string& backup_dir,
                                                std::string_view passphrase, uint64_t now_ms) {
  if (!LooksLikeStore(backup_dir)) {
    return absl::InvalidArgumentError(
        absl::StrCat("dir: ", backup_dir, " holds no Attune backup (attune backup writes one)"));
  }
  if (Inside(backup_dir, data_dir)) {
    return absl::InvalidArgumentError(
        absl::StrCat("dir: ", backup_dir, " is inside this daemon's data folder"));
  }
  const std::string staging = Staging(data_dir);
  std::error_code ec;
  if (fs::exists(Staged(data_dir), ec)) {
    return absl::UnavailableError("a restore is done already; the daemon is restarting on it");
  }
  fs::remove_all(staging, ec);
  absl::Cleanup drop = [&] { DropStagedRestore(data_dir); };
  fs::copy(backup_dir, staging, fs::copy_options::recursive, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("dir: cannot copy ", backup_dir, ": ", ec.message()));
  }
  fs::permissions(staging, fs::perms::owner_all, ec);
  auto restored = MakeNewDevice(staging, passphrase, now_ms);
  if (!restored.ok()) return restored.status();
  // Every copied file durable before the rename that commits them.
  if (auto s = SyncTree(staging); !s.ok()) return s;
  std::move(drop).Cancel();
  return restored;
}

absl::Status CommitRestore(const std::string& data_dir) {
  std::error_code ec;
  fs::rename(Staging(data_dir), Staged(data_dir), ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot finish the restore: ", ec.message()));
  }
  // Renamed: committed, whatever the sync below says (at worst a crash
  // now forgets the rename, and the restore is simply not done).
  (void)SyncDir(data_dir);
  return absl::OkStatus();
}

void DropStagedRestore(const std::string& data_dir) {
  std::error_code ec;
  fs::remove_all(Staging(data_dir), ec);
}

absl::Status ApplyRestore(const std::string& data_dir) {
  std::error_code ec;
  fs::remove_all(Staging(data_dir), ec);
  const std::string staged = Staged(data_dir);
  if (!fs::exists(staged, ec)) return absl::OkStatus();
  // The store being replaced held no vault (RestoreBackup refuses
  // otherwise): nothing of the person's is lost with it.
  fs::remove_all(Store(data_dir), ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot put the restored store in place: ", ec.message()));
  }
  fs::rename(staged, Store(data_dir), ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot put the restored store in place: ", ec.message()));
  }
  return SyncDir(data_dir);
}

}  // namespace attune
