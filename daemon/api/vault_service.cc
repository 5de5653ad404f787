#include "daemon/api/vault_service.h"

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "daemon/base/hex.h"
#include "daemon/base/log.h"
#include "daemon/records/validation.h"
#include "daemon/vault/device_id.h"

namespace attune {
namespace {

absl::StatusOr<KdfParams> KdfFor(v1::KdfCost cost) {
  switch (cost) {
    case v1::KDF_COST_UNSPECIFIED:
    case v1::KDF_COST_MODERATE:
      return ModerateKdf();
    case v1::KDF_COST_INTERACTIVE:
      return InteractiveKdf();
    case v1::KDF_COST_TEST_ONLY_MINIMUM:
      return MinimumKdf();
    default:
      return absl::InvalidArgumentError("kdf_cost: unknown value");
  }
}

}  // namespace

void VaultServiceImpl::TellState(v1::VaultStatus::State state) const {
  if (ctx_.events == nullptr) return;
  v1::Event event;
  event.mutable_vault_changed()->set_state(state);
  ctx_.events->Emit(std::move(event));
}

absl::Status VaultServiceImpl::FillStatus(v1::VaultStatus* status) const {
  switch (ctx_.vault->state()) {
    case Vault::State::kUninitialized:
      status->set_state(v1::VaultStatus::STATE_UNINITIALIZED);
      return absl::OkStatus();
    case Vault::State::kLocked:
      status->set_state(v1::VaultStatus::STATE_LOCKED);
      break;
    case Vault::State::kUnlocked:
      status->set_state(v1::VaultStatus::STATE_UNLOCKED);
      break;
  }
  if (auto kit = ctx_.vault->recovery_kit_time(); kit.has_value()) {
    status->mutable_recovery_kit_create_time()->set_seconds(*kit);
  }
  auto id = ctx_.vault->identity();
  if (id.has_value()) {
    status->set_device_id(FormatDeviceId(id->device_public_key()));
    status->set_member_id(ToHex(id->member_id()));
    status->set_space_id(ToHex(id->space_id()));
  }
  auto keys = ctx_.vault->Keys();
  if (keys.ok()) {
    status->set_display_name((*keys)->display_name);
    auto records = ctx_.store->RecordCount();
    if (!records.ok()) return records.status();
    status->set_record_count(*records);
    auto ops = ctx_.store->OwnOpCount(**keys);
    if (!ops.ok()) return ops.status();
    status->set_op_count(*ops);
  }
  return absl::OkStatus();
}

grpc::Status VaultServiceImpl::Init(grpc::ServerContext*, const v1::InitRequest* request,
                                    v1::VaultStatus* response) {
  auto kdf = KdfFor(request->kdf_cost());
  if (!kdf.ok()) return ToGrpc(kdf.status());
  // Lengths are the vault's to check; what a terminal would obey is refused
  // here (the name is shown to the partner's devices).
  if (auto s = CheckText("display_name", request->display_name(), 1024, false, TextLines::kOne);
      !s.ok()) {
    return ToGrpc(s);
  }
  auto keys = ctx_.vault->Init(request->passphrase(), request->display_name(), *kdf);
  if (!keys.ok()) return ToGrpc(keys.status());
  LogInfo(absl::StrCat("vault initialised; device ", FormatDeviceId((*keys)->device_public_key)));
  // The first head of this device's own op log, before anything is written.
  if (auto s = ctx_.store->OnUnlock(**keys); !s.ok()) {
    ctx_.vault->Lock();
    LogError(absl::StrCat("the new vault's store could not be prepared: ", s.ToString()));
    return ToGrpc(s);
  }
  if (ctx_.on_unlock) {
    if (auto s = ctx_.on_unlock(*keys); !s.ok()) LogWarning(s.ToString());
  }
  TellState(v1::VaultStatus::STATE_UNLOCKED);
  return ToGrpc(FillStatus(response));
}

grpc::Status VaultServiceImpl::Unlock(grpc::ServerContext*, const v1::UnlockRequest* request,
                                      v1::VaultStatus* response) {
  auto keys = ctx_.vault->Unlock(request->passphrase());
  if (!keys.ok()) {
    if (absl::IsUnauthenticated(keys.status())) {
      LogWarning("unlock refused: wrong passphrase");
    }
    return ToGrpc(keys.status());
  }
  return AfterUnlock(*std::move(keys), "passphrase", response);
}

grpc::Status VaultServiceImpl::AfterUnlock(std::shared_ptr<const KeySet> keys, std::string_view how,
                                           v1::VaultStatus* response) {
  if (auto s = ctx_.store->OnUnlock(*keys); !s.ok()) {
    // Nothing may be written on a log that failed its check (it could
    // number two ops alike, and would hide what went missing): the keys go.
    ctx_.vault->Lock();
    LogError(absl::StrCat("unlock failed, the vault stays locked: ", s.ToString()));
    return ToGrpc(s);
  }
  if (!keys->keeps_own_log_head) {
    // A vault made before the head existed: from now on it promises one, so
    // that deleting the head is noticed too.
    auto kept = ctx_.vault->KeepOwnLogHead();
    if (kept.ok()) {
      keys = *std::move(kept);
    } else {
      LogWarning(absl::StrCat("could not mark the vault as keeping a head of its own op log: ",
                              kept.status().ToString()));
    }
  }
  LogInfo(absl::StrCat("vault unlocked with the ", std::string(how)));
  if (ctx_.on_unlock) {
    if (auto s = ctx_.on_unlock(keys); !s.ok()) {
      LogWarning(absl::StrCat("peer sync did not start: ", s.ToString()));
    }
  }
  TellState(v1::VaultStatus::STATE_UNLOCKED);
  return ToGrpc(FillStatus(response));
}

grpc::Status VaultServiceImpl::ChangePassphrase(grpc::ServerContext*,
                                                const v1::ChangePassphraseRequest* request,
                                                v1::VaultStatus* response) {
  auto kdf = KdfFor(request->kdf_cost());
  if (!kdf.ok()) return ToGrpc(kdf.status());
  auto s = ctx_.vault->ChangePassphrase(request->passphrase(), request->new_passphrase(), *kdf);
  if (!s.ok()) {
    if (absl::IsUnauthenticated(s)) LogWarning("passphrase change refused: wrong passphrase");
    return ToGrpc(s);
  }
  LogInfo("the vault is sealed under a new passphrase");
  return ToGrpc(FillStatus(response));
}

grpc::Status VaultServiceImpl::CreateRecoveryKit(grpc::ServerContext*,
                                                 const v1::CreateRecoveryKitRequest* request,
                                                 v1::RecoveryKit* response) {
  auto kit =
      ctx_.vault->CreateRecoveryKit(request->passphrase(), absl::ToUnixSeconds(ctx_.clock->Now()));
  if (!kit.ok()) {
    if (absl::IsUnauthenticated(kit.status())) {
      LogWarning("recovery kit refused: wrong passphrase");
    }
    return ToGrpc(kit.status());
  }
  LogInfo("a new recovery kit was made; an earlier kit no longer opens the vault");
  response->set_recovery_code(std::move(kit->code));
  response->mutable_create_time()->set_seconds(kit->create_seconds);
  if (auto id = ctx_.vault->identity(); id.has_value()) {
    response->set_device_id(FormatDeviceId(id->device_public_key()));
  }
  return grpc::Status::OK;
}

grpc::Status VaultServiceImpl::RecoverVault(grpc::ServerContext*,
                                            const v1::RecoverVaultRequest* request,
                                            v1::VaultStatus* response) {
  auto kdf = KdfFor(request->kdf_cost());
  if (!kdf.ok()) return ToGrpc(kdf.status());
  auto keys = ctx_.vault->Recover(request->recovery_code(), request->new_passphrase(), *kdf);
  if (!keys.ok()) {
    if (absl::IsUnauthenticated(keys.status())) {
      LogWarning("recovery refused: the code does not open this vault");
    }
    return ToGrpc(keys.status());
  }
  LogInfo("the vault is sealed under a new passphrase, set with the recovery code");
  grpc::Status unlocked = AfterUnlock(*std::move(keys), "recovery code", response);
  if (unlocked.ok()) return unlocked;
  // The new passphrase is saved already: say so, or the person would not
  // know which passphrase to use next.
  return grpc::Status(unlocked.error_code(),
                      absl::StrCat("the new passphrase is set and opens the vault from now on, "
                                   "but unlocking failed: ",
                                   unlocked.error_message()));
}

grpc::Status VaultServiceImpl::Lock(grpc::ServerContext*, const google::protobuf::Empty*,
                                    v1::VaultStatus* response) {
  ctx_.vault->Lock();
  LogInfo("vault locked");
  TellState(v1::VaultStatus::STATE_LOCKED);
  return ToGrpc(FillStatus(response));
}

grpc::Status VaultServiceImpl::GetStatus(grpc::ServerContext*, const google::protobuf::Empty*,
                                         v1::VaultStatus* response) {
  return ToGrpc(FillStatus(response));
}

}  // namespace attune
