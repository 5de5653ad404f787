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
#include "daemon/vault/op_crypto.h"
#include "tests/support/test_keys.h"

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
      v1::MemberCertBody body;
      body.set_space_id(laptop_->space_id);
      body.set_device(k->device_public_key);
      body.set_member_id(k->member_id);
      body.set_display_name(k->display_name);
      body.set_added_by(laptop_->device_public_key);
      certs.push_back(SignMemberCert(body, *laptop_));
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
    return CheckIncomingOp(op, laptop_->space_id, 0, *members_, UINT64_MAX, person);
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

}  // namespace
}  // namespace attune
