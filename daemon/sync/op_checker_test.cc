// The checks a batch of ops from a peer passes (CheckIncomingOps), where an op
// whose signature holds vouches for its predecessor's bytes
// (v1::OpHeader.prev_digest): a run written by the real store is taken
// whole, and nothing a vouch could be bent into lets a forged op through.
#include "daemon/sync/op_checker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "daemon/store/own_log_head.h"
#include "daemon/vault/op_crypto.h"
#include "tests/support/temp_store.h"
#include "tests/support/test_keys.h"
#include "tests/support/test_members.h"
#include "tests/support/test_mutations.h"

namespace attune {
namespace {

using ::attune::testing::KeysInSpace;
using ::attune::testing::MemberCertOf;
using ::attune::testing::NewKeys;
using ::attune::testing::OpenTestDb;
using ::attune::testing::TempDir;
using ::attune::testing::TempStore;
using ::testing::HasSubstr;

// Alex (the founder) and Sam share a space; Sam's ops come from Sam's own
// store, as Sam's daemon writes them.
class OpCheckerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<v1::MemberCert> certs;
    for (const KeySet* k : {alex_.get(), sam_keys_.get()}) {
      certs.push_back(MemberCertOf(alex_->space_id, *k, *alex_));
    }
    ASSERT_TRUE(members_->Merge(alex_->space_id, certs).ok());
  }

  // Sam writes `n` journal entries of `vis` through the store; returns the
  // stream's ops as stored, in seq order.
  std::vector<v1::Op> SamWrites(int n, v1::Visibility vis = v1::VISIBILITY_SHARED) {
    for (int i = 0; i < n; ++i) {
      Mutation m;
      m.visibility = vis;
      m.body.set_kind(static_cast<uint32_t>(Kind::kJournalEntry));
      m.body.set_record_id(std::string(15, 'r') + static_cast<char>(written_++));
      m.body.mutable_record()->mutable_journal_entry()->set_body("entry " + std::to_string(i));
      m.body.add_fields(3);
      auto w = sam_.store->Write(*sam_keys_, m);
      EXPECT_TRUE(w.ok()) << w.status();
    }
    auto bytes = sam_.store->ReadOps(sam_keys_->device_public_key, vis, 1, 1000, 1 << 20);
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    std::vector<v1::Op> ops;
    for (const auto& b : *bytes) ops.emplace_back().ParseFromString(b);
    return ops;
  }

  static v1::OpHeader HeaderOf(const v1::Op& op) {
    v1::OpHeader h;
    h.ParseFromString(op.header());
    return h;
  }

  std::vector<absl::StatusOr<RecordStore::RemoteOp>> Check(
      const std::vector<v1::Op>& ops, const std::string* private_member = nullptr) {
    v1::OpBatch batch;
    for (const auto& op : ops) *batch.add_ops() = op;
    return CheckIncomingOps(batch, alex_->space_id, *members_, UINT64_MAX, private_member);
  }

  TempDir dir_;
  std::unique_ptr<Db> db_ = OpenTestDb(dir_.path() + "/db");  // Alex's membership
  std::unique_ptr<Membership> members_ = std::make_unique<Membership>(db_.get());
  std::shared_ptr<const KeySet> alex_ = NewKeys("Alex");
  std::shared_ptr<const KeySet> sam_keys_ =
      KeysInSpace(*NewKeys("Sam"), alex_->space_id, alex_->space_key);
  TempStore sam_;  // Sam's own store
  int written_ = 0;
};

// Each op the store writes names the digest of the one before it in its
// stream, exactly as stored; the first names none.
TEST_F(OpCheckerTest, TheStoreChainsEachStreamByDigest) {
  auto ops = SamWrites(4);
  ASSERT_EQ(ops.size(), 4u);
  EXPECT_TRUE(HeaderOf(ops[0]).prev_digest().empty());
  for (size_t i = 1; i < ops.size(); ++i) {
    EXPECT_EQ(HeaderOf(ops[i]).prev_digest(), OpDigest(ops[i - 1].SerializeAsString())) << i;
  }
  // The private stream is a chain of its own.
  auto mine = SamWrites(2, v1::VISIBILITY_PRIVATE);
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_TRUE(HeaderOf(mine[0]).prev_digest().empty());
  EXPECT_EQ(HeaderOf(mine[1]).prev_digest(), OpDigest(mine[0].SerializeAsString()));
}

TEST_F(OpCheckerTest, AChainedRunIsTakenWhole) {
  auto ops = SamWrites(100);
  auto checked = Check(ops);
  ASSERT_EQ(checked.size(), ops.size());
  for (size_t i = 0; i < checked.size(); ++i) {
    ASSERT_TRUE(checked[i].ok()) << i << ": " << checked[i].status();
    EXPECT_EQ(checked[i]->bytes, ops[i].SerializeAsString());
  }
}

// A changed byte anywhere in a run: that op is refused, whether a later op
// vouches for it (the digest no longer matches, its own signature fails) or
// not; every op before it still stands on its own signature.
TEST_F(OpCheckerTest, AnOpChangedInsideARunIsRefusedAndTheRestTaken) {
  auto ops = SamWrites(8);
  for (size_t bad : {size_t{0}, size_t{3}, size_t{7}}) {
    auto changed = ops;
    changed[bad].mutable_ciphertext()->back() ^= 1;
    auto checked = Check(changed);
    for (size_t i = 0; i < checked.size(); ++i) {
      if (i == bad) {
        EXPECT_FALSE(checked[i].ok()) << bad;
        EXPECT_THAT(checked[i].status().message(), HasSubstr("signature does not verify"));
      } else {
        EXPECT_TRUE(checked[i].ok())
            << "changed " << bad << ", op " << i << ": " << checked[i].status();
      }
    }
  }
}

// A signed op whose prev_digest names an op forged in Sam's name (Sam's
// shared seq 3, no valid signature) vouches for it only when it is Sam's own
// shared op at seq 4: Alex's op (a member running modified code), Sam's at
// another seq, or in Sam's private stream, leave the forgery refused.
TEST_F(OpCheckerTest, AVouchCoversOnlyTheSignersOwnPredecessor) {
  auto sams = SamWrites(2);
  v1::Op forged = sams[1];
  v1::OpHeader fh = HeaderOf(forged);
  fh.set_seq(3);
  forged.set_header(fh.SerializeAsString());  // the signature no longer holds
  const std::string forged_digest = OpDigest(forged.SerializeAsString());

  for (auto tweak : {0, 1, 2}) {
    const KeySet& signer = tweak == 0 ? *alex_ : *sam_keys_;
    v1::OpHeader h;
    h.set_space_id(alex_->space_id);
    h.set_author_device(signer.device_public_key);
    h.set_seq(tweak == 1 ? 9 : 4);
    h.set_hlc(static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())) << 16);
    h.set_visibility(tweak == 2 ? v1::VISIBILITY_PRIVATE : v1::VISIBILITY_SHARED);
    h.set_prev_digest(forged_digest);
    v1::OpBody body;
    body.set_kind(static_cast<uint32_t>(Kind::kJournalEntry));
    body.set_record_id(std::string(16, 'a'));
    body.mutable_record()->mutable_journal_entry()->set_body("mine");
    body.add_fields(3);
    auto voucher = SealOp(h, body, signer);
    ASSERT_TRUE(voucher.ok());
    // Tweak 2 is checked as on another device of Sam's, which takes Sam's
    // private ops.
    auto checked = Check({forged, *voucher}, tweak == 2 ? &sam_keys_->member_id : nullptr);
    EXPECT_FALSE(checked[0].ok()) << tweak;
    EXPECT_TRUE(checked[1].ok()) << tweak << ": " << checked[1].status();
  }
}

// The last op's signature is broken: it is refused, and the op it named is
// checked by its own signature instead (and taken), as is every one before.
TEST_F(OpCheckerTest, AVoucherThatFailsLeavesItsPredecessorToItsOwnSignature) {
  auto ops = SamWrites(5);
  ops[4].mutable_signature()->front() ^= 1;
  auto checked = Check(ops);
  for (size_t i = 0; i < 4; ++i) EXPECT_TRUE(checked[i].ok()) << i << ": " << checked[i].status();
  EXPECT_FALSE(checked[4].ok());

  // Nor does a voucher whose signature fails vouch for anything: here op 5's
  // header (so its signature) was changed to name a forged op 4.
  auto forged = ops;
  forged[3].mutable_ciphertext()->back() ^= 1;
  v1::OpHeader h = HeaderOf(forged[4]);
  h.set_prev_digest(OpDigest(forged[3].SerializeAsString()));
  forged[4].set_header(h.SerializeAsString());
  checked = Check(forged);
  EXPECT_FALSE(checked[3].ok());
  EXPECT_FALSE(checked[4].ok());
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(checked[i].ok()) << i << ": " << checked[i].status();

  // Out of order, every op is still taken.
  auto fresh = SamWrites(3);  // the stream, seq 1..8
  std::vector<v1::Op> shuffled = {fresh[7], fresh[5], fresh[6]};
  for (const auto& c : Check(shuffled)) EXPECT_TRUE(c.ok()) << c.status();
}

// Five entries written at once: only the last op is signed. The four
// before it are taken only in a batch with it; alone, or when its signature
// fails, each is refused by name, since it has no signature to fall back on.
TEST_F(OpCheckerTest, AnUnsignedOpIsTakenOnlyWithTheOpThatSignsForIt) {
  std::vector<Mutation> ms;
  for (int i = 0; i < 5; ++i) ms.push_back(testing::Journal(100 + i, "run", v1::VISIBILITY_SHARED));
  ASSERT_TRUE(sam_.store->WriteAll(*sam_keys_, std::move(ms)).ok());
  auto bytes =
      sam_.store->ReadOps(sam_keys_->device_public_key, v1::VISIBILITY_SHARED, 1, 10, 1 << 20);
  ASSERT_TRUE(bytes.ok());
  std::vector<v1::Op> ops;
  for (const auto& b : *bytes) ops.emplace_back().ParseFromString(b);
  ASSERT_EQ(ops.size(), 5u);
  for (size_t i = 0; i < 4; ++i) EXPECT_TRUE(ops[i].signature().empty()) << i;
  EXPECT_FALSE(ops[4].signature().empty());

  for (const auto& c : Check(ops)) EXPECT_TRUE(c.ok()) << c.status();
  for (const auto& c : Check({ops[2], ops[3], ops[4]})) EXPECT_TRUE(c.ok()) << c.status();
  for (const auto& c : Check({ops[0], ops[1], ops[2], ops[3]})) {
    ASSERT_FALSE(c.ok());
    EXPECT_THAT(c.status().message(), HasSubstr("no later op of its stream signs for it"));
  }
  auto broken = ops;
  broken[4].mutable_signature()->front() ^= 1;
  for (const auto& c : Check(broken)) EXPECT_FALSE(c.ok());
}

// An op from before prev_digest existed (none named) is still taken on its
// own signature, and a prev_digest of the wrong length is refused by name.
TEST_F(OpCheckerTest, UnchainedOpsStandAloneAndAMalformedDigestIsRefused) {
  v1::OpHeader h;
  h.set_space_id(alex_->space_id);
  h.set_author_device(alex_->device_public_key);
  h.set_seq(2);
  h.set_hlc(static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())) << 16);
  h.set_visibility(v1::VISIBILITY_SHARED);
  v1::OpBody body;
  body.set_kind(static_cast<uint32_t>(Kind::kJournalEntry));
  body.set_record_id(std::string(16, 'b'));
  body.mutable_record()->mutable_journal_entry()->set_body("old");
  body.add_fields(3);
  auto old = SealOp(h, body, *alex_);
  ASSERT_TRUE(old.ok());
  h.set_prev_digest("short");
  auto malformed = SealOp(h, body, *alex_);
  ASSERT_TRUE(malformed.ok());
  auto checked = Check({*old, *malformed});
  EXPECT_TRUE(checked[0].ok()) << checked[0].status();
  ASSERT_FALSE(checked[1].ok());
  EXPECT_THAT(checked[1].status().message(), HasSubstr("prev_digest has the wrong length"));
}

}  // namespace
}  // namespace attune
