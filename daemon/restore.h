// A device restored from a backup (BackupService.RestoreBackup): the backup
// is staged in the data folder, made a new device of the same person, and
// takes the store's place when the daemon next starts its store.
//
// Why a new device: the backup's device may have written more ops after the
// backup (they may be on the partner's devices, or the original device may
// still run). Writing again under its id would number new ops with seqs that
// already exist elsewhere: two histories under one (device, seq). The
// restored store gets new device keys instead, and the backed-up device (its
// key is in the backup's vault) signs a member certificate for them, so
// every partner accepts the new device as the same person's.
//
// Folders in the data folder: "db" (the store), "db.restoring" (a restore
// being staged; dropped at start), "db.restored" (a staged restore,
// complete; replaces "db" at start). A crash at any point leaves either the
// old store or the restored one, never a mix.
#ifndef ATTUNE_DAEMON_RESTORE_H_
#define ATTUNE_DAEMON_RESTORE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "attune/v1/api.pb.h"

namespace attune {

// Backups inside the data folder are refused (a restore must never swap the
// live store for a copy of itself). UNAVAILABLE once a restore was committed
// and the daemon has not restarted on it yet.
//
// Copies the backup at `backup_dir` (never changed) into "db.restoring" and
// makes it a new device of the backup's person: new device keys sealed
// under the backup's passphrase (Vault::BecomeNewDevice), a member
// certificate for them signed by the backed-up device, and the backed-up
// device's ops handed over as another device's
// (RecordStore::HandOverFromBackedUpDevice). Errors as RestoreBackup says
// (api.proto); on any error nothing is left staged. Not thread-safe: one
// restore at a time.
absl::StatusOr<v1::RestoredBackup> StageRestore(const std::string& data_dir,
                                                const std::string& backup_dir,
                                                std::string_view passphrase, uint64_t now_ms);

// Whether `path` is `dir` or lies inside it (both resolved, symbolic links
// followed as far as they exist).
bool Inside(const std::string& path, const std::string& dir);

// Marks the staged restore complete (an atomic rename, made durable): from
// then on the next ApplyRestore puts it in the store's place.
absl::Status CommitRestore(const std::string& data_dir);

// Drops a staged restore that was not committed.
void DropStagedRestore(const std::string& data_dir);

// Before the store opens: replaces "db" with a committed restore, if any,
// and drops an uncommitted one. Idempotent; safe to run after a crash at any
// point of itself.
absl::Status ApplyRestore(const std::string& data_dir);

}  // namespace attune

#endif  // ATTUNE_DAEMON_RESTORE_H_
