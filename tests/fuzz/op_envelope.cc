// Fuzz target: an op as a peer sends it (attune.v1.Op), through the checks
// before it is stored (daemon/sync/op_checker.*), the vault's verify and
// open (daemon/vault/op_crypto.*) and the fold of its body into a record
// (daemon/store/merge.*).
//
// Each op is also received in a batch after an op sealed by a member that
// names it as its predecessor (OpHeader.prev_digest): the batch may take it
// without its own signature only when it is that member's own shared op.
//
// The first byte chooses what the rest is (and its second bit which member
// seals the vouching op):
//   even  the bytes of an Op, as received;
//   odd   frames (fuzz_support.h) of an OpHeader and an OpBody, which the
//         founder seals and signs: a member can sign anything, so the checks
//         and the body's decoders must also hold up against ops that verify.
#include <google/protobuf/util/message_differencer.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "daemon/store/merge.h"
#include "daemon/store/own_log_head.h"
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

// `op`, then an op `signer` seals naming it as its predecessor, as one batch.
void ReceiveVouched(const v1::Op& op, const absl::StatusOr<RecordStore::RemoteOp>& alone,
                    const KeySet& signer) {
  Env& env = TheEnv();
  v1::OpHeader claimed;
  if (!claimed.ParseFromString(op.header())) claimed.Clear();
  v1::OpHeader h;
  h.set_space_id(kSpaceId);
  h.set_author_device(signer.device_public_key);
  h.set_seq(claimed.seq() + 1);
  h.set_hlc(claimed.hlc());
  h.set_visibility(v1::VISIBILITY_SHARED);
  h.set_prev_digest(OpDigest(op.SerializeAsString()));
  auto voucher = SealOp(h, v1::OpBody(), signer);
  if (!voucher.ok()) return;
  v1::OpBatch batch;
  *batch.add_ops() = op;
  *batch.add_ops() = *voucher;
  auto checked = CheckIncomingOps(batch, kSpaceId, env.members, MaxAcceptedHlc(1800000000000));
  if (checked.size() != 2) Broken("a batch of two gave another number of verdicts");
  if (alone.ok() && !checked[0].ok()) Broken("an op taken alone was refused in a batch");
  if (!alone.ok() && checked[0].ok() &&
      (checked[0]->header.author_device() != signer.device_public_key ||
       checked[0]->header.visibility() != v1::VISIBILITY_SHARED ||
       checked[0]->header.seq() + 1 != h.seq())) {
    Broken("a vouch covered an op that is not the signer's own predecessor");
  }
}

// Everything a receiving daemon does with an op. `sealed_here`: the op was
// sealed by SealOp just now, so what passes the checks must open.
void Receive(const v1::Op& op, bool sealed_here, bool partner_vouches) {
  Env& env = TheEnv();
  auto checked = CheckIncomingOp(op, kSpaceId, env.members, MaxAcceptedHlc(1800000000000));
  ReceiveVouched(op, checked, partner_vouches ? *env.partner : *env.founder);
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
    Receive(op, false, data[0] & 2);
    return 0;
  }
  auto frames = SplitFrames(data + 1, size - 1);
  if (frames.size() != 2) return 0;
  v1::OpHeader header;
  v1::OpBody body;
  if (!header.ParseFromString(frames[0]) || !body.ParseFromString(frames[1])) return 0;
  auto op = SealOp(header, body, *TheEnv().founder);
  if (!op.ok()) return 0;
  Receive(*op, true, data[0] & 2);
  return 0;
}
