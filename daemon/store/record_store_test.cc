#include "daemon/store/record_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "daemon/store/own_log_head.h"
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
  // Every op in the log, in key order, with its header. Each is signed, or
  // left unsigned with the next op of its stream naming its digest (a
  // signed run): no stream ends at an unsigned op.
  std::vector<v1::OpHeader> Headers() {
    std::vector<v1::OpHeader> out;
    std::string unsigned_key, unsigned_digest;  // the run open so far
    EXPECT_TRUE(db_->Scan(Cf::kOplog, "",
                          [&](std::string_view key, std::string_view v) {
                            v1::Op op;
                            EXPECT_TRUE(op.ParseFromArray(v.data(), static_cast<int>(v.size())));
                            v1::OpHeader h;
                            EXPECT_TRUE(h.ParseFromString(op.header()));
                            if (!unsigned_key.empty()) {
                              EXPECT_EQ(key.substr(0, key.size() - 8),
                                        unsigned_key.substr(0, unsigned_key.size() - 8))
                                  << "a stream ends at an unsigned op";
                              EXPECT_EQ(h.prev_digest(), unsigned_digest);
                            }
                            unsigned_key.clear();
                            if (op.signature().empty()) {
                              unsigned_key = std::string(key);
                              unsigned_digest = OpDigest(v);
                            } else {
                              EXPECT_TRUE(VerifyOp(op, keys_->device_public_key).ok());
                            }
                            out.push_back(h);
                            return true;
                          })
                    .ok());
    EXPECT_TRUE(unsigned_key.empty()) << "the log ends at an unsigned op";
    return out;
  }
  // Whether each of the log's ops carries its own signature, in key order.
  std::vector<bool> Signed() {
    std::vector<bool> out;
    EXPECT_TRUE(db_->Scan(Cf::kOplog, "",
                          [&](std::string_view, std::string_view v) {
                            v1::Op op;
                            EXPECT_TRUE(op.ParseFromArray(v.data(), static_cast<int>(v.size())));
                            out.push_back(!op.signature().empty());
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
  EXPECT_EQ(headers[0].visibility(), v1::VISIBILITY_PRIVATE);
  EXPECT_EQ(*store_->OwnOpCount(*keys_), 1u);
}

// One write of many changes signs, per stream, only its last op and every
// kMaxOpsPerSignature-th: the ops between go unsigned, each named by the
// digest of the op after it (Headers() checks the chain), and the log still
// passes the check at the next unlock, its head taken over the signed bytes.
TEST_F(RecordStoreTest, AWriteSignsEachStreamsLastOpAndAtMostEveryRunBound) {
  std::vector<Mutation> many;
  for (int i = 0; i < 150; ++i)
    many.push_back(Journal(i, "shared " + std::to_string(i), v1::VISIBILITY_SHARED));
  for (int i = 0; i < 3; ++i) many.push_back(Journal(1000 + i, "private"));
  ASSERT_TRUE(store_->WriteAll(*keys_, std::move(many)).ok());
  ASSERT_TRUE(store_->Write(*keys_, Journal(2000, "alone", v1::VISIBILITY_SHARED)).ok());

  auto headers = Headers();
  auto sig = Signed();
  ASSERT_EQ(headers.size(), 154u);
  std::vector<uint64_t> signed_shared, signed_private;
  for (size_t i = 0; i < headers.size(); ++i) {
    if (!sig[i]) continue;
    (headers[i].visibility() == v1::VISIBILITY_SHARED ? signed_shared : signed_private)
        .push_back(headers[i].seq());
  }
  EXPECT_EQ(signed_shared, (std::vector<uint64_t>{64, 128, 150, 151}));
  EXPECT_EQ(signed_private, (std::vector<uint64_t>{3}));

  // Reopened, the log agrees with its head: writing goes on.
  Open();
  ASSERT_TRUE(store_->Write(*keys_, Journal(2001, "after", v1::VISIBILITY_SHARED)).ok());
  EXPECT_EQ(Headers().size(), 155u);
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

// Every peer refuses an op over kMaxOpBytes, and the author's stream would
// stop there: a change over kMaxWrittenOpBytes is refused when written, with nothing stored and
// no seq used, and the writer's other changes in the same call go with it.
TEST_F(RecordStoreTest, AChangeTooLargeToSyncIsRefusedAndUsesNoSeq) {
  ASSERT_TRUE(store_->Write(*keys_, Journal(Id(1), "before", v1::VISIBILITY_SHARED)).ok());
  std::vector<Mutation> both;
  both.push_back(Journal(Id(2), "small", v1::VISIBILITY_SHARED));
  both.push_back(Journal(Id(3), std::string(kMaxOpBytes, 'x'), v1::VISIBILITY_SHARED));
  auto refused = store_->WriteAll(*keys_, std::move(both));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()), ::testing::HasSubstr("too large"));
  EXPECT_FALSE((*store_->Get(*keys_, Kind::kJournalEntry, Id(2))).has_value());
  EXPECT_FALSE((*store_->Get(*keys_, Kind::kJournalEntry, Id(3))).has_value());
  // Just under the limit is fine, and takes the next seq.
  ASSERT_TRUE(store_
                  ->Write(*keys_, Journal(Id(4), std::string(kMaxWrittenOpBytes - 2048, 'y'),
                                          v1::VISIBILITY_SHARED))
                  .ok());
  auto headers = Headers();
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[1].seq(), headers[0].seq() + 1);
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
  doomed.push_back(Journal(Id(3), "third", v1::VISIBILITY_SHARED));
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
  whole.push_back(Journal(Id(3), "third", v1::VISIBILITY_SHARED));
  auto states = store_->WriteAll(*keys_, std::move(whole));
  ASSERT_TRUE(states.ok()) << states.status();
  ASSERT_EQ(states->size(), 2u);
  EXPECT_EQ((*states)[1].record().journal_entry().body(), "third");
  auto headers = Headers();
  ASSERT_EQ(headers.size(), 3u);
  // Private seq 1 (Id 1) and 2 (Id 2); shared seq 1 (Id 3): no gap in either.
  std::map<v1::Visibility, std::vector<uint64_t>> seqs;
  for (const auto& h : headers) seqs[h.visibility()].push_back(h.seq());
  EXPECT_EQ(seqs[v1::VISIBILITY_PRIVATE], (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(seqs[v1::VISIBILITY_SHARED], (std::vector<uint64_t>{1}));
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
        ms.push_back(Journal(Id(base), "a", v1::VISIBILITY_SHARED));
        ms.push_back(Journal(Id(base + 1), "b"));
        Mutation last = Journal(Id(base + 2), "c", v1::VISIBILITY_SHARED);
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
  std::map<v1::Visibility, uint64_t> next{{v1::VISIBILITY_SHARED, 1}, {v1::VISIBILITY_PRIVATE, 1}};
  for (const auto& h : Headers()) EXPECT_EQ(h.seq(), next[h.visibility()]++);
  EXPECT_EQ(static_cast<int>(Headers().size()), stored);
}

TEST_F(RecordStoreTest, AsyncAndBlockingWritersShareGroupsAndEachHearsOnce) {
  // Threads that queue writes without waiting (as the write front's do)
  // alongside threads that wait in WriteAll, some writes refused: each
  // write's outcome comes exactly once, refused ones leave nothing, and
  // the seqs stay contiguous.
  constexpr int kThreads = 6, kEach = 40;
  std::atomic<int> heard{0}, unexpected{0};
  absl::Mutex mu;
  std::vector<int> outcomes(kThreads * kEach, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        int n = t * kEach + i;
        bool doomed = i % 5 == 0;
        std::vector<Mutation> ms;
        ms.push_back(Journal(Id(n * 2), "a", v1::VISIBILITY_SHARED));
        Mutation last = Journal(Id(n * 2 + 1), "b");
        if (doomed) last.require = Mutation::Require::kLive;  // never there: NOT_FOUND
        ms.push_back(last);
        auto check = [&, n, doomed](const absl::StatusOr<std::vector<v1::RecordState>>& r) {
          if (doomed ? !absl::IsNotFound(r.status()) : (!r.ok() || r->size() != 2)) ++unexpected;
          absl::MutexLock lock(&mu);
          ++outcomes[n];
        };
        if (t % 2 == 0) {
          store_->WriteAllAsync(keys_, std::move(ms), [&, check](auto r) {
            check(r);
            ++heard;
          });
        } else {
          check(store_->WriteAll(*keys_, std::move(ms)));
          ++heard;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  // Every async write was committed by some thread before the last
  // WriteAll or WriteAllAsync call returned.
  EXPECT_EQ(heard.load(), kThreads * kEach);
  EXPECT_EQ(unexpected.load(), 0);
  for (int n = 0; n < kThreads * kEach; ++n) EXPECT_EQ(outcomes[n], 1) << "write " << n;
  int stored = 0;
  for (int n = 0; n < kThreads * kEach; ++n) {
    bool doomed = (n % kEach) % 5 == 0;
    for (int k = 0; k < 2; ++k) {
      bool there = store_->Get(*keys_, Kind::kJournalEntry, Id(n * 2 + k))->has_value();
      EXPECT_EQ(there, !doomed) << "write " << n << " mutation " << k;
      stored += there;
    }
  }
  std::map<v1::Visibility, uint64_t> next{{v1::VISIBILITY_SHARED, 1}, {v1::VISIBILITY_PRIVATE, 1}};
  for (const auto& h : Headers()) EXPECT_EQ(h.seq(), next[h.visibility()]++);
  EXPECT_EQ(static_cast<int>(Headers().size()), stored);
}

TEST_F(RecordStoreTest, AnAsyncWritersOutcomeMayQueueTheNextWrite) {
  // A retry from inside `done` (CommitWithRetry's async form): the chain
  // of ten writes completes on the thread that led it, with no deadlock.
  std::atomic<int> written{0};
  std::function<void(int)> write_from = [&](int n) {
    std::vector<Mutation> ms;
    ms.push_back(Journal(Id(100 + n), "chained"));
    store_->WriteAllAsync(keys_, std::move(ms), [&, n](auto r) {
      ASSERT_TRUE(r.ok()) << r.status();
      ++written;
      if (n + 1 < 10) write_from(n + 1);
    });
  };
  write_from(0);
  EXPECT_EQ(written.load(), 10);
  EXPECT_EQ(Headers().size(), 10u);
}

TEST_F(RecordStoreTest, EachWriterOfAGroupHearsTheRecordAsItsOwnWriteLeftIt) {
  // Three writes of one record gathered into one group; the second fails
  // part-way and stores nothing. Each that landed is answered with the
  // record as its own write left it, not as the group did.
  std::vector<absl::StatusOr<std::vector<v1::RecordState>>> heard(3, absl::UnknownError(""));
  auto queue = [&](int i, std::vector<Mutation> ms) {
    store_->WriteAllAsync(
        keys_, std::move(ms), [&heard, i](auto r) { heard[i] = std::move(r); },
        RecordStore::Lead::kLater);
  };
  std::vector<Mutation> first;
  first.push_back(Journal(Id(90), "one"));
  first.back().require = Mutation::Require::kAbsent;
  queue(0, std::move(first));
  std::vector<Mutation> second;
  second.push_back(Journal(Id(90), "two"));
  second.push_back(Journal(Id(90), "never"));
  second.back().require = Mutation::Require::kAbsent;  // it exists: the writer fails
  queue(1, std::move(second));
  std::vector<Mutation> third;
  third.push_back(Journal(Id(90), "three"));
  third.push_back(Journal(Id(91), "beside"));
  third.push_back(Journal(Id(90), "four"));
  queue(2, std::move(third));
  store_->CommitQueued();

  ASSERT_TRUE(heard[0].ok()) << heard[0].status();
  ASSERT_EQ(heard[0]->size(), 1u);
  EXPECT_EQ((*heard[0])[0].record().journal_entry().body(), "one");
  EXPECT_TRUE(absl::IsAlreadyExists(heard[1].status())) << heard[1].status();
  ASSERT_TRUE(heard[2].ok()) << heard[2].status();
  ASSERT_EQ(heard[2]->size(), 3u);
  EXPECT_EQ((*heard[2])[0].record().journal_entry().body(), "three");
  EXPECT_EQ((*heard[2])[1].record().journal_entry().body(), "beside");
  EXPECT_EQ((*heard[2])[2].record().journal_entry().body(), "four");
  EXPECT_EQ((*store_->Get(*keys_, Kind::kJournalEntry, Id(90)))->record().journal_entry().body(),
            "four");
  EXPECT_EQ(Headers().size(), 4u) << "the failed writer stored nothing";
}

TEST_F(RecordStoreTest, WritesQueuedForLaterWaitForCommitQueuedOrTheNextLeader) {
  // The write front's pattern: writes queued without leading wait until
  // CommitQueued, which commits them as one group (one append, one sync).
  std::atomic<int> heard{0};
  for (int i = 0; i < 5; ++i) {
    std::vector<Mutation> ms;
    ms.push_back(Journal(Id(200 + i), "gathered", v1::VISIBILITY_SHARED));
    store_->WriteAllAsync(
        keys_, std::move(ms),
        [&](auto r) {
          EXPECT_TRUE(r.ok()) << r.status();
          ++heard;
        },
        RecordStore::Lead::kLater);
  }
  EXPECT_EQ(heard.load(), 0) << "nothing is written before it is committed";
  EXPECT_TRUE(Headers().empty());
  store_->CommitQueued();
  EXPECT_EQ(heard.load(), 5);
  EXPECT_EQ(Headers().size(), 5u);

  // A blocking writer that comes meanwhile leads, and takes them along.
  std::vector<Mutation> later;
  later.push_back(Journal(Id(300), "queued"));
  store_->WriteAllAsync(
      keys_, std::move(later), [&](auto r) { heard += r.ok() ? 1 : 100; },
      RecordStore::Lead::kLater);
  ASSERT_TRUE(store_->Write(*keys_, Journal(Id(301), "leads")).ok());
  EXPECT_EQ(heard.load(), 6);
  EXPECT_EQ(Headers().size(), 7u);
  store_->CommitQueued();  // nothing left: does nothing
  EXPECT_EQ(heard.load(), 6);
}

TEST_F(RecordStoreTest, AWaitingWriterIsNotHeldByAStreamOfQueuedWrites) {
  // One thread queues writes and commits them, as the write front does,
  // without pause; another writes and waits. The waiting writer's calls
  // return while the stream goes on: whoever leads hands the lead to the
  // committing thread instead of leading the stream for ever.
  constexpr int kCap = 20000;  // the stream's writes if the waiting writer is held
  std::atomic<bool> waiter_done{false};
  std::atomic<int> queued{0}, heard{0};
  std::thread stream([&] {
    while (!waiter_done.load() && queued.load() < kCap) {
      for (int i = 0; i < 4; ++i) {
        std::vector<Mutation> ms;
        ms.push_back(Journal(Id(100000 + queued++), "streamed"));
        store_->WriteAllAsync(
            keys_, std::move(ms), [&](auto r) { heard += r.ok() ? 1 : 0; },
            RecordStore::Lead::kLater);
      }
      store_->CommitQueued();
    }
  });
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(store_->Write(*keys_, Journal(Id(i), "waits")).ok());
  }
  waiter_done = true;
  stream.join();
  EXPECT_LT(queued.load(), kCap) << "the waiting writer returned only once the stream stopped";
  EXPECT_EQ(heard.load(), queued.load()) << "every queued write was committed";
  EXPECT_EQ(Headers().size(), static_cast<size_t>(queued.load() + 20));
}

TEST_F(RecordStoreTest, ResealStoresItsCompanionWriteInTheSameBatch) {
  ASSERT_TRUE(store_->Write(*keys_, Journal(Id(1), "before pairing", v1::VISIBILITY_SHARED)).ok());
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
                                            i % 3 ? v1::VISIBILITY_PRIVATE : v1::VISIBILITY_SHARED))
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
    header.set_visibility(v1::VISIBILITY_SHARED);
    Mutation m =
        Journal(Id(100 + static_cast<int>(seq)), "from the partner", v1::VISIBILITY_SHARED);
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
  auto added = store_->Ingest(keys_.get(), ops);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(*added, 3u);
  // Replayed byte for byte: nothing new.
  EXPECT_EQ(*store_->Ingest(keys_.get(), {ops[1], ops[2]}), 0u);
  // Another op under a seq already held (sealed anew, so other bytes): the
  // author wrote that seq twice. Said, never silently dropped; the op held
  // first stays.
  auto fork = store_->Ingest(keys_.get(), PartnerOps(*partner, 3, 3));
  EXPECT_EQ(fork.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(fork.status().message()), ::testing::HasSubstr("two different ops"));
  auto held = store_->ReadSharedOps(partner->device_public_key, 3, 1, 1 << 20);
  ASSERT_TRUE(held.ok() && held->size() == 1u);
  EXPECT_EQ((*held)[0], ops[2].bytes);
  // A gap is refused and nothing of it is stored.
  auto gap = store_->Ingest(keys_.get(), PartnerOps(*partner, 5, 5));
  EXPECT_EQ(gap.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->SharedVersionVector()[partner->device_public_key], 3u);
  auto got = store_->Get(*keys_, Kind::kJournalEntry, Id(102));
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->record().journal_entry().body(), "from the partner");
}

// A run of the partner's stream (seq 1 signed; 2 and 3 unsigned, signed
// for by 4) whose signing op is refused here, its body breaking a rule: the
// unsigned ops go with it, since no peer would take them from this device
// and a Hello could not prove them. The stream stays at seq 1; another
// stream in the same batch is stored.
TEST_F(RecordStoreTest, ARunWhoseSigningOpIsRefusedIsLeftOutWithIt) {
  auto partner = testing::KeysInSpace(*NewKeys("Sam"), keys_->space_id, keys_->space_key);
  auto other = testing::KeysInSpace(*NewKeys("Kai"), keys_->space_id, keys_->space_key);
  std::vector<RecordStore::RemoteOp> ops;
  std::string prev;
  for (uint64_t seq = 1; seq <= 4; ++seq) {
    v1::OpHeader header;
    header.set_space_id(partner->space_id);
    header.set_author_device(partner->device_public_key);
    header.set_seq(seq);
    header.set_hlc(seq << 16);
    header.set_visibility(v1::VISIBILITY_SHARED);
    header.set_prev_digest(prev);
    Mutation m = Journal(Id(200 + static_cast<int>(seq)), seq == 4 ? "refuse" : "fine",
                         v1::VISIBILITY_SHARED);
    auto op = SealOp(header, m.body, *partner,
                     seq == 2 || seq == 3 ? OpSigning::kByLaterOp : OpSigning::kSign);
    ASSERT_TRUE(op.ok());
    RecordStore::RemoteOp r;
    ASSERT_TRUE(r.header.ParseFromString(op->header()));
    r.bytes = op->SerializeAsString();
    prev = OpDigest(r.bytes);
    ops.push_back(std::move(r));
  }
  for (auto& r : PartnerOps(*other, 1, 2)) ops.push_back(std::move(r));
  store_->SetRemoteOpCheck([](const v1::OpHeader&, const v1::OpBody& body) {
    return body.record().journal_entry().body() == "refuse"
               ? absl::PermissionDeniedError("refused here")
               : absl::OkStatus();
  });
  auto added = store_->Ingest(keys_.get(), ops);
  ASSERT_FALSE(added.ok());
  EXPECT_THAT(std::string(added.status().message()), ::testing::HasSubstr("left out"));
  EXPECT_EQ(store_->SharedVersionVector()[partner->device_public_key], 1u);
  EXPECT_EQ(store_->SharedVersionVector()[other->device_public_key], 2u);
  for (int id : {202, 203}) {
    auto got = store_->Get(*keys_, Kind::kJournalEntry, Id(id));
    ASSERT_TRUE(got.ok());
    EXPECT_FALSE(got->has_value()) << id;
  }
  auto first = store_->Get(*keys_, Kind::kJournalEntry, Id(201));
  ASSERT_TRUE(first.ok() && first->has_value());
}

// Sync may join batches a peer sent apart into one Ingest: every distinct
// reason is named, and a fork among them is never hidden behind a gap.
TEST_F(RecordStoreTest, ABatchNamesEveryReasonItRefusedAndAForkFirst) {
  auto partner = testing::KeysInSpace(*NewKeys("Sam"), keys_->space_id, keys_->space_key);
  ASSERT_TRUE(store_->Ingest(keys_.get(), PartnerOps(*partner, 1, 3)).ok());
  auto joined = PartnerOps(*partner, 5, 5);  // a gap
  auto twice = PartnerOps(*partner, 2, 2);   // seq 2 sealed anew: a fork
  joined.push_back(twice[0]);
  auto next = PartnerOps(*partner, 4, 4);  // fine
  joined.push_back(next[0]);
  auto added = store_->Ingest(keys_.get(), joined);
  EXPECT_EQ(added.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(added.status().message()), ::testing::HasSubstr("sequence gap"));
  EXPECT_THAT(std::string(added.status().message()), ::testing::HasSubstr("two different ops"));
  // The good op was stored all the same.
  EXPECT_EQ(store_->SharedVersionVector()[partner->device_public_key], 4u);
}

// Both of a fork's ops in one batch (one message, or small ones the ingester
// joined): the second is compared with the first, not yet in the store.
TEST_F(RecordStoreTest, AForkInsideOneBatchIsNamedToo) {
  auto partner = testing::KeysInSpace(*NewKeys("Sam"), keys_->space_id, keys_->space_key);
  ASSERT_TRUE(store_->Ingest(keys_.get(), PartnerOps(*partner, 1, 3)).ok());
  auto joined = PartnerOps(*partner, 4, 4);
  auto twice = PartnerOps(*partner, 4, 4);  // seq 4 sealed anew: a fork
  ASSERT_NE(joined[0].bytes, twice[0].bytes);
  const std::string first = joined[0].bytes;
  joined.push_back(twice[0]);
  joined.push_back(PartnerOps(*partner, 4, 4)[0]);  // and the first again: a plain duplicate
  joined.back().bytes = first;
  auto added = store_->Ingest(keys_.get(), joined);
  EXPECT_EQ(added.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(added.status().message()), ::testing::HasSubstr("two different ops"));
  // The one that came first is kept, and it is the one in the log.
  EXPECT_EQ(store_->SharedVersionVector()[partner->device_public_key], 4u);
  auto held = store_->ReadSharedOps(partner->device_public_key, 4, 1, 1 << 20);
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ(held->front(), first);
  // The same two ops one after the other, across two batches, as before.
  auto again = PartnerOps(*partner, 5, 5);
  ASSERT_TRUE(store_->Ingest(keys_.get(), again).ok());
  auto replaced = PartnerOps(*partner, 5, 5);
  EXPECT_EQ(store_->Ingest(keys_.get(), replaced).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(RecordStoreTest, OpsThatArriveWhileLockedAreFoldedAtUnlock) {
  auto partner = testing::KeysInSpace(*NewKeys("Sam"), keys_->space_id, keys_->space_key);
  auto added = store_->Ingest(nullptr, PartnerOps(*partner, 1, 4));  // locked
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

// --- The head of this device's own op log ----------------------------------

// What someone with the disk can do to the store, key by key.
void Erase(Db* db, Cf cf, std::string_view key) {
  Batch batch;
  batch.Delete(cf, std::string(key));
  ASSERT_TRUE(db->Write(batch).ok());
}
void Put(Db* db, Cf cf, std::string_view key, std::string_view value) {
  Batch batch;
  batch.Put(cf, std::string(key), std::string(value));
  ASSERT_TRUE(db->Write(batch).ok());
}
std::string Stored(Db* db, Cf cf, std::string_view key) {
  auto v = db->Get(cf, key);
  EXPECT_TRUE(v.ok() && v->has_value()) << key.size();
  return v.ok() && v->has_value() ? **v : std::string();
}

// The same device's keys as a vault made before the head existed has them.
std::shared_ptr<KeySet> KeysOfAnOlderVault(const KeySet& keys) {
  auto older = testing::KeysInSpace(keys, keys.space_id, keys.space_key);
  older->keeps_own_log_head = false;
  return older;
}

TEST_F(RecordStoreTest, AnUntouchedOwnLogPassesItsCheckAfterEveryRestart) {
  ASSERT_TRUE(keys_->keeps_own_log_head) << "a new vault keeps a head";
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(store_->Write(*keys_, Journal(i, "private")).ok());
  std::vector<Mutation> two;
  two.push_back(Journal(10, "shared", v1::VISIBILITY_SHARED));
  two.push_back(Journal(11, "private too"));
  ASSERT_TRUE(store_->WriteAll(*keys_, std::move(two)).ok());
  Open();
  EXPECT_TRUE(store_->OnUnlock(*keys_).ok());
  ASSERT_TRUE(store_->Write(*keys_, Journal(12, "after the restart")).ok());
  Open();
  EXPECT_TRUE(store_->OnUnlock(*keys_).ok());
  Open();
  // A write before any unlock call checks first, and goes through.
  EXPECT_TRUE(store_->Write(*keys_, Journal(13, "no unlock call first")).ok());
  EXPECT_EQ(Headers().size(), 7u);
}

TEST_F(RecordStoreTest, ADeletedNewestOwnOpIsNamedAtUnlockAndNothingIsWrittenAfterIt) {
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(store_->Write(*keys_, Journal(i, "words")).ok());
  Open();
  // The newest entry goes, op and view entry, as a thief would take it.
  Erase(db_.get(), Cf::kOplog,
        RecordStore::OplogKey(keys_->device_public_key, v1::VISIBILITY_PRIVATE, 3));
  Erase(db_.get(), Cf::kRecords, RecordStore::ViewKey(Kind::kJournalEntry, Id(3)));
  absl::Status unlock = store_->OnUnlock(*keys_);
  EXPECT_EQ(unlock.code(), absl::StatusCode::kDataLoss) << unlock;
  EXPECT_THAT(std::string(unlock.message()),
              ::testing::AllOf(::testing::HasSubstr(
                                   "own private op 3 (the last one this device wrote) is missing"),
                               ::testing::HasSubstr("changed outside Attune"),
                               ::testing::HasSubstr("--accept-own-log-as-is")));
  // Nothing is written on that log: op 3 would be numbered twice.
  auto write = store_->Write(*keys_, Journal(4, "after"));
  EXPECT_EQ(write.status().code(), absl::StatusCode::kDataLoss);
  auto partner = testing::KeysInSpace(*NewKeys("Sam"), keys_->space_id, keys_->space_key);
  EXPECT_TRUE(store_->Ingest(keys_.get(), PartnerOps(*partner, 1, 1)).ok())
      << "another device's ops are not this log's";
  EXPECT_EQ(*store_->OwnOpCount(*keys_), 2u);
  Open();
  EXPECT_EQ(store_->Write(*keys_, Journal(4, "after a restart")).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST_F(RecordStoreTest, EveryWayTheOwnLogCanDisagreeWithItsHeadIsNamed) {
  const std::string& device = keys_->device_public_key;
  for (int i = 1; i <= 4; ++i) ASSERT_TRUE(store_->Write(*keys_, Journal(i, "private")).ok());
  for (int i = 1; i <= 2; ++i) {
    ASSERT_TRUE(store_->Write(*keys_, Journal(10 + i, "shared", v1::VISIBILITY_SHARED)).ok());
  }
  ASSERT_TRUE(store_->CheckOwnLog(*keys_).ok());
  auto refused_with = [&](const std::string& part) {
    absl::Status s = store_->CheckOwnLog(*keys_);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << part;
    EXPECT_THAT(std::string(s.message()), ::testing::HasSubstr(part));
  };
  const std::string p2 = RecordStore::OplogKey(device, v1::VISIBILITY_PRIVATE, 2);
  const std::string p3 = RecordStore::OplogKey(device, v1::VISIBILITY_PRIVATE, 3);
  const std::string p4 = RecordStore::OplogKey(device, v1::VISIBILITY_PRIVATE, 4);
  const std::string s2 = RecordStore::OplogKey(device, v1::VISIBILITY_SHARED, 2);
  const std::string head_key(RecordStore::OwnLogHeadKey());

  // An op in the middle.
  const std::string op2 = Stored(db_.get(), Cf::kOplog, p2);
  Erase(db_.get(), Cf::kOplog, p2);
  refused_with("own private op 2 is missing from the data folder");
  Put(db_.get(), Cf::kOplog, p2, op2);
  EXPECT_TRUE(store_->CheckOwnLog(*keys_).ok());

  // An op in the middle overwritten with a copy of another op of this device:
  // its words gone, every key in place.
  Put(db_.get(), Cf::kOplog, p2, Stored(db_.get(), Cf::kOplog, p3));
  refused_with("own private ops before op 4 in the data folder are not the ones this device wrote");
  Put(db_.get(), Cf::kOplog, p2, op2);
  EXPECT_TRUE(store_->CheckOwnLog(*keys_).ok());

  // The newest shared op.
  const std::string shared2 = Stored(db_.get(), Cf::kOplog, s2);
  Erase(db_.get(), Cf::kOplog, s2);
  refused_with("own shared op 2 (the last one this device wrote) is missing");
  Put(db_.get(), Cf::kOplog, s2, shared2);

  // The newest op replaced by another one of this device.
  const std::string op4 = Stored(db_.get(), Cf::kOplog, p4);
  Put(db_.get(), Cf::kOplog, p4, Stored(db_.get(), Cf::kOplog, p3));
  refused_with("own private op 4 in the data folder is not the one this device wrote");
  Put(db_.get(), Cf::kOplog, p4, op4);
  ASSERT_TRUE(store_->CheckOwnLog(*keys_).ok());

  // An older head put back, the ops kept.
  const std::string head4 = Stored(db_.get(), Cf::kMeta, head_key);
  ASSERT_TRUE(store_->Write(*keys_, Journal(5, "private")).ok());
  const std::string head5 = Stored(db_.get(), Cf::kMeta, head_key);
  Put(db_.get(), Cf::kMeta, head_key, head4);
  refused_with("holds own private ops up to 5, but this device wrote only up to 4");

  // A head changed by one bit, or missing.
  std::string flipped = head5;
  flipped[flipped.size() / 2] ^= 1;
  Put(db_.get(), Cf::kMeta, head_key, flipped);
  refused_with("the record of this device's own op log in the data folder fails its check");
  Erase(db_.get(), Cf::kMeta, head_key);
  refused_with("the record of this device's own op log is missing from the data folder");

  Put(db_.get(), Cf::kMeta, head_key, head5);
  EXPECT_TRUE(store_->CheckOwnLog(*keys_).ok());
}

TEST_F(RecordStoreTest, AFolderWrittenBeforeTheHeadGetsOneAtUnlockAndIsCheckedFromThen) {
  for (int i = 1; i <= 2; ++i) ASSERT_TRUE(store_->Write(*keys_, Journal(i, "words")).ok());
  // As an older attuned left it: no head, and a vault that promises none.
  Erase(db_.get(), Cf::kMeta, RecordStore::OwnLogHeadKey());
  auto older = KeysOfAnOlderVault(*keys_);
  Open();
  ASSERT_TRUE(store_->OnUnlock(*older).ok());
  EXPECT_FALSE(Stored(db_.get(), Cf::kMeta, RecordStore::OwnLogHeadKey()).empty());
  Open();
  Erase(db_.get(), Cf::kOplog,
        RecordStore::OplogKey(keys_->device_public_key, v1::VISIBILITY_PRIVATE, 2));
  EXPECT_EQ(store_->OnUnlock(*older).code(), absl::StatusCode::kDataLoss);
}

TEST_F(RecordStoreTest, AcceptingTheOwnLogAsItIsUnlocksAndChecksFromThere) {
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(store_->Write(*keys_, Journal(i, "words")).ok());
  Erase(db_.get(), Cf::kOplog,
        RecordStore::OplogKey(keys_->device_public_key, v1::VISIBILITY_PRIVATE, 2));
  Open();
  ASSERT_EQ(store_->OnUnlock(*keys_).code(), absl::StatusCode::kDataLoss);
  ASSERT_TRUE(store_->RequestAcceptOwnLog().ok());
  Open();
  ASSERT_TRUE(store_->OnUnlock(*keys_).ok());
  ASSERT_TRUE(store_->Write(*keys_, Journal(4, "goes on")).ok());
  Open();
  ASSERT_TRUE(store_->OnUnlock(*keys_).ok()) << "the accepted gap is part of the head";
  // Accepted once, not for good.
  Erase(db_.get(), Cf::kOplog,
        RecordStore::OplogKey(keys_->device_public_key, v1::VISIBILITY_PRIVATE, 4));
  EXPECT_EQ(store_->OnUnlock(*keys_).code(), absl::StatusCode::kDataLoss);
}

TEST_F(RecordStoreTest, OwnOpsTakenBackFromAPeerAndOpsSealedAgainMoveTheHead) {
  const std::string& device = keys_->device_public_key;
  ASSERT_TRUE(store_->Write(*keys_, Journal(1, "one", v1::VISIBILITY_SHARED)).ok());
  const std::string head1 = Stored(db_.get(), Cf::kMeta, RecordStore::OwnLogHeadKey());
  for (int i = 2; i <= 3; ++i) {
    ASSERT_TRUE(store_->Write(*keys_, Journal(i, "more", v1::VISIBILITY_SHARED)).ok());
  }
  auto sent = store_->ReadSharedOps(device, 2, 10, 1 << 20);
  ASSERT_TRUE(sent.ok() && sent->size() == 2u);
  // The data folder put back whole from a copy made after op 1: consistent,
  // so it unlocks (it cannot be told from a backup put back).
  Erase(db_.get(), Cf::kOplog, RecordStore::OplogKey(device, v1::VISIBILITY_SHARED, 2));
  Erase(db_.get(), Cf::kOplog, RecordStore::OplogKey(device, v1::VISIBILITY_SHARED, 3));
  Put(db_.get(), Cf::kMeta, RecordStore::OwnLogHeadKey(), head1);
  Open();
  ASSERT_TRUE(store_->OnUnlock(*keys_).ok());
  // A partner gives ops 2 and 3 back.
  std::vector<RecordStore::RemoteOp> back;
  for (const std::string& bytes : *sent) {
    v1::Op op;
    ASSERT_TRUE(op.ParseFromString(bytes));
    RecordStore::RemoteOp r;
    ASSERT_TRUE(r.header.ParseFromString(op.header()));
    r.bytes = bytes;
    back.push_back(std::move(r));
  }
  auto added = store_->Ingest(keys_.get(), back);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(*added, 2u);
  Open();
  ASSERT_TRUE(store_->OnUnlock(*keys_).ok());
  ASSERT_TRUE(store_->Write(*keys_, Journal(4, "four", v1::VISIBILITY_SHARED)).ok());
  EXPECT_EQ(Headers().back().seq(), 4u);
  // Joining a space seals every own op again: the head follows.
  SecretBytes space_key(kSymmetricKeyBytes);
  randombytes_buf(space_key.data(), space_key.size());
  auto joined = testing::KeysInSpace(*keys_, std::string(16, 'S'), space_key);
  ASSERT_TRUE(store_->ResealOwnOps(*keys_, *joined).ok());
  Open();
  EXPECT_TRUE(store_->OnUnlock(*joined).ok());
  // Each resealed op names its resealed predecessor (v1::OpHeader.prev_digest),
  // and the next write names the last of them.
  ASSERT_TRUE(store_->Write(*joined, Journal(5, "five", v1::VISIBILITY_SHARED)).ok());
  auto ops = store_->ReadSharedOps(device, 1, 10, 1 << 20);
  ASSERT_TRUE(ops.ok() && ops->size() == 5u);
  for (size_t i = 0; i < ops->size(); ++i) {
    v1::Op op;
    v1::OpHeader header;
    ASSERT_TRUE(op.ParseFromString((*ops)[i]) && header.ParseFromString(op.header()));
    EXPECT_EQ(header.prev_digest(), i == 0 ? std::string() : OpDigest((*ops)[i - 1])) << i;
  }
}

}  // namespace
}  // namespace attune
