// attune.v1.VaultService: init, unlock, lock and status of this device's vault.
#ifndef ATTUNE_DAEMON_API_VAULT_SERVICE_H_
#define ATTUNE_DAEMON_API_VAULT_SERVICE_H_

#include "attune/v1/api.grpc.pb.h"
#include "daemon/records/resource.h"

namespace attune {

// Thread-safe; called on gRPC's threads.
class VaultServiceImpl final : public v1::VaultService::Service {
 public:
  explicit VaultServiceImpl(ServiceContext ctx) : ctx_(ctx) {}

  grpc::Status Init(grpc::ServerContext*, const v1::InitRequest* request,
                    v1::VaultStatus* response) override;
  grpc::Status Unlock(grpc::ServerContext*, const v1::UnlockRequest* request,
                      v1::VaultStatus* response) override;
  grpc::Status Lock(grpc::ServerContext*, const google::protobuf::Empty*,
                    v1::VaultStatus* response) override;
  grpc::Status GetStatus(grpc::ServerContext*, const google::protobuf::Empty*,
                         v1::VaultStatus* response) override;
  grpc::Status ChangePassphrase(grpc::ServerContext*, const v1::ChangePassphraseRequest* request,
                                v1::VaultStatus* response) override;
  grpc::Status CreateRecoveryKit(grpc::ServerContext*, const v1::CreateRecoveryKitRequest* request,
                                 v1::RecoveryKit* response) override;
  grpc::Status RecoverVault(grpc::ServerContext*, const v1::RecoverVaultRequest* request,
                            v1::VaultStatus* response) override;

 private:
  // What every way of unlocking does once the vault has the keys: checks
  // and prepares the store (locking the vault again when that fails), starts
  // sync, tells watchers. `how` names the way in for the log.
  grpc::Status AfterUnlock(std::shared_ptr<const KeySet> keys, std::string_view how,
                           v1::VaultStatus* response);
  absl::Status FillStatus(v1::VaultStatus* status) const;
  // Emits VaultChanged(state) when the context has an event hub.
  void TellState(v1::VaultStatus::State state) const;
  ServiceContext ctx_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_VAULT_SERVICE_H_
