// attune init | unlock | lock | status: the vault holding this device's keys.
#include <cstdlib>
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "args.h"
#include "attune/v1/limits.pb.h"
#include "commands.h"
#include "daemon_client.h"
#include "format.h"
#include "google/protobuf/empty.pb.h"
#include "output.h"
#include "prompt.h"
#include "status_macros.h"

namespace attune::cli {
namespace {

constexpr size_t kMinPassphrase = 8;  // api.proto: InitRequest.passphrase
constexpr size_t kMaxDisplayName = v1::LIMIT_DISPLAY_NAME_CHARS;

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

  PassphraseRequest ask;
  ask.file = options.passphrase_file;
  ask.prompt = absl::StrCat("New passphrase (at least ", kMinPassphrase, " characters): ");
  ask.confirm = true;
  ask.min_length = kMinPassphrase;
  ATTUNE_ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase(ask));
  request.set_passphrase(passphrase);

  if (interactive) std::cerr << "Deriving the keys…\n";
  v1::VaultStatus status;
  ATTUNE_RETURN_IF_ERROR(client->Run(
      [&](grpc::ClientContext* context) { return client->vault().Init(context, request, &status); },
      kKdfTimeout));
  if (global.json) return PrintJson(status);
  std::cout << "Vault created for " << status.display_name() << "; it is unlocked.\n"
            << Bold("device id") << "  " << status.device_id() << '\n'
            << "Keep the passphrase safe: nobody can recover it.\n";
  return absl::OkStatus();
}

// --- unlock -----------------------------------------------------------------

absl::Status RunUnlock(const GlobalOptions& global, const std::string& passphrase_file) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(v1::VaultStatus before, client->GetVaultStatus());
  if (before.state() == v1::VaultStatus::STATE_UNINITIALIZED) {
    return absl::FailedPreconditionError("there is no vault yet: run attune init");
  }
  if (before.state() == v1::VaultStatus::STATE_UNLOCKED) {
    if (global.json) return PrintJson(before);
    std::cout << "The vault is already unlocked.\n";
    return absl::OkStatus();
  }
  PassphraseRequest ask;
  ask.file = passphrase_file;
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

absl::Status RunStatus(const GlobalOptions& global) {
  ATTUNE_ASSIGN_OR_RETURN(auto client, DaemonClient::Connect(global.socket));
  ATTUNE_ASSIGN_OR_RETURN(v1::VaultStatus status, client->GetVaultStatus());
  if (global.json) return PrintJson(status);
  PrintStatus(status);
  return absl::OkStatus();
}

void AddPassphraseFileOption(CLI::App* command, std::string& file) {
  command
      ->add_option("--passphrase-file", file,
                   "Read the passphrase from the first line of FILE instead "
                   "of asking (never give it as an argument)")
      ->option_text("FILE");
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
  AddPassphraseFileOption(init_cmd, init->passphrase_file);
  init_cmd->add_option("--kdf", init->kdf, "Cost of the passphrase key derivation (Argon2id)")
      ->check(CLI::IsMember({"moderate", "interactive", "test-only-minimum"}))
      ->option_text("moderate|interactive|test-only-minimum")
      ->capture_default_str();
  table.Set(init_cmd, [&global, init] { return RunInit(global, *init); });

  auto unlock_file = std::make_shared<std::string>();
  CLI::App* unlock_cmd = app.add_subcommand("unlock", "Open the vault with the passphrase");
  unlock_cmd->group(group);
  AddPassphraseFileOption(unlock_cmd, *unlock_file);
  table.Set(unlock_cmd, [&global, unlock_file] { return RunUnlock(global, *unlock_file); });

  CLI::App* lock_cmd = app.add_subcommand("lock", "Wipe the keys from the daemon's memory");
  lock_cmd->group(group);
  table.Set(lock_cmd, [&global] { return RunLock(global); });

  CLI::App* status_cmd =
      app.add_subcommand("status", "Show whether the vault is unlocked, and who this device is");
  status_cmd->group(group);
  table.Set(status_cmd, [&global] { return RunStatus(global); });
}

}  // namespace attune::cli
