#include "daemon/api/backup_service.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/grpc_status.h"
#include "daemon/base/log.h"
#include "daemon/records/validation.h"
#include "daemon/vault/device_id.h"
#include "google/protobuf/util/time_util.h"

namespace attune {
namespace {

namespace fs = std::filesystem;

// An absolute path, in words a terminal shows plainly.
absl::Status CheckDir(const std::string& dir) {
  if (dir.empty()) return absl::InvalidArgumentError("dir: required");
  if (auto s = CheckText("dir", dir, 4096, false, TextLines::kOne); !s.ok()) return s;
  if (dir.front() != '/') {
    return absl::InvalidArgumentError(absl::StrCat("dir: \"", dir, "\" is not an absolute path"));
  }
  return absl::OkStatus();
}

}  // namespace

// "/a/b/" -> "/a/b": a folder named with a trailing slash is that folder.
static std::string WithoutTrailingSlash(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

grpc::Status BackupServiceImpl::CreateBackup(grpc::ServerContext*,
                                             const v1::CreateBackupRequest* request,
                                             v1::Backup* response) {
  const std::string dir = WithoutTrailingSlash(request->dir());
  if (auto s = CheckDir(dir); !s.ok()) return ToGrpc(s);
  auto id = ctx_.vault->identity();
  if (!id.has_value()) {
    return ToGrpc(absl::FailedPreconditionError("no vault to back up yet: run attune init"));
  }
  std::error_code ec;
  const fs::path path(dir);
  if (fs::exists(fs::symlink_status(path, ec))) {
    return ToGrpc(absl::InvalidArgumentError(
        absl::StrCat("dir: ", dir, " exists already; name a new folder")));
  }
  if (!fs::is_directory(path.parent_path(), ec)) {
    return ToGrpc(absl::InvalidArgumentError(
        absl::StrCat("dir: there is no folder ", path.parent_path().string())));
  }
  const int64_t started = absl::ToUnixMillis(ctx_.clock->Now());
  if (auto s = checkpoint_(dir); !s.ok()) return ToGrpc(s);
  fs::permissions(path, fs::perms::owner_all, ec);
  int32_t files = 0;
  int64_t bytes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(path, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    ++files;
    bytes += static_cast<int64_t>(entry.file_size(ec));
  }
  response->set_dir(dir);
  response->set_files(files);
  response->set_bytes(bytes);
  *response->mutable_create_time() =
      google::protobuf::util::TimeUtil::MillisecondsToTimestamp(started);
  response->set_device_id(FormatDeviceId(id->device_public_key()));
  LogInfo(absl::StrCat("backup written: ", files, " files, ", bytes, " bytes"));
  return grpc::Status::OK;
}

grpc::Status BackupServiceImpl::RestoreBackup(grpc::ServerContext*,
                                              const v1::RestoreBackupRequest* request,
                                              v1::RestoredBackup* response) {
  if (auto s = CheckDir(request->dir()); !s.ok()) return ToGrpc(s);
  if (ctx_.vault->state() != Vault::State::kUninitialized) {
    return ToGrpc(absl::FailedPreconditionError(
        "this device has a vault already; a backup is restored only onto a device without one "
        "(a new machine, or attuned --data-dir with an empty folder)"));
  }
  auto restored = restore_(request->dir(), request->passphrase());
  if (!restored.ok()) return ToGrpc(restored.status());
  *response = *std::move(restored);
  return grpc::Status::OK;
}

}  // namespace attune
