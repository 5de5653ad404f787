// attune.v1.BackupService: a backup of this device's store, and this device
// restored from one.
#ifndef ATTUNE_DAEMON_API_BACKUP_SERVICE_H_
#define ATTUNE_DAEMON_API_BACKUP_SERVICE_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "attune/v1/api.grpc.pb.h"
#include "daemon/records/resource.h"

namespace attune {

// Thread-safe; called on gRPC's threads.
class BackupServiceImpl final : public v1::BackupService::Service {
 public:
  // Restores the backup at an absolute `dir` with `passphrase` and has the
  // daemon restart on it (the daemon's wiring: daemon/restore.h); errors as
  // RestoreBackup says.
  using Restore = std::function<absl::StatusOr<v1::RestoredBackup>(const std::string& dir,
                                                                   const std::string& passphrase)>;
  // Writes a consistent copy of the store into a `dir` that does not exist
  // yet (the daemon's wiring: Db::Checkpoint).
  using Checkpoint = std::function<absl::Status(const std::string& dir)>;
  BackupServiceImpl(ServiceContext ctx, Checkpoint checkpoint, Restore restore)
      : ctx_(ctx), checkpoint_(std::move(checkpoint)), restore_(std::move(restore)) {}

  grpc::Status CreateBackup(grpc::ServerContext*, const v1::CreateBackupRequest* request,
                            v1::Backup* response) override;
  grpc::Status RestoreBackup(grpc::ServerContext*, const v1::RestoreBackupRequest* request,
                             v1::RestoredBackup* response) override;

 private:
  ServiceContext ctx_;
  Checkpoint checkpoint_;
  Restore restore_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_BACKUP_SERVICE_H_
