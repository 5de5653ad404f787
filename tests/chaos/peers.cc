#include "peers.h"

#include <sstream>

#include "sync_support.h"

namespace attune::testing {

std::vector<std::string> PeerFlags(const std::vector<std::string>& extra) {
  std::vector<std::string> flags = {"--peer-listen", "127.0.0.1:0"};
  flags.insert(flags.end(), extra.begin(), extra.end());
  return flags;
}

::testing::AssertionResult StartPeerToLink(DaemonHarness& d, const std::string& name,
                                           const std::vector<std::string>& flags) {
  auto started = d.Start(flags);
  if (!started) return started;
  v1::InitRequest request;
  request.set_passphrase(kPeerPassphrase);
  request.set_display_name(name);
  request.set_kdf_cost(v1::KDF_COST_TEST_ONLY_MINIMUM);
  v1::VaultStatus status;
  grpc::Status s =
      d.vault().Init(DaemonHarness::Context(std::chrono::seconds(30)).get(), request, &status);
  if (!s.ok()) return ::testing::AssertionFailure() << name << ": Init: " << Describe(s);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult StartPeerWith(DaemonHarness& d, const std::string& name,
                                         const std::vector<std::string>& flags) {
  auto started = StartPeerToLink(d, name, flags);
  if (!started) return started;
  grpc::Status s;
  // The chaos tests compare the words every side holds; the sealing of
  // reveal together is RevealTest's.
  if (s = SetRevealTogether(d, false); !s.ok()) {
    return ::testing::AssertionFailure() << name << ": reveal together off: " << Describe(s);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult RestartPeer(DaemonHarness& d, const std::vector<std::string>& flags) {
  auto started = d.Start(flags);
  if (!started) return started;
  v1::UnlockRequest request;
  request.set_passphrase(kPeerPassphrase);
  v1::VaultStatus status;
  grpc::Status s =
      d.vault().Unlock(DaemonHarness::Context(std::chrono::seconds(60)).get(), request, &status);
  if (!s.ok()) {
    return ::testing::AssertionFailure() << "Unlock after a restart: " << Describe(s) << "\n"
                                         << d.StderrSinceStart();
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Pair(DaemonHarness& inviter, DaemonHarness& joiner, bool own_device) {
  v1::CreateInviteRequest invite_request;
  invite_request.set_own_device(own_device);
  v1::Invite invite;
  grpc::Status s = v1::SpaceService::NewStub(inviter.channel())
                       ->CreateInvite(DaemonHarness::Context().get(), invite_request, &invite);
  if (!s.ok()) return ::testing::AssertionFailure() << "CreateInvite: " << Describe(s);
  v1::JoinSpaceRequest join;
  join.set_code(invite.code());
  join.set_own_device(own_device);
  v1::JoinSpaceResponse joined;
  s = v1::SpaceService::NewStub(joiner.channel())
          ->JoinSpace(DaemonHarness::Context(std::chrono::seconds(40)).get(), join, &joined);
  if (!s.ok()) return ::testing::AssertionFailure() << "JoinSpace: " << Describe(s);
  return ::testing::AssertionSuccess();
}

grpc::Status GetSyncStatus(DaemonHarness& d, v1::SyncStatus* out) {
  return v1::SyncService::NewStub(d.channel())
      ->GetSyncStatus(DaemonHarness::Context().get(), v1::GetSyncStatusRequest(), out);
}

uint16_t PeerListenPort(DaemonHarness& d) {
  v1::SyncStatus status;
  if (!GetSyncStatus(d, &status).ok() || status.listen_addresses().empty()) return 0;
  const std::string& a = status.listen_addresses(0);
  return static_cast<uint16_t>(std::stoi(a.substr(a.rfind(':') + 1)));
}

grpc::Status GetDigest(DaemonHarness& d, v1::StateDigest* out) {
  return v1::SyncService::NewStub(d.channel())
      ->GetStateDigest(DaemonHarness::Context().get(), v1::GetStateDigestRequest(), out);
}

namespace {

::testing::AssertionResult AwaitAgreement(const std::vector<DaemonHarness*>& daemons,
                                          std::chrono::seconds timeout, bool same_ops) {
  std::vector<v1::StateDigest> digests(daemons.size());
  std::vector<std::string> errors(daemons.size());
  auto same = [&] {
    for (size_t i = 0; i < daemons.size(); ++i) {
      grpc::Status s = GetDigest(*daemons[i], &digests[i]);
      errors[i] = s.ok() ? "" : Describe(s);
      if (!s.ok()) return false;
    }
    for (size_t i = 1; i < daemons.size(); ++i) {
      if (digests[i].digest() != digests[0].digest() ||
          (same_ops && digests[i].SerializeAsString() != digests[0].SerializeAsString())) {
        return false;
      }
    }
    return true;
  };
  if (Await(same, timeout)) return ::testing::AssertionSuccess();
  std::ostringstream out;
  out << "no agreement within " << timeout.count() << " s:";
  for (size_t i = 0; i < daemons.size(); ++i) {
    out << "\n  daemon " << i << ": "
        << (errors[i].empty() ? digests[i].ShortDebugString() : errors[i]);
    v1::SyncStatus status;
    if (GetSyncStatus(*daemons[i], &status).ok()) out << "\n    " << status.ShortDebugString();
  }
  return ::testing::AssertionFailure() << out.str();
}

}  // namespace

::testing::AssertionResult AwaitConvergence(const std::vector<DaemonHarness*>& daemons,
                                            std::chrono::seconds timeout) {
  return AwaitAgreement(daemons, timeout, /*same_ops=*/true);
}

::testing::AssertionResult AwaitSameRecords(const std::vector<DaemonHarness*>& daemons,
                                            std::chrono::seconds timeout) {
  return AwaitAgreement(daemons, timeout, /*same_ops=*/false);
}

}  // namespace attune::testing
