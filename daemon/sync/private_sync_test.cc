// A person's private ops travel among that person's own devices only: the
// checks a receiving daemon applies (CheckIncomingOp with the person it may
// take private ops of), and the store numbering, keeping and folding a
// linked device's private stream beside the shared ones.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "daemon/base/clock.h"
#include "daemon/store/record_store.h"
#include "daemon/sync/membership.h"
#include "daemon/sync/op_checker.h"
#include "daemon/sync/peer_status.h"
#include "daemon/sync/sync_session.h"
#include "daemon/vault/op_crypto.h"
#include "tests/support/test_keys.h"
#include "tests/support/test_members.h"

namespace attune {
namespace {

using ::attune::testing::DeviceOfPerson;
using ::attune::testing::KeysInSpace;
using ::attune::testing::NewKeys;
using ::attune::testing::TempDir;
using ::testing::HasSubstr;

// One store, one membership: Alex's laptop (the founder), Alex's phone
// (linked, same person), and Sam's laptop (a partner).
class PrivateSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DbOptions options;
    options.path = dir_.path() + "/db";
    db_ = *Db::Open(options);
    store_ = std::make_unique<RecordStore>(db_.get(), &clock_);
    members_ = std::make_unique<Membership>(db_.get());
    std::vector<v1::MemberCert> certs;
    for (const KeySet* k : {laptop_.get(), phone_.get(), sam_.get()}) {
      certs.push_back(::attune::testing::MemberCertOf(laptop_->space_id, *k, *laptop_));
    }
    ASSERT_TRUE(members_->Merge(laptop_->space_id, certs).ok());
    ASSERT_EQ(members_->All().size(), 3u);
  }

  // An op of `author`, sealed and signed as its daemon would.
  v1::Op OpOf(const KeySet& author, v1::Visibility vis, uint64_t seq, const std::string& text) {
    v1::OpHeader header;
    header.set_space_id(author.space_id);
    header.set_author_device(author.device_public_key);
    header.set_seq(seq);
    header.set_hlc(static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())) << 16 | seq);
    header.set_visibility(vis);
    v1::OpBody body;
    body.set_kind(static_cast<uint32_t>(Kind::kJournalEntry));
    std::string id = author.member_id.substr(0, 8) + std::string(7, static_cast<char>(seq)) +
                     (vis == v1::VISIBILITY_PRIVATE ? 'p' : 's');
    body.set_record_id(id);
    v1::JournalEntry* entry = body.mutable_record()->mutable_journal_entry();
    entry->set_body(text);
    entry->set_visibility(vis);
    body.add_fields(3);  // body
    body.add_fields(5);  // visibility
    auto op = SealOp(header, body, author);
    EXPECT_TRUE(op.ok()) << op.status();
    return *op;
  }

  absl::StatusOr<RecordStore::RemoteOp> Check(const v1::Op& op, const std::string* person) {
    return CheckIncomingOp(op, laptop_->space_id, *members_, UINT64_MAX, person);
  }

  TempDir dir_;
  SystemClock clock_;
  std::shared_ptr<const KeySet> laptop_ = NewKeys("Alex");
  std::shared_ptr<const KeySet> phone_ = DeviceOfPerson(*laptop_, *NewKeys("phone"));
  std::shared_ptr<const KeySet> sam_ =
      KeysInSpace(*NewKeys("Sam"), laptop_->space_id, laptop_->space_key);
  std::unique_ptr<Db> db_;
  std::unique_ptr<RecordStore> store_;
  std::unique_ptr<Membership> members_;
};

// The phone's private op reaches the laptop (same person), and nothing
// private from anyone else is ever taken: not Sam's own, not Alex's when the
// stream is not with one of Alex's devices.
TEST_F(PrivateSyncTest, OnlyThePersonsOwnPrivateOpsAreTakenAndOnlyFromTheirDevices) {
  const std::string alex = laptop_->member_id;
  EXPECT_TRUE(Check(OpOf(*phone_, v1::VISIBILITY_PRIVATE, 1, "mine"), &alex).ok());
  auto from_partner = Check(OpOf(*phone_, v1::VISIBILITY_PRIVATE, 1, "mine"), nullptr);
  EXPECT_EQ(from_partner.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(from_partner.status().message(), HasSubstr("only among its author's own devices"));
  EXPECT_EQ(Check(OpOf(*sam_, v1::VISIBILITY_PRIVATE, 1, "sam's"), &alex).status().code(),
            absl::StatusCode::kPermissionDenied);
  // Shared ops come from anyone who is a member.
  EXPECT_TRUE(Check(OpOf(*sam_, v1::VISIBILITY_SHARED, 1, "ours"), nullptr).ok());
}

// On the laptop: the phone's private ops are numbered in their own stream
// beside its shared ones, gaps refused, and they open with the personal key.
// While locked they wait in the log and are folded at unlock.
TEST_F(PrivateSyncTest, TheStoreKeepsALinkedDevicesPrivateStreamBesideItsSharedOne) {
  const std::string alex = laptop_->member_id;
  std::vector<RecordStore::RemoteOp> ops;
  for (auto [vis, seq, text] : {std::tuple{v1::VISIBILITY_PRIVATE, 1, "private one"},
                                {v1::VISIBILITY_SHARED, 1, "shared one"},
                                {v1::VISIBILITY_PRIVATE, 2, "private two"}}) {
    auto checked = Check(OpOf(*phone_, vis, static_cast<uint64_t>(seq), text), &alex);
    ASSERT_TRUE(checked.ok()) << checked.status();
    ops.push_back(*checked);
  }
  auto added = store_->Ingest(nullptr, ops);  // locked: kept, folded later
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(*added, 3u);
  EXPECT_EQ(store_->PrivateVersionVector()[phone_->device_public_key], 2u);
  EXPECT_EQ(store_->SharedVersionVector()[phone_->device_public_key], 1u);
  ASSERT_TRUE(store_->FoldPending(*laptop_).ok());
  auto entry = store_->Get(*laptop_, Kind::kJournalEntry,
                           laptop_->member_id.substr(0, 8) + std::string(7, '\2') + 'p');
  ASSERT_TRUE(entry.ok() && entry->has_value());
  EXPECT_EQ((*entry)->record().journal_entry().body(), "private two");

  // A gap in the private stream is refused; the shared stream is not held up.
  auto gap = Check(OpOf(*phone_, v1::VISIBILITY_PRIVATE, 4, "private four"), &alex);
  auto next_shared = Check(OpOf(*phone_, v1::VISIBILITY_SHARED, 2, "shared two"), &alex);
  ASSERT_TRUE(gap.ok() && next_shared.ok());
  auto refused = store_->Ingest(laptop_.get(), {*gap, *next_shared});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->PrivateVersionVector()[phone_->device_public_key], 2u);
  EXPECT_EQ(store_->SharedVersionVector()[phone_->device_public_key], 2u);

  // The same private op again is a duplicate; another op under a seq held is
  // a fork, and the one held first is kept.
  auto again = Check(OpOf(*phone_, v1::VISIBILITY_PRIVATE, 2, "private two, again"), &alex);
  ASSERT_TRUE(again.ok());
  auto fork = store_->Ingest(laptop_.get(), {*again});
  EXPECT_EQ(fork.status().code(), absl::StatusCode::kDataLoss);
  entry = store_->Get(*laptop_, Kind::kJournalEntry,
                      laptop_->member_id.substr(0, 8) + std::string(7, '\2') + 'p');
  EXPECT_EQ((*entry)->record().journal_entry().body(), "private two");
}

// A local write of a private entry on the phone, as its daemon would.
Mutation PrivateEntry(const KeySet& author, char id, const std::string& text) {
  Mutation m;
  m.visibility = v1::VISIBILITY_PRIVATE;
  m.body.set_kind(static_cast<uint32_t>(Kind::kJournalEntry));
  m.body.set_record_id(author.member_id.substr(0, 8) + std::string(8, id));
  m.body.mutable_record()->mutable_journal_entry()->set_body(text);
  m.body.add_fields(3);
  return m;
}

// Ops that waited in the log while the laptop was locked are folded before
// a later batch of the same stream, even when that batch comes in with the
// keys before the unlock's FoldPending ran: none is passed over.
TEST_F(PrivateSyncTest, OpsThatWaitedWhileLockedAreFoldedBeforeALaterBatch) {
  const std::string alex = laptop_->member_id;
  auto first = Check(OpOf(*phone_, v1::VISIBILITY_PRIVATE, 1, "while locked"), &alex);
  auto second = Check(OpOf(*phone_, v1::VISIBILITY_PRIVATE, 2, "after unlock"), &alex);
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE(store_->Ingest(nullptr, {*first}).ok());
  ASSERT_TRUE(store_->Ingest(laptop_.get(), {*second}).ok());
  for (char seq : {'\1', '\2'}) {
    auto entry = store_->Get(*laptop_, Kind::kJournalEntry,
                             laptop_->member_id.substr(0, 8) + std::string(7, seq) + 'p');
    ASSERT_TRUE(entry.ok() && entry->has_value()) << "seq " << int(seq) << " was passed over";
  }
}

// The phone's data folder put back from an older copy: the laptop shows it
// its own private op at a seq past its log, and the phone writes nothing
// until it has taken its private ops back (it would number one twice).
TEST_F(PrivateSyncTest, ADeviceBehindOnItsOwnPrivateOpsWritesNothingUntilItHasThemBack) {
  DbOptions options;
  options.path = dir_.path() + "/phone";
  auto phone_db = *Db::Open(options);
  RecordStore phone(phone_db.get(), &clock_);
  ASSERT_TRUE(phone.Write(*phone_, PrivateEntry(*phone_, 'a', "kept")).ok());
  // What the laptop holds of the phone: seqs 1 and 2 (the copy had only 1).
  v1::Op held_one = OpOf(*phone_, v1::VISIBILITY_PRIVATE, 1, "kept");
  auto own_one = phone.ReadOps(phone_->device_public_key, v1::VISIBILITY_PRIVATE, 1, 1, 1 << 20);
  ASSERT_TRUE(own_one.ok() && own_one->size() == 1);
  ASSERT_TRUE(held_one.ParseFromString(own_one->front()));
  v1::Op held_two = OpOf(*phone_, v1::VISIBILITY_PRIVATE, 2, "written after the copy");
  ASSERT_TRUE(
      phone.NoteOwnOpsHeldByPeer(phone_->device_public_key, 2, v1::VISIBILITY_PRIVATE).ok());
  auto refused = phone.Write(*phone_, PrivateEntry(*phone_, 'b', "would reuse seq 2"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("your other device"));
  EXPECT_THAT(phone.WriteBlock(), HasSubstr("private op 2"));
  // Its own op back: writes go on, numbered after it.
  auto back = Check(held_two, &laptop_->member_id);
  ASSERT_TRUE(back.ok());
  ASSERT_TRUE(phone.Ingest(phone_.get(), {*back}).ok());
  EXPECT_EQ(phone.WriteBlock(), "");
  ASSERT_TRUE(phone.Write(*phone_, PrivateEntry(*phone_, 'b', "numbered 3")).ok());
  EXPECT_EQ(phone.PrivateVersionVector()[phone_->device_public_key], 3u);
}

// Linking re-seals a device that has written nothing, checked with the
// write; and a write with keys fetched before the device moved to the new
// space is refused instead of sealing an op for the space it left.
TEST_F(PrivateSyncTest, LinkingTakesOnlyAnEmptyDeviceAndOldKeysWriteNothingAfterwards) {
  DbOptions options;
  options.path = dir_.path() + "/new";
  auto db = *Db::Open(options);
  RecordStore fresh(db.get(), &clock_);
  auto before = NewKeys("new phone");
  auto linked = DeviceOfPerson(*laptop_, *before);
  ASSERT_TRUE(fresh.ResealOwnOps(*before, *linked, {}, /*only_if_empty=*/true).ok());
  auto stale = fresh.Write(*before, PrivateEntry(*before, 'x', "with the old keys"));
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(fresh.Write(*linked, PrivateEntry(*linked, 'y', "as Alex")).ok());

  options.path = dir_.path() + "/used";
  auto used_db = *Db::Open(options);
  RecordStore used(used_db.get(), &clock_);
  auto own = NewKeys("used");
  ASSERT_TRUE(used.Write(*own, PrivateEntry(*own, 'z', "already mine")).ok());
  auto refused = used.ResealOwnOps(*own, *DeviceOfPerson(*laptop_, *own), {}, true);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(), HasSubstr("only a device that has written nothing"));
}

// One side of a stream for SyncSession: hands it `hello`, records what it
// writes, and ends the stream once `done` holds for what was written.
class ScriptedStream : public MessageStream {
 public:
  ScriptedStream(v1::SyncMessage hello, std::function<bool(const v1::SyncMessage&)> done)
      : hello_(std::move(hello)), done_(std::move(done)) {}
  bool Read(v1::SyncMessage* message) override {
    absl::MutexLock lock(&mu_);
    if (!hello_sent_) {
      hello_sent_ = true;
      *message = hello_;
      return true;
    }
    mu_.AwaitWithTimeout(absl::Condition(&finished_), absl::Seconds(60));
    return false;  // the peer closes the stream
  }
  bool Write(const v1::SyncMessage& message) override {
    absl::MutexLock lock(&mu_);
    written_.push_back(message);
    if (done_(message)) finished_ = true;
    return true;
  }
  bool Cancelled() override { return false; }
  std::vector<v1::SyncMessage> written() {
    absl::MutexLock lock(&mu_);
    return written_;
  }

 private:
  const v1::SyncMessage hello_;
  const std::function<bool(const v1::SyncMessage&)> done_;
  absl::Mutex mu_;
  bool hello_sent_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<v1::SyncMessage> written_ ABSL_GUARDED_BY(mu_);
};

// The laptop's own session with a peer (it listens; the peer said Hello and
// claims to hold nothing): the private ops it would send, and whether the
// stream ended because `done` held.
struct Sent {
  std::vector<v1::OpHeader> ops;
  bool done = false;
};

class SenderTest : public PrivateSyncTest {
 protected:
  void SetUp() override {
    // The laptop's keys come from a vault the session can ask who it is.
    laptop_ = *vault_.Init("test passphrase", "Alex", MinimumKdf());
    phone_ = DeviceOfPerson(*laptop_, *NewKeys("phone"));
    sam_ = KeysInSpace(*NewKeys("Sam"), laptop_->space_id, laptop_->space_key);
    PrivateSyncTest::SetUp();
  }

  Sent Session(const KeySet& peer, const std::function<bool(const v1::OpHeader&)>& done,
               const google::protobuf::RepeatedPtrField<v1::VersionEntry>& claimed_private = {}) {
    v1::SyncMessage hello;
    hello.mutable_hello()->set_protocol_version(kProtocolVersion);
    hello.mutable_hello()->set_space_id(laptop_->space_id);
    hello.mutable_hello()->set_device(peer.device_public_key);
    *hello.mutable_hello()->mutable_private_version_vector() = claimed_private;
    ScriptedStream stream(hello, [&](const v1::SyncMessage& m) {
      for (const auto& op : m.ops().ops()) {
        v1::OpHeader h;
        if (h.ParseFromString(op.header()) && done(h)) return true;
      }
      return false;
    });
    PeerStatusBook peers(db_.get());
    SessionEnv env;
    env.store = store_.get();
    env.members = members_.get();
    env.vault = &vault_;
    env.peers = &peers;
    env.clock = &clock_;
    env.space_id = laptop_->space_id;
    env.self_device = laptop_->device_public_key;
    SyncSession session(env, &stream, /*dialer=*/false, peer.device_public_key);
    EXPECT_TRUE(session.Run().ok());
    Sent out;
    for (const auto& m : stream.written()) {
      for (const auto& op : m.ops().ops()) {
        v1::OpHeader h;
        EXPECT_TRUE(h.ParseFromString(op.header()));
        if (done(h)) out.done = true;
        if (h.visibility() == v1::VISIBILITY_PRIVATE) out.ops.push_back(h);
      }
    }
    return out;
  }

  testing::MemoryVaultPersistence persistence_;
  Vault vault_{&persistence_};
};

// On the laptop: its own private entry, the phone's (taken earlier), and a
// shared one. A stream with Sam's device carries the shared op and no
// private op, whatever Sam's Hello claims about private streams; a stream
// with the phone carries the laptop's private op.
TEST_F(SenderTest, PrivateOpsAreSentOnlyToAnotherDeviceOfTheSamePerson) {
  const std::string alex = laptop_->member_id;
  auto phones = Check(OpOf(*phone_, v1::VISIBILITY_PRIVATE, 1, "from the phone"), &alex);
  ASSERT_TRUE(phones.ok()) << phones.status();
  ASSERT_TRUE(store_->Ingest(laptop_.get(), {*phones}).ok());
  ASSERT_TRUE(store_->Write(*laptop_, PrivateEntry(*laptop_, 'l', "the laptop's own")).ok());
  Mutation shared = PrivateEntry(*laptop_, 's', "ours");
  shared.visibility = v1::VISIBILITY_SHARED;
  ASSERT_TRUE(store_->Write(*laptop_, shared).ok());

  google::protobuf::RepeatedPtrField<v1::VersionEntry> claims;  // "I hold none of them"
  for (const KeySet* k : {laptop_.get(), phone_.get()}) {
    v1::VersionEntry* e = claims.Add();
    e->set_device(k->device_public_key);
    e->set_seq(0);
  }
  Sent to_sam = Session(
      *sam_, [](const v1::OpHeader& h) { return h.visibility() == v1::VISIBILITY_SHARED; }, claims);
  EXPECT_TRUE(to_sam.done) << "the shared op was not sent";
  EXPECT_TRUE(to_sam.ops.empty()) << to_sam.ops.size() << " private ops went to Sam's device";

  Sent to_phone = Session(*phone_, [&](const v1::OpHeader& h) {
    return h.visibility() == v1::VISIBILITY_PRIVATE &&
           h.author_device() == laptop_->device_public_key;
  });
  EXPECT_TRUE(to_phone.done) << "the laptop's private op did not reach the phone";
  for (const auto& h : to_phone.ops) {
    EXPECT_TRUE(h.author_device() == laptop_->device_public_key ||
                h.author_device() == phone_->device_public_key);
  }
}

}  // namespace
}  // namespace attune
