// attune init | unlock | lock | status | recovery-kit | passphrase change: the
// vault holding this device's keys and the ways into it.
#include <cstdlib>
#include <iostream>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "args.h"
#include "attune/v1/limits.pb.h"
#include "commands.h"
#include "daemon_client.h"
#include "format.h"
#include "google/protobuf/empty.pb.h"
#include "output.h"
#include "prompt.h"
#include "qr.h"
#include "status_macros.h"

namespace attune::cli {
namespace {

constexpr size_t kMinPassphrase = 8;  // api.proto: InitRequest.passphrase
constexpr size_t kMaxDisplayName = v1::LIMIT_DISPLAY_NAME_CHARS;

std::string KitTime(const google::protobuf::Timestamp& ts) {
  return FormatTimestamp(ts, absl::LocalTimeZone());
}

std::string StateName(v1::VaultStatus::State state) {
  switch (state) {
    case v1::VaultStatus::STATE_UNINITIALIZED:
      return "not initialised (run: attune init)";
    case v1::VaultStatus::STATE_LOCKED:
      return "locked (run: attune unlock)";
    case v1::VaultStatus::STATE_UNLOCKED:
      return "unlocked";
    default:
      return "unknown";
  }
}

v1::KdfCost KdfCostFromName(const std::string& name) {
  if (name == "interactive") return v1::KDF_COST_INTERACTIVE;
  if (name == "test-only-minimum") return v1::KDF_COST_TEST_ONLY_MINIMUM;
  return v1::KDF_COST_MODERATE;
}

std::string DefaultDisplayName() {
  const char* user = std::getenv("USER");
  return user != nullptr && *user != '\0' ? user : "me";
}

absl::StatusOr<std::string> CheckDisplayName(const std::string& answer,
                                             const std::string& fallback) {
  std::string name = Trim(answer);
  if (name.empty()) name = fallback;
  if (Utf8Width(name) > kMaxDisplayName) {
    return absl::InvalidArgumentError(
        absl::StrCat("a name has at most ", kMaxDisplayName, " characters"));
  }
  return name;
}

void PrintStatus(const v1::VaultStatus& status) {
  auto row = [](std::string_view key, std::string value) {
    std::cout << BoldKey(key, 14) << value << '\n';
  };
  row("state", StateName(status.state()));
  if (status.state() == v1::VaultStatus::STATE_UNINITIALIZED) return;
  row("display name", status.display_name());
  row("device id", status.device_id());
  row("member id", status.member_id());
  if (status.state() == v1::VaultStatus::STATE_UNLOCKED) {
    row("records", absl::StrCat(status.record_count()));
  }
  row("ops written", absl::StrCat(status.op_count()));
  row("recovery kit", status.has_recovery_kit_create_time()
                          ? absl::StrCat("made ", KitTime(status.recovery_kit_create_time()))
                          : "none (attune recovery-kit makes one)");
}

// The passphrase-file option of every command that asks for one.
CLI::Option* AddPassphraseFileOption(CLI::App* command, std::string& file,
                                     const std::string& which = "the passphrase") {
  return command
      ->add_option("--passphrase-file", file,
                   absl::StrCat("Read ", which,
                                " from the first line of FILE instead of asking (never give it "
                                "as an argument)"))
      ->option_text("FILE");
}

CLI::Option* AddKdfOption(CLI::App* command, std::string& kdf, const std::string& what) {
  return command->add_option("--kdf", kdf, what)
      ->check(CLI::IsMember({"moderate", "interactive", "test-only-minimum"}))
      ->option_text("moderate|interactive|test-only-minimum")
      ->capture_default_str();
}

// Asks for a new passphrase twice (or reads it from `file`).
absl::StatusOr<std::string> ReadNewPassphrase(const std::string& file) {
  PassphraseRequest ask;
  ask.file = file;
  ask.prompt = absl::StrCat("New passphrase (at least ", kMinPassphrase, " characters): ");
  ask.confirm = true;
  ask.min_length = kMinPassphrase;
  return ReadPassphrase(ask);
}

// --- init -------------------------------------------------------------------

struct InitOptions {
  std::string name;
  std::string passphrase_file;
  std::string kdf = "moderate";
};

absl::Status RunInit(const GlobalOptions& global, const InitOptions& options) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(v1::VaultStatus before, client->GetVaultStatus());
  if (before.state() != v1::VaultStatus::STATE_UNINITIALIZED) {
    return absl::AlreadyExistsError(absl::StrCat("this device already has a vault (device id ",
                                                 before.device_id(), "); use attune unlock"));
  }

  const bool interactive = options.passphrase_file.empty() && StdinIsTerminal();
  v1::InitRequest request;
  request.set_kdf_cost(KdfCostFromName(options.kdf));
  if (!options.name.empty()) {
    ATTUNE_ASSIGN_OR_RETURN(std::string name, CheckDisplayName(options.name, ""));
    request.set_display_name(name);
  } else if (interactive) {
    const std::string fallback = DefaultDisplayName();
    ATTUNE_ASSIGN_OR_RETURN(
        std::string name,
        AskUntilValid<std::string>(
            absl::StrCat("Your name, as your partner will see it [", fallback, "]: "),
            [&](const std::string& answer) { return CheckDisplayName(answer, fallback); }));
    request.set_display_name(name);
  } else {
    request.set_display_name(DefaultDisplayName());
  }

  ATTUNE_ASSIGN_OR_RETURN(std::string passphrase, ReadNewPassphrase(options.passphrase_file));
  request.set_passphrase(passphrase);

  if (interactive) std::cerr << "Deriving the keys…\n";
  v1::VaultStatus status;
  ATTUNE_RETURN_IF_ERROR(client->Run(
      [&](grpc::ClientContext* context) { return client->vault().Init(context, request, &status); },
      kKdfTimeout));
  if (global.json) return PrintJson(status);
  std::cout << "Vault created for " << status.display_name() << "; it is unlocked.\n"
            << Bold("device id") << "  " << status.device_id() << '\n'
            << "Nobody can find out a lost passphrase, not even Attune: if you might lose it,\n"
            << "make a recovery kit now with attune recovery-kit.\n";
  return absl::OkStatus();
}

// --- unlock ---------------------------------------------------------------

struct UnlockOptions {
  std::string passphrase_file;
  bool recovery = false;
  std::string recovery_code_file;
  std::string new_passphrase_file;
  std::string kdf = "moderate";
};

// The passphrase is lost: the recovery code opens the vault and a new
// passphrase replaces the old one.
absl::Status RunRecover(const GlobalOptions& global, DaemonClient& client,
                        const UnlockOptions& options) {
  const bool interactive = options.recovery_code_file.empty() && StdinIsTerminal();
  if (interactive) {
    std::cerr << "Type the recovery code from your kit (dashes and case do not matter).\n";
  }
  std::string code;
  if (interactive) {
    // Shown while typed: it is long, and the check characters catch a typo
    // but cannot show where it is to someone who cannot see what they typed.
    ATTUNE_ASSIGN_OR_RETURN(code, AskLine("Recovery code: "));
  } else {
    PassphraseRequest ask_code;
    ask_code.file = options.recovery_code_file;
    ask_code.prompt = "Recovery code: ";
    ATTUNE_ASSIGN_OR_RETURN(code, ReadPassphrase(ask_code));
  }
  if (interactive) std::cerr << "Now choose a passphrase to use from now on.\n";
  ATTUNE_ASSIGN_OR_RETURN(std::string passphrase, ReadNewPassphrase(options.new_passphrase_file));
  v1::RecoverVaultRequest request;
  request.set_recovery_code(code);
  request.set_new_passphrase(passphrase);
  request.set_kdf_cost(KdfCostFromName(options.kdf));
  if (interactive) std::cerr << "Deriving the keys…\n";
  v1::VaultStatus status;
  ATTUNE_RETURN_IF_ERROR(client.Run(
      [&](grpc::ClientContext* context) {
        return client.vault().RecoverVault(context, request, &status);
      },
      kKdfTimeout));
  if (global.json) return PrintJson(status);
  std::cout << "Unlocked with the recovery code. Hello, " << status.display_name() << ".\n"
            << "Your new passphrase opens the vault from now on; the old one no longer does.\n"
            << "The recovery kit stays valid: keep it where it was.\n";
  return absl::OkStatus();
}

absl::Status RunUnlock(const GlobalOptions& global, const UnlockOptions& options) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(v1::VaultStatus before, client->GetVaultStatus());
  if (before.state() == v1::VaultStatus::STATE_UNINITIALIZED) {
    return absl::FailedPreconditionError("there is no vault yet: run attune init");
  }
  if (options.recovery) {
    if (!before.has_recovery_kit_create_time()) {
      return absl::FailedPreconditionError(
          "no recovery kit was made for this vault, so only the passphrase opens it");
    }
    return RunRecover(global, *client, options);
  }
  if (before.state() == v1::VaultStatus::STATE_UNLOCKED) {
    if (global.json) return PrintJson(before);
    std::cout << "The vault is already unlocked.\n";
    return absl::OkStatus();
  }
  PassphraseRequest ask;
  ask.file = options.passphrase_file;
  ATTUNE_ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase(ask));
  v1::UnlockRequest request;
  request.set_passphrase(passphrase);
  v1::VaultStatus status;
  ATTUNE_RETURN_IF_ERROR(client->Run(
      [&](grpc::ClientContext* context) {
        return client->vault().Unlock(context, request, &status);
      },
      kKdfTimeout));
  if (global.json) return PrintJson(status);
  std::cout << "Unlocked. Hello, " << status.display_name() << ".\n";
  return absl::OkStatus();
}

// --- recovery-kit -----------------------------------------------------------

struct RecoveryKitOptions {
  std::string passphrase_file;
  bool yes = false;
  bool no_qr = false;
};

absl::Status RunRecoveryKit(const GlobalOptions& global, const RecoveryKitOptions& options) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(v1::VaultStatus before, client->GetVaultStatus());
  if (before.state() == v1::VaultStatus::STATE_UNINITIALIZED) {
    return absl::FailedPreconditionError("there is no vault yet: run attune init");
  }
  if (before.has_recovery_kit_create_time() && !options.yes) {
    // Asked on stdin even when it is not a terminal: a script says --yes.
    absl::StatusOr<bool> confirmed = Confirm(
        absl::StrCat("You made a recovery kit on ", KitTime(before.recovery_kit_create_time()),
                     ". A new one makes its code useless. Make a new one?"));
    if (!confirmed.ok() || !*confirmed) {
      return absl::AbortedError(
          "no new kit was made; the one you have still works (answer y, or pass --yes)");
    }
  }
  PassphraseRequest ask;
  ask.file = options.passphrase_file;
  ask.prompt = "Current passphrase: ";
  ATTUNE_ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase(ask));
  v1::CreateRecoveryKitRequest request;
  request.set_passphrase(passphrase);
  v1::RecoveryKit kit;
  ATTUNE_RETURN_IF_ERROR(client->Run(
      [&](grpc::ClientContext* context) {
        return client->vault().CreateRecoveryKit(context, request, &kit);
      },
      kKdfTimeout));
  if (global.json) return PrintJson(kit);
  std::cout << "Your recovery kit, made " << KitTime(kit.create_time()) << ", for "
            << before.display_name() << "'s device " << kit.device_id() << ":\n\n"
            << "    " << Bold(kit.recovery_code()) << "\n\n";
  if (!options.no_qr) std::cout << QrCode(kit.recovery_code()) << "\n";
  std::cout
      << "This is the only time it is shown. Write it down or print it, and keep it somewhere\n"
      << "apart from this device, as you would a spare house key: with this code and this\n"
      << "device's data, anyone can open your vault.\n"
      << "If you lose your passphrase: attune unlock --recovery, then choose a new one.\n"
      << "Changing your passphrase keeps this kit valid; a new kit replaces it.\n";
  return absl::OkStatus();
}

// --- passphrase change ------------------------------------------------------

struct PassphraseChangeOptions {
  std::string passphrase_file;
  std::string new_passphrase_file;
  std::string kdf = "moderate";
};

absl::Status RunPassphraseChange(const GlobalOptions& global,
                                 const PassphraseChangeOptions& options) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(v1::VaultStatus before, client->GetVaultStatus());
  if (before.state() == v1::VaultStatus::STATE_UNINITIALIZED) {
    return absl::FailedPreconditionError("there is no vault yet: run attune init");
  }
  PassphraseRequest ask;
  ask.file = options.passphrase_file;
  ask.prompt = "Current passphrase: ";
  ATTUNE_ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase(ask));
  ATTUNE_ASSIGN_OR_RETURN(std::string new_passphrase,
                          ReadNewPassphrase(options.new_passphrase_file));
  v1::ChangePassphraseRequest request;
  request.set_passphrase(passphrase);
  request.set_new_passphrase(new_passphrase);
  request.set_kdf_cost(KdfCostFromName(options.kdf));
  v1::VaultStatus status;
  ATTUNE_RETURN_IF_ERROR(client->Run(
      [&](grpc::ClientContext* context) {
        return client->vault().ChangePassphrase(context, request, &status);
      },
      kKdfTimeout));
  if (global.json) return PrintJson(status);
  std::cout << "The vault is sealed under the new passphrase; the old one no longer opens it.\n";
  if (status.has_recovery_kit_create_time()) {
    std::cout << "Your recovery kit (made " << KitTime(status.recovery_kit_create_time())
              << ") still works.\n";
  } else {
    std::cout << "You have no recovery kit: attune recovery-kit makes one.\n";
  }
  return absl::OkStatus();
}

// --- lock, status -----------------------------------------------------------

absl::Status RunLock(const GlobalOptions& global) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  v1::VaultStatus status;
  google::protobuf::Empty empty;
  ATTUNE_RETURN_IF_ERROR(client->Run(
      [&](grpc::ClientContext* context) { return client->vault().Lock(context, empty, &status); }));
  if (global.json) return PrintJson(status);
  std::cout << "Locked. The keys are gone from memory until attune unlock.\n";
  return absl::OkStatus();
}

// Who left the space, or had a device removed: said plainly, never only
// by sync going quiet.
void PrintDepartures(const v1::ListMembersResponse& members) {
  std::set<std::string> present;
  std::string mine;
  for (const auto& m : members.members()) {
    present.insert(m.member_id());
    if (m.this_device()) mine = m.member_id();
  }
  for (const auto& r : members.removed()) {
    if (r.this_device()) mine = r.member_id();
  }
  std::set<std::string> told;
  for (const auto& r : members.removed()) {
    const std::string when = absl::FormatTime("%Y-%m-%d", absl::FromUnixMillis(r.removed_at_ms()),
                                              absl::LocalTimeZone());
    if (r.this_device()) {
      std::cout << "This device left the space or was removed from it on " << when
                << ": it no longer syncs (attune sync status says more). Its entries stay here.\n";
      continue;
    }
    if (r.member_id() == mine) {
      std::cout << "Your device " << r.device_id().substr(0, 15)
                << "… was removed from the space on " << when << ".\n";
    } else if (present.count(r.member_id()) > 0) {
      std::cout << r.display_name() << "'s device " << r.device_id().substr(0, 15)
                << "… was removed from the space on " << when << ".\n";
    } else if (told.insert(r.member_id()).second) {
      std::cout << r.display_name() << " left the space on " << when
                << ": nothing more syncs with their devices. What they shared before stays here, "
                   "and yours stays yours (attune export saves it).\n";
    }
  }
}

absl::Status RunStatus(const GlobalOptions& global) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(v1::VaultStatus status, client->GetVaultStatus());
  if (global.json) return PrintJson(status);
  PrintStatus(status);
  v1::ListMembersResponse members;
  if (client
          ->Run([&](grpc::ClientContext* c) {
            return client->space().ListMembers(c, v1::ListMembersRequest(), &members);
          })
          .ok()) {
    PrintDepartures(members);
  }
  return absl::OkStatus();
}

}  // namespace

void AddVaultCommands(CLI::App& app, const GlobalOptions& global, CommandTable& table) {
  const std::string group = "Vault";

  auto init = std::make_shared<InitOptions>();
  CLI::App* init_cmd =
      app.add_subcommand("init", "Create this device's keys under a new passphrase (once)");
  init_cmd->group(group);
  init_cmd
      ->add_option("--name", init->name,
                   "How your partner sees you, 1-64 characters (default: "
                   "asked, or $USER)")
      ->option_text("NAME");
  AddPassphraseFileOption(init_cmd, init->passphrase_file, "the new passphrase");
  AddKdfOption(init_cmd, init->kdf, "Cost of the passphrase key derivation (Argon2id)");
  table.Set(init_cmd, [&global, init] { return RunInit(global, *init); });

  auto unlock = std::make_shared<UnlockOptions>();
  CLI::App* unlock_cmd = app.add_subcommand(
      "unlock", "Open the vault with the passphrase, or with the recovery code when it is lost");
  unlock_cmd->group(group);
  CLI::Option* passphrase_file = AddPassphraseFileOption(unlock_cmd, unlock->passphrase_file);
  CLI::Option* recovery = unlock_cmd->add_flag(
      "--recovery", unlock->recovery,
      "The passphrase is lost: open the vault with the recovery kit's code and "
      "choose a new passphrase (the kit stays valid)");
  unlock_cmd
      ->add_option("--recovery-code-file", unlock->recovery_code_file,
                   "With --recovery: read the code from the first line of FILE instead of "
                   "asking")
      ->option_text("FILE")
      ->needs(recovery);
  unlock_cmd
      ->add_option("--new-passphrase-file", unlock->new_passphrase_file,
                   "With --recovery: read the new passphrase from the first line of FILE "
                   "instead of asking")
      ->option_text("FILE")
      ->needs(recovery);
  AddKdfOption(unlock_cmd, unlock->kdf, "With --recovery: the new passphrase's key derivation cost")
      ->needs(recovery);
  passphrase_file->excludes(recovery);
  table.Set(unlock_cmd, [&global, unlock] { return RunUnlock(global, *unlock); });

  auto kit = std::make_shared<RecoveryKitOptions>();
  CLI::App* kit_cmd = app.add_subcommand(
      "recovery-kit",
      "Make a recovery code that opens the vault if the passphrase is lost (shown once)");
  kit_cmd->group(group);
  AddPassphraseFileOption(kit_cmd, kit->passphrase_file, "the current passphrase");
  kit_cmd->add_flag("--yes,-y", kit->yes, "Replace an earlier kit without asking");
  kit_cmd->add_flag("--no-qr", kit->no_qr, "Leave out the QR code");
  table.Set(kit_cmd, [&global, kit] { return RunRecoveryKit(global, *kit); });

  CLI::App* passphrase_cmd = app.add_subcommand("passphrase", "Change the vault's passphrase");
  passphrase_cmd->group(group);
  passphrase_cmd->require_subcommand(1);
  auto change = std::make_shared<PassphraseChangeOptions>();
  CLI::App* change_cmd = passphrase_cmd->add_subcommand(
      "change", "Seal the vault under a new passphrase (the data and the recovery kit stay)");
  AddPassphraseFileOption(change_cmd, change->passphrase_file, "the current passphrase");
  change_cmd
      ->add_option("--new-passphrase-file", change->new_passphrase_file,
                   "Read the new passphrase from the first line of FILE instead of asking")
      ->option_text("FILE");
  AddKdfOption(change_cmd, change->kdf, "The new passphrase's key derivation cost");
  table.Set(change_cmd, [&global, change] { return RunPassphraseChange(global, *change); });

  CLI::App* lock_cmd = app.add_subcommand("lock", "Wipe the keys from the daemon's memory");
  lock_cmd->group(group);
  table.Set(lock_cmd, [&global] { return RunLock(global); });

  CLI::App* status_cmd =
      app.add_subcommand("status", "Show whether the vault is unlocked, and who this device is");
  status_cmd->group(group);
  table.Set(status_cmd, [&global] { return RunStatus(global); });
}

}  // namespace attune::cli
