// Batches a sender makes of a stream written in signed runs
// (RecordStore: kMaxOpsPerSignature): each ends at a signed op, whatever the
// limits, and a receiver checking them batch by batch takes the whole
// stream.
#include "daemon/sync/op_runs.h"

#include <gtest/gtest.h>

#include "daemon/sync/op_checker.h"
#include "tests/support/temp_store.h"
#include "tests/support/test_keys.h"
#include "tests/support/test_members.h"
#include "tests/support/test_mutations.h"

namespace attune {
namespace {

using ::attune::testing::Journal;
using ::attune::testing::MemberCertOf;
using ::attune::testing::NewKeys;
using ::attune::testing::OpenTestDb;
using ::attune::testing::TempDir;
using ::attune::testing::TempStore;

class OpRunsTest : public ::testing::Test {
 protected:
  // Alex writes `writes` writes of `per_write` shared entries each: the
  // stream is signed at every per_write-th seq.
  void AlexWrites(int writes, int per_write) {
    for (int w = 0; w < writes; ++w) {
      std::vector<Mutation> ms;
      for (int i = 0; i < per_write; ++i) {
        ms.push_back(Journal(next_id_++, "entry", v1::VISIBILITY_SHARED));
      }
      ASSERT_TRUE(alex_.store->WriteAll(*alex_keys_, std::move(ms)).ok());
    }
  }
  StreamReader Reader() {
    return [this](uint64_t from, size_t max_ops, size_t max_bytes) {
      return alex_.store->ReadOps(alex_keys_->device_public_key, v1::VISIBILITY_SHARED, from,
                                  max_ops, max_bytes);
    };
  }
  // The seqs of `batch`.
  static std::vector<uint64_t> Seqs(const v1::OpBatch& batch) {
    std::vector<uint64_t> out;
    for (const v1::Op& op : batch.ops()) {
      v1::OpHeader h;
      h.ParseFromString(op.header());
      out.push_back(h.seq());
    }
    return out;
  }
  static std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
    std::vector<uint64_t> out;
    for (uint64_t s = first; s <= last; ++s) out.push_back(s);
    return out;
  }

  std::shared_ptr<const KeySet> alex_keys_ = NewKeys("Alex");
  TempStore alex_;
  int next_id_ = 1;
};

// Runs of 5: a limit inside a run takes the run to its end; a last seq
// inside one cuts back to the run before; a batch may start inside a run.
TEST_F(OpRunsTest, ABatchEndsAtASignedOp) {
  AlexWrites(4, 5);  // signed at 5, 10, 15, 20
  auto read = Reader();
  auto b = ReadSendableRun(read, 1, 20, 7, 1 << 20);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(Seqs(*b), Range(1, 10));
  b = ReadSendableRun(read, 1, 20, 10, 1 << 20);
  EXPECT_EQ(Seqs(*b), Range(1, 10));
  b = ReadSendableRun(read, 1, 13, 512, 1 << 20);
  EXPECT_EQ(Seqs(*b), Range(1, 10));
  b = ReadSendableRun(read, 8, 20, 1, 1 << 20);
  EXPECT_EQ(Seqs(*b), Range(8, 10));
  // The byte limit, too, is stretched to the run's end.
  b = ReadSendableRun(read, 11, 20, 512, 1);
  EXPECT_EQ(Seqs(*b), Range(11, 15));
  // Nothing signed within reach: nothing to send.
  b = ReadSendableRun(read, 16, 19, 512, 1 << 20);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->ops_size(), 0);
  b = ReadSendableRun(read, 21, 30, 512, 1 << 20);
  EXPECT_EQ(b->ops_size(), 0);
}

// A stream of one write of 300 changes and two of 7, sent in batches of
// about 40 ops, each checked as a receiver checks it and stored: the
// receiver ends with every op, each batch taken whole.
TEST_F(OpRunsTest, AReceiverTakesEveryBatchWhole) {
  AlexWrites(1, 300);
  AlexWrites(2, 7);
  TempDir dir;
  auto db = OpenTestDb(dir.path() + "/db");
  Membership members(db.get());
  auto sam_keys =
      testing::KeysInSpace(*NewKeys("Sam"), alex_keys_->space_id, alex_keys_->space_key);
  ASSERT_TRUE(members
                  .Merge(alex_keys_->space_id,
                         {MemberCertOf(alex_keys_->space_id, *alex_keys_, *alex_keys_),
                          MemberCertOf(alex_keys_->space_id, *sam_keys, *alex_keys_)})
                  .ok());
  TempStore sam;
  auto read = Reader();
  uint64_t held = 0;
  int batches = 0;
  while (held < 314) {
    auto b = ReadSendableRun(read, held + 1, 314, 40, 1 << 20);
    ASSERT_TRUE(b.ok()) << b.status();
    ASSERT_GT(b->ops_size(), 0) << "stuck after " << held;
    ASSERT_LE(b->ops_size(), 40 + static_cast<int>(kMaxOpsPerSignature) - 1);
    auto checked = CheckIncomingOps(*b, alex_keys_->space_id, members, UINT64_MAX);
    std::vector<RecordStore::RemoteOp> ops;
    for (auto& c : checked) {
      ASSERT_TRUE(c.ok()) << "batch " << batches << ": " << c.status();
      ops.push_back(std::move(*c));
    }
    auto added = sam.store->Ingest(sam_keys.get(), std::move(ops));
    ASSERT_TRUE(added.ok()) << added.status();
    held += static_cast<uint64_t>(*added);
    ++batches;
  }
  EXPECT_EQ(sam.store->SharedVersionVector()[alex_keys_->device_public_key], 314u);
  EXPECT_EQ(batches, 6);  // to 64, 128, 192, 256, 300, 314
}

}  // namespace
}  // namespace attune
