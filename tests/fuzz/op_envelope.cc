// Fuzz target: an op as a peer sends it (attune.v1.Op), through the checks
// before it is stored (daemon/sync/op_checker.*), the vault's verify and
// open (daemon/vault/op_crypto.*) and the fold of its body into a record
// (daemon/store/merge.*).
//
// The first byte chooses what the rest is:
//   even  the bytes of an Op, as received;
//   odd   frames (fuzz_support.h) of an OpHeader and an OpBody, which the
//         founder seals and signs: a member can sign anything, so the checks
//         and the body's decoders must also hold up against ops that verify.
#include <google/protobuf/util/message_differencer.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "daemon/store/merge.h"
#include "daemon/sync/op_checker.h"
#include "daemon/vault/op_crypto.h"
#include "tests/fuzz/fuzz_support.h"

namespace attune::fuzz {
namespace {

struct Env {
  Env() {
    auto merged = members.Merge(kSpaceId, SpaceCerts(*founder, *partner));
    if (!merged.ok() || merged->size() != 2) std::abort();
  }
  std::unique_ptr<KeySet> founder = Founder();
  std::unique_ptr<KeySet> partner = Partner();
  ScratchDb db;
  Membership members{db.db()};
};

Env& TheEnv() {
  static Env env;
  return env;
}

// Everything a receiving daemon does with an op. `sealed_here`: the op was
// sealed by SealOp just now, so what passes the checks must open.
void Receive(const v1::Op& op, bool sealed_here) {
  Env& env = TheEnv();
  auto checked = CheckIncomingOp(op, kSpaceId, env.members, MaxAcceptedHlc(1800000000000));
  (void)VerifyOp(op, env.founder->device_public_key);
  (void)VerifyOp(op, env.partner->device_public_key);
  v1::OpHeader header;
  auto body = OpenOp(op, *env.partner, &header);
  if (sealed_here && checked.ok() && !body.ok()) {
    Broken("an op that passed the checks does not open");
  }
  if (!body.ok()) return;
  v1::Clock clock;
  clock.set_hlc(header.hlc());
  clock.set_device(header.author_device());
  v1::RecordState once;
  if (!ApplyOp(*body, clock, &once).ok()) return;
  // The merge is idempotent: the same op again changes nothing.
  v1::RecordState twice = once;
  if (!ApplyOp(*body, clock, &twice).ok()) Broken("an op applied once fails the second time");
  if (!google::protobuf::util::MessageDifferencer::Equals(once, twice)) {
    Broken("applying the same op twice changed the record");
  }
  (void)IsLive(once);
}

}  // namespace
}  // namespace attune::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace attune;
  using namespace attune::fuzz;
  if (size < 1) return 0;
  if (data[0] % 2 == 0) {
    v1::Op op;
    if (!op.ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
    Receive(op, false);
    return 0;
  }
  auto frames = SplitFrames(data + 1, size - 1);
  if (frames.size() != 2) return 0;
  v1::OpHeader header;
  v1::OpBody body;
  if (!header.ParseFromString(frames[0]) || !body.ParseFromString(frames[1])) return 0;
  auto op = SealOp(header, body, *TheEnv().founder);
  if (!op.ok()) return 0;
  Receive(*op, true);
  return 0;
}
