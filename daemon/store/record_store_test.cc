#include "daemon/store/record_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "daemon/vault/op_crypto.h"
#include "tests/support/test_keys.h"
#include "tests/support/test_mutations.h"

namespace attune {
namespace {

// DbOptions with every other field at its default.
DbOptions DbAt(const std::string& path) {
  DbOptions options;
  options.path = path;
  return options;
}

using ::attune::testing::Id;
using ::attune::testing::Journal;
using ::attune::testing::NewKeys;
using ::attune::testing::TempDir;

class RecordStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    store_.reset();
    db_.reset();
    auto db = Db::Open(DbAt(dir_.path() + "/db"));
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    store_ = std::make_unique<RecordStore>(db_.get(), &clock_);
  }
  // Every op in the log, in key order, with its header.
  std::vector<v1::OpHeader> Headers() {
    std::vector<v1::OpHeader> out;
    EXPECT_TRUE(db_->Scan(Cf::kOplog, "",
                          [&](std::string_view, std::string_view v) {
                            v1::Op op;
                            EXPECT_TRUE(op.ParseFromArray(v.data(), static_cast<int>(v.size())));
                            EXPECT_TRUE(VerifyOp(op, keys_->device_public_key).ok());
                            v1::OpHeader h;
                            EXPECT_TRUE(h.ParseFromString(op.header()));
                            out.push_back(h);
                            return true;
                          })
                    .ok());
    return out;
  }

  TempDir dir_;
  SystemClock clock_;
  std::shared_ptr<const KeySet> keys_ = NewKeys();
  std::unique_ptr<Db> db_;
  std::unique_ptr<RecordStore> store_;
};

TEST_F(RecordStoreTest, AWriteIsReadBackAndLogged) {
  auto state = store_->Write(*keys_, Journal(Id(1), "first words"));
  ASSERT_TRUE(state.ok()) << state.status();
  auto got = store_->Get(*keys_, Kind::kJournalEntry, Id(1));
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->record().journal_entry().body(), "first words");
  auto headers = Headers();
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers[0].seq(), 1u);
  EXPECT_EQ(headers[0].visibility(), v1::PRIVATE);
  EXPECT_EQ(*store_->OwnOpCount(*keys_), 1u);
}

TEST_F(RecordStoreTest, RequirementsRefuseWithoutWriting) {
  Mutation update = Journal(Id(2), "edit");
  update.require = Mutation::Require::kLive;
  EXPECT_EQ(store_->Write(*keys_, update).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(store_->Write(*keys_, Journal(Id(2), "made")).ok());
  Mutation create = Journal(Id(2), "again");
  create.require = Mutation::Require::kAbsent;
  EXPECT_EQ(store_->Write(*keys_, create).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Headers().size(), 1u);
  EXPECT_EQ((*store_->Get(*keys_, Kind::kJournalEntry, Id(2)))->record().journal_entry().body(),
            "made");
}

TEST_F(RecordStoreTest, ConcurrentWritersGetContiguousSequenceNumbers) {
  constexpr int kThreads = 8, kEach = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        if (!store_->Write(*keys_, Journal(Id(t * kEach + i), "x")).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto headers = Headers();
  ASSERT_EQ(headers.size(), static_cast<size_t>(kThreads * kEach));
  std::set<uint64_t> hlcs;
  for (size_t i = 0; i < headers.size(); ++i) {
    EXPECT_EQ(headers[i].seq(), i + 1);
    hlcs.insert(headers[i].hlc());
  }
  EXPECT_EQ(hlcs.size(), headers.size()) << "every op has its own clock reading";
  EXPECT_EQ(*store_->RecordCount(), kThreads * kEach);
}

TEST_F(RecordStoreTest, WriteAllStoresEveryMutationOrNone) {
  ASSERT_TRUE(store_->Write(*keys_, Journal(Id(1), "there already")).ok());
  // The third mutation fails: neither of the first two may be stored, and
  // no sequence number may be used up.
  std::vector<Mutation> doomed;
  doomed.push_back(Journal(Id(2), "second"));
  doomed.push_back(Journal(Id(3), "third", v1::SHARED));
  Mutation create = Journal(Id(1), "again");
  create.require = Mutation::Require::kAbsent;
  doomed.push_back(create);
  EXPECT_EQ(store_->WriteAll(*keys_, std::move(doomed)).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE(store_->Get(*keys_, Kind::kJournalEntry, Id(2))->has_value());
  EXPECT_FALSE(store_->Get(*keys_, Kind::kJournalEntry, Id(3))->has_value());
  EXPECT_EQ(Headers().size(), 1u);

  std::vector<Mutation> whole;
  whole.push_back(Journal(Id(2), "second"));
  whole.push_back(Journal(Id(3), "third", v1::SHARED));
  auto states = store_->WriteAll(*keys_, std::move(whole));
  ASSERT_TRUE(states.ok()) << states.status();
  ASSERT_EQ(states->size(), 2u);
  EXPECT_EQ((*states)[1].record().journal_entry().body(), "third");
  auto headers = Headers();
  ASSERT_EQ(headers.size(), 3u);
  // Private seq 1 (Id 1) and 2 (Id 2); shared seq 1 (Id 3): no gap in either.
  std::map<v1::Visibility, std::vector<uint64_t>> seqs;
  for (const auto& h : headers) seqs[h.visibility()].push_back(h.seq());
  EXPECT_EQ(seqs[v1::PRIVATE], (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(seqs[v1::SHARED], (std::vector<uint64_t>{1}));
}

TEST_F(RecordStoreTest, WriteAllSeesItsOwnEarlierMutations) {
  std::vector<Mutation> chain;
  Mutation create = Journal(Id(5), "draft");
  create.require = Mutation::Require::kAbsent;
  chain.push_back(create);
  Mutation edit = Journal(Id(5), "final");
  edit.require = Mutation::Require::kLive;
  chain.push_back(edit);
  auto states = store_->WriteAll(*keys_, std::move(chain));
  ASSERT_TRUE(states.ok()) << states.status();
  EXPECT_EQ((*states)[0].record().journal_entry().body(), "draft");
  EXPECT_EQ((*states)[1].record().journal_entry().body(), "final");
  EXPECT_EQ((*store_->Get(*keys_, Kind::kJournalEntry, Id(5)))->record().journal_entry().body(),
            "final");
  EXPECT_EQ(Headers().size(), 2u);
}

TEST_F(RecordStoreTest, ConcurrentWriteAllsEachLandWhole) {
  // Writers of 3 mutations each, some of which fail on their last one,
  // committed in the same groups as writers that succeed.
  constexpr int kThreads = 6, kEach = 20;
  std::vector<std::thread> threads;
  std::atomic<int> unexpected{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        int base = (t * kEach + i) * 3;
        bool doomed = i % 3 == 0;
        std::vector<Mutation> ms;
        ms.push_back(Journal(Id(base), "a", v1::SHARED));
        ms.push_back(Journal(Id(base + 1), "b"));
        Mutation last = Journal(Id(base + 2), "c", v1::SHARED);
        if (doomed) last.require = Mutation::Require::kLive;  // never there: NOT_FOUND
        ms.push_back(last);
        auto s = store_->WriteAll(*keys_, std::move(ms)).status();
        if (doomed != absl::IsNotFound(s) || (!doomed && !s.ok())) ++unexpected;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(unexpected.load(), 0);
  int stored = 0;
  for (int n = 0; n < kThreads * kEach; ++n) {
    bool doomed = (n % kEach) % 3 == 0;
    for (int k = 0; k < 3; ++k) {
      bool there = store_->Get(*keys_, Kind::kJournalEntry, Id(n * 3 + k))->has_value();
      EXPECT_EQ(there, !doomed) << "writer " << n << " mutation " << k;
      stored += there;
    }
  }
  // Contiguous seqs per stream: the failed writers used none.
  std::map<v1::Visibility, uint64_t> next{{v1::SHARED, 1}, {v1::PRIVATE, 1}};
  for (const auto& h : Headers()) EXPECT_EQ(h.seq(), next[h.visibility()]++);
  EXPECT_EQ(static_cast<int>(Headers().size()), stored);
}

TEST_F(RecordStoreTest, ResealStoresItsCompanionWriteInTheSameBatch) {
  ASSERT_TRUE(store_->Write(*keys_, Journal(Id(1), "before pairing", v1::SHARED)).ok());
  SecretBytes space_key(kSymmetricKeyBytes);
  randombytes_buf(space_key.data(), space_key.size());
  auto joined = ::attune::testing::KeysInSpace(*keys_, std::string(16, 'S'), space_key);
  Batch also;
  also.Put(Cf::kMeta, "vault", "the new vault file");
  ASSERT_TRUE(store_->ResealOwnOps(*keys_, *joined, std::move(also)).ok());
  EXPECT_EQ(**db_->Get(Cf::kMeta, "vault"), "the new vault file");
  Open();
  // Every op now opens with the new space's keys.
  EXPECT_TRUE(db_->Scan(Cf::kOplog, "",
                        [&](std::string_view, std::string_view v) {
                          v1::Op op;
                          EXPECT_TRUE(op.ParseFromArray(v.data(), static_cast<int>(v.size())));
                          v1::OpHeader h;
                          EXPECT_TRUE(OpenOp(op, *joined, &h).ok());
                          EXPECT_EQ(h.space_id(), joined->space_id);
                          return true;
                        })
                  .ok());
  // Sealing again from the new keys (a second join after a crash) works too.
  EXPECT_TRUE(store_->ResealOwnOps(*joined, *joined).ok());
}

TEST_F(RecordStoreTest, SequenceContinuesAfterReopen) {
  ASSERT_TRUE(store_->Write(*keys_, Journal(Id(1), "a")).ok());
  ASSERT_TRUE(store_->Write(*keys_, Journal(Id(2), "b")).ok());
  Open();
  ASSERT_TRUE(store_->Write(*keys_, Journal(Id(3), "c")).ok());
  auto headers = Headers();
  ASSERT_EQ(headers.size(), 3u);
  EXPECT_EQ(headers[2].seq(), 3u);
  EXPECT_GT(headers[2].hlc(), headers[1].hlc());
}

TEST_F(RecordStoreTest, RebuiltViewsEqualTheOldOnes) {
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(store_
                    ->Write(*keys_, Journal(Id(i % 10), "v" + std::to_string(i),
                                            i % 3 ? v1::PRIVATE : v1::SHARED))
                    .ok());
  }
  Mutation del;
  del.body.set_kind(static_cast<uint32_t>(Kind::kJournalEntry));
  del.body.set_record_id(Id(4));
  del.body.set_tombstone(true);
  ASSERT_TRUE(store_->Write(*keys_, del).ok());
  auto before = store_->DumpViews(*keys_);
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(before->size(), 10u);

  ASSERT_TRUE(store_->RequestRebuild().ok());
  Open();
  ASSERT_TRUE(db_->Clear(Cf::kRecords).ok());  // views lost: only the log remains
  ASSERT_TRUE(store_->OnUnlock(*keys_).ok());
  auto after = store_->DumpViews(*keys_);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, *before);
  // The request is used up: a second unlock does not rebuild again.
  ASSERT_TRUE(db_->Clear(Cf::kRecords).ok());
  ASSERT_TRUE(store_->OnUnlock(*keys_).ok());
  EXPECT_EQ(*store_->RecordCount(), 0);
}

TEST_F(RecordStoreTest, ViewsDoNotOpenWithAnotherDevicesKeys) {
  ASSERT_TRUE(store_->Write(*keys_, Journal(Id(1), "mine")).ok());
  auto other = NewKeys("Sam");
  EXPECT_EQ(store_->Get(*other, Kind::kJournalEntry, Id(1)).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(RecordStoreTest, NoPlaintextReachesTheDisk) {
  const std::string canary = "canary-7f3a9c1e5b2d4f60";
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(store_->Write(*keys_, Journal(Id(i), canary + " entry")).ok());
  }
  ASSERT_TRUE(db_->Flush().ok());
  store_.reset();
  db_.reset();
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
    if (!entry.is_regular_file()) continue;
    ++files;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(bytes.find(canary), std::string::npos) << entry.path();
  }
  EXPECT_GT(files, 3);
}

}  // namespace
}  // namespace attune

namespace attune {
namespace {

// Ops of a partner device in the same space, as they arrive from sync.
std::vector<RecordStore::RemoteOp> PartnerOps(const KeySet& partner, uint64_t first,
                                              uint64_t last) {
  std::vector<RecordStore::RemoteOp> out;
  for (uint64_t seq = first; seq <= last; ++seq) {
    v1::OpHeader header;
    header.set_space_id(partner.space_id);
    header.set_author_device(partner.device_public_key);
    header.set_seq(seq);
    header.set_hlc(seq << 16);
    header.set_visibility(v1::SHARED);
    Mutation m = Journal(Id(100 + static_cast<int>(seq)), "from the partner", v1::SHARED);
    auto op = SealOp(header, m.body, partner);
    EXPECT_TRUE(op.ok());
    RecordStore::RemoteOp r;
    EXPECT_TRUE(r.header.ParseFromString(op->header()));
    r.bytes = op->SerializeAsString();
    out.push_back(std::move(r));
  }
  return out;
}

TEST_F(RecordStoreTest, PartnerOpsAreTakenInOrderOnceEach) {
  auto partner = testing::KeysInSpace(*NewKeys("Sam"), keys_->space_id, keys_->space_key);
  auto ops = PartnerOps(*partner, 1, 3);
  auto added = store_->IngestShared(keys_.get(), ops);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(*added, 3u);
  // Replayed byte for byte: nothing new.
  EXPECT_EQ(*store_->IngestShared(keys_.get(), {ops[1], ops[2]}), 0u);
  // Another op under a seq already held (sealed anew, so other bytes): the
  // author wrote that seq twice. Said, never silently dropped; the op held
  // first stays.
  auto fork = store_->IngestShared(keys_.get(), PartnerOps(*partner, 3, 3));
  EXPECT_EQ(fork.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(fork.status().message()), ::testing::HasSubstr("two different ops"));
  auto held = store_->ReadSharedOps(partner->device_public_key, 3, 1, 1 << 20);
  ASSERT_TRUE(held.ok() && held->size() == 1u);
  EXPECT_EQ((*held)[0], ops[2].bytes);
  // A gap is refused and nothing of it is stored.
  auto gap = store_->IngestShared(keys_.get(), PartnerOps(*partner, 5, 5));
  EXPECT_EQ(gap.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->SharedVersionVector()[partner->device_public_key], 3u);
  auto got = store_->Get(*keys_, Kind::kJournalEntry, Id(102));
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->record().journal_entry().body(), "from the partner");
}

TEST_F(RecordStoreTest, OpsThatArriveWhileLockedAreFoldedAtUnlock) {
  auto partner = testing::KeysInSpace(*NewKeys("Sam"), keys_->space_id, keys_->space_key);
  auto added = store_->IngestShared(nullptr, PartnerOps(*partner, 1, 4));  // locked
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(*added, 4u);
  EXPECT_FALSE((*store_->Get(*keys_, Kind::kJournalEntry, Id(101))).has_value());
  Open();  // and a restart in between
  ASSERT_TRUE(store_->OnUnlock(*keys_).ok());
  for (int i = 1; i <= 4; ++i) {
    auto got = store_->Get(*keys_, Kind::kJournalEntry, Id(100 + i));
    ASSERT_TRUE(got.ok() && got->has_value()) << i;
  }
}

}  // namespace
}  // namespace attune
