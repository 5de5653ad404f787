// attune backup DIR and attune restore DIR: a copy of this device's encrypted
// store, and a new device made from one.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "commands.h"
#include "daemon_client.h"
#include "output.h"
#include "prompt.h"
#include "status_macros.h"

namespace attune::cli {
namespace {

// How long a restored daemon may take to come back on its new store.
constexpr absl::Duration kRestartWithin = absl::Seconds(90);

// `dir` as the daemon must see it: absolute (the daemon's working folder is
// not the caller's).
std::string Absolute(const std::string& dir) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(dir, ec);
  std::string out = ec ? dir : p.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string Size(int64_t bytes) {
  if (bytes >= (int64_t{1} << 20)) {
    return absl::StrCat(bytes * 10 / (int64_t{1} << 20) / 10.0, " MiB");
  }
  if (bytes >= 1024) return absl::StrCat(bytes / 1024, " KiB");
  return absl::StrCat(bytes, " bytes");
}

struct BackupOptions {
  std::string dir;
};

absl::Status RunBackup(const GlobalOptions& global, const BackupOptions& options) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::CreateBackupRequest request;
  request.set_dir(Absolute(options.dir));
  v1::Backup backup;
  ATTUNE_RETURN_IF_ERROR(client->Run(
      [&](grpc::ClientContext* context) {
        return client->backups().CreateBackup(context, request, &backup);
      },
      absl::Minutes(30)));
  if (global.json) return PrintJson(backup);
  std::cout << "Backed up to " << backup.dir() << ": " << backup.files() << " files, "
            << Size(backup.bytes()) << ".\n"
            << "Everything in it is encrypted as it is on this device, and it opens only with\n"
            << "the passphrase you have today. It holds your private entries too: keep it where\n"
            << "only you can reach it. To restore it on a new machine: attune restore "
            << backup.dir() << "\n";
  return absl::OkStatus();
}

struct RestoreOptions {
  std::string dir;
  std::string passphrase_file;
};

// Waits for the daemon to serve the restored store (locked, as `device`).
absl::StatusOr<std::unique_ptr<DaemonClient>> AwaitRestarted(const std::string& socket,
                                                             const std::string& device) {
  const absl::Time deadline = absl::Now() + kRestartWithin;
  absl::Status last = absl::UnavailableError("the daemon did not come back");
  while (absl::Now() < deadline) {
    auto client = DaemonClient::Connect(socket);
    if (client.ok()) {
      auto status = (*client)->GetVaultStatus();
      if (status.ok() && status->device_id() == device) return std::move(*client);
      if (!status.ok()) last = status.status();
    } else {
      last = client.status();
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
  return absl::UnavailableError(
      absl::StrCat("the backup was restored, but the daemon did not come back on it within ",
                   absl::FormatDuration(kRestartWithin), " (", last.message(),
                   "); start attuned again, then attune unlock"));
}

absl::Status RunRestore(const GlobalOptions& global, const RestoreOptions& options) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(v1::VaultStatus before, client->GetVaultStatus());
  if (before.state() != v1::VaultStatus::STATE_UNINITIALIZED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "this device has a vault already (device id ", before.device_id(),
        "); a backup is restored only onto a device without one (a new machine, or attuned "
        "--data-dir with an empty folder)"));
  }
  PassphraseRequest ask;
  ask.file = options.passphrase_file;
  ask.prompt = "The passphrase the backup was made with: ";
  ATTUNE_ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase(ask));
  v1::RestoreBackupRequest request;
  request.set_dir(Absolute(options.dir));
  request.set_passphrase(passphrase);
  v1::RestoredBackup restored;
  ATTUNE_RETURN_IF_ERROR(client->Run(
      [&](grpc::ClientContext* context) {
        return client->backups().RestoreBackup(context, request, &restored);
      },
      absl::Minutes(30)));
  client.reset();
  ATTUNE_ASSIGN_OR_RETURN(auto again, AwaitRestarted(global.socket, restored.device_id()));
  v1::UnlockRequest unlock;
  unlock.set_passphrase(passphrase);
  v1::VaultStatus status;
  ATTUNE_RETURN_IF_ERROR(again->Run(
      [&](grpc::ClientContext* context) { return again->vault().Unlock(context, unlock, &status); },
      kKdfTimeout));
  if (global.json) return PrintJson(restored);
  std::cout << "Restored " << restored.display_name()
            << "'s backup and unlocked: " << status.record_count() << " records.\n"
            << "This device is new to the space: " << restored.device_id() << "\n"
            << "(the backup came from device " << restored.backup_device_id() << ").\n"
            << "It catches up from your partner's devices the next time they are online.\n"
            << "The backup's recovery kit opens only the old device: make a new one with\n"
            << "attune recovery-kit.\n";
  return absl::OkStatus();
}

}  // namespace

void AddBackupCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table) {
  const std::string group = "Vault";
  auto backup = std::make_shared<BackupOptions>();
  CLI::App* backup_cmd = app.add_subcommand(
      "backup", "Copy this device's encrypted store and sealed vault into a new folder");
  backup_cmd->group(group);
  backup_cmd->add_option("DIR", backup->dir, "A folder that does not exist yet")->required();
  table.Set(backup_cmd, [&global, backup] { return RunBackup(global, *backup); });

  auto restore = std::make_shared<RestoreOptions>();
  CLI::App* restore_cmd = app.add_subcommand(
      "restore", "Make this device (one without a vault) a new device from a backup");
  restore_cmd->group(group);
  restore_cmd->add_option("DIR", restore->dir, "A folder attune backup wrote")->required();
  restore_cmd
      ->add_option("--passphrase-file", restore->passphrase_file,
                   "Read the backup's passphrase from the first line of FILE instead of asking "
                   "(never give it as an argument)")
      ->option_text("FILE");
  table.Set(restore_cmd, [&global, restore] { return RunRestore(global, *restore); });
}

}  // namespace attune::cli
