// Fuzz target: a sync stream as a peer writes it (attune.v1.SyncMessage,
// proto/attune/v1/sync.proto), read by the real SyncSession
// (daemon/sync/sync_session.*): the Hello and its member certificates
// (daemon/sync/membership.*), op batches (each op through the op checker
// into the store) and member lists.
//
// The input is frames (fuzz_support.h), one message each; the stream ends
// at the first frame that is not a SyncMessage, as gRPC would end it. The
// peer is the partner's device (a member, proved by TLS); this device is
// the founder's, locked (ops are stored, folded at the next unlock). Every
// input starts from an empty store.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "daemon/base/clock.h"
#include "daemon/store/record_store.h"
#include "daemon/sync/peer_status.h"
#include "daemon/sync/sync_session.h"
#include "daemon/vault/vault.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/support/test_keys.h"

namespace attune::fuzz {
namespace {

// Hands the session the scripted messages; swallows what it writes; says
// "cancelled" from the start, so its sending half ends at once.
class ScriptedStream : public MessageStream {
 public:
  explicit ScriptedStream(std::vector<v1::SyncMessage> messages) : messages_(std::move(messages)) {}
  bool Read(v1::SyncMessage* message) override {
    if (next_ >= messages_.size()) return false;
    *message = messages_[next_++];
    return true;
  }
  bool Write(const v1::SyncMessage&) override { return true; }
  bool Cancelled() override { return true; }

 private:
  std::vector<v1::SyncMessage> messages_;
  size_t next_ = 0;
};

struct Env {
  std::unique_ptr<KeySet> founder = Founder();
  std::unique_ptr<KeySet> partner = Partner();
  ScratchDb db;
  FakeClock clock{absl::FromUnixMillis(kAddedAtMs)};
  testing::MemoryVaultPersistence persistence;
  Vault vault{&persistence};
};

Env& TheEnv() {
  static Env env;
  return env;
}

}  // namespace
}  // namespace attune::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attune;
  using namespace attune::fuzz;
  std::vector<v1::SyncMessage> messages;
  for (const std::string& frame : SplitFrames(data, size)) {
    v1::SyncMessage m;
    if (!m.ParseFromString(frame)) break;
    messages.push_back(std::move(m));
  }
  if (messages.empty()) return 0;

  Env& env = TheEnv();
  env.db.Clear();
  Membership members(env.db.db());
  if (!members.Load().ok()) std::abort();
  if (!members.EnsureFounder(*env.founder, kAddedAtMs).ok()) std::abort();
  if (!members.Merge(kSpaceId, {CertFor(*env.partner, *env.founder)}).ok()) std::abort();
  RecordStore store(env.db.db(), &env.clock);
  PeerStatusBook peers(env.db.db());

  SessionEnv session_env;
  session_env.store = &store;
  session_env.members = &members;
  session_env.vault = &env.vault;
  session_env.peers = &peers;
  session_env.clock = &env.clock;
  session_env.space_id = kSpaceId;
  session_env.self_device = env.founder->device_public_key;
  session_env.listen_addresses = {"127.0.0.1:27441"};
  ScriptedStream stream(std::move(messages));
  SyncSession session(session_env, &stream, /*dialer=*/false, env.partner->device_public_key);
  (void)session.Run();
  return 0;
}
