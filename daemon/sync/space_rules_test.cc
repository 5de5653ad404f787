// Removing devices and key epochs (space_rules.h), as every receiving
// daemon judges them: who may remove whom, what a removed device can still
// do (nothing new), crossed and mutual removals, and which keys seal and
// open ops afterwards.
#include "daemon/sync/space_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include "absl/time/clock.h"
#include "daemon/base/clock.h"
#include "daemon/records/kinds.h"
#include "daemon/sync/membership.h"
#include "daemon/sync/op_checker.h"
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

constexpr uint64_t kNow = 1'800'000'000'000;

// One membership as one daemon holds it: Alex's laptop (the founder) and
// phone, Sam's laptop and tablet.
class SpaceRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DbOptions options;
    options.path = dir_.path() + "/db";
    db_ = *Db::Open(options);
    members_ = std::make_unique<Membership>(db_.get());
    auto cert = [&](const KeySet& k, const KeySet& by) {
      return testing::MemberCertOf(laptop_->space_id, k, by, kNow - 1000);
    };
    std::vector<v1::MemberCert> certs = {cert(*laptop_, *laptop_), cert(*phone_, *laptop_),
                                         cert(*sam_, *laptop_), cert(*tablet_, *sam_)};
    ASSERT_TRUE(members_->Merge(laptop_->space_id, certs).ok());
    ASSERT_EQ(members_->Bodies().size(), 4u);
  }

  absl::StatusOr<v1::SpaceChange> Remove(const KeySet& by, const KeySet& device,
                                         uint64_t last_shared = 0, uint64_t last_private = 0) {
    return MakeSpaceChange(by, members_->CertBodies(), members_->View(), device.device_public_key,
                           last_shared, last_private, kNow);
  }
  void Merge(const absl::StatusOr<v1::SpaceChange>& change) {
    ASSERT_TRUE(change.ok()) << change.status();
    auto merged = members_->MergeChanges(laptop_->space_id, {*change});
    ASSERT_TRUE(merged.ok()) << merged.status();
  }

  // `device`'s keys as its vault would hand them out now.
  std::shared_ptr<const KeySet> Now(const KeySet& device) {
    auto keys = KeysInSpace(device, device.space_id, device.space_key);
    keys->epochs = BuildKeyring(*keys, members_->Now().changes, members_->View(), {});
    return keys;
  }

  v1::Op OpOf(const KeySet& author, v1::Visibility vis, uint64_t seq) {
    v1::OpHeader header;
    header.set_space_id(author.space_id);
    header.set_author_device(author.device_public_key);
    header.set_seq(seq);
    header.set_hlc(kNow << 16 | seq);
    header.set_visibility(vis);
    v1::OpBody body;
    body.set_kind(static_cast<uint32_t>(Kind::kJournalEntry));
    body.set_record_id(author.member_id.substr(0, 8) + std::string(8, static_cast<char>(seq)));
    body.mutable_record()->mutable_journal_entry()->set_body("words");
    auto op = SealOp(header, body, author);
    EXPECT_TRUE(op.ok()) << op.status();
    return *op;
  }
  uint32_t EpochOf(const v1::Op& op) {
    v1::OpHeader h;
    EXPECT_TRUE(h.ParseFromString(op.header()));
    return h.key_epoch();
  }

  TempDir dir_;
  std::shared_ptr<const KeySet> laptop_ = NewKeys("Alex");
  std::shared_ptr<const KeySet> phone_ = DeviceOfPerson(*laptop_, *NewKeys("phone"));
  std::shared_ptr<const KeySet> sam_ =
      KeysInSpace(*NewKeys("Sam"), laptop_->space_id, laptop_->space_key);
  std::shared_ptr<const KeySet> tablet_ = DeviceOfPerson(*sam_, *NewKeys("tablet"));
  std::unique_ptr<Db> db_;
  std::unique_ptr<Membership> members_;
};

// Alex removes the lost phone: it is no member, the space moves to epoch 1
// whose key the phone never gets, Alex's personal key moves on too, and
// what was written before still opens for the rest.
TEST_F(SpaceRulesTest, RemovingADeviceStartsAnEpochItNeverReceives) {
  v1::Op before = OpOf(*Now(*laptop_), v1::VISIBILITY_SHARED, 1);
  Merge(Remove(*laptop_, *phone_, 3, 2));
  EXPECT_TRUE(members_->IsRemoved(phone_->device_public_key));
  EXPECT_FALSE(members_->IsMember(phone_->device_public_key));
  EXPECT_TRUE(members_->IsMember(sam_->device_public_key));
  EXPECT_EQ(members_->MaxEpoch(), 1u);
  EXPECT_FALSE(members_->View().needs_new_epoch);

  auto laptop = Now(*laptop_), sam = Now(*sam_), phone = Now(*phone_);
  EXPECT_EQ(laptop->SealingEpoch(), 1u);
  EXPECT_EQ(sam->SealingEpoch(), 1u);
  EXPECT_EQ(phone->SealingEpoch(), 0u);
  v1::Op shared = OpOf(*laptop, v1::VISIBILITY_SHARED, 2);
  EXPECT_EQ(EpochOf(shared), 1u);
  EXPECT_TRUE(OpenOp(shared, *sam, nullptr).ok());
  EXPECT_TRUE(OpenOp(shared, *Now(*tablet_), nullptr).ok());
  EXPECT_EQ(OpenOp(shared, *phone, nullptr).status().code(), absl::StatusCode::kFailedPrecondition);
  // Alex's private ops now seal under a personal key the phone lacks.
  v1::Op secret = OpOf(*laptop, v1::VISIBILITY_PRIVATE, 1);
  EXPECT_FALSE(OpenOp(secret, *phone, nullptr).ok());
  EXPECT_TRUE(OpenOp(secret, *laptop, nullptr).ok());
  // Before the removal: still readable to the rest.
  EXPECT_TRUE(OpenOp(before, *sam, nullptr).ok());

  // Kept across a restart.
  Membership again(db_.get());
  ASSERT_TRUE(again.Load().ok());
  EXPECT_TRUE(again.IsRemoved(phone_->device_public_key));
  EXPECT_EQ(again.MaxEpoch(), 1u);
}

// Every daemon refuses a removed device's ops after what its remover held,
// whoever relays them, and keeps those before.
TEST_F(SpaceRulesTest, ARemovedDevicesLaterOpsAreRefusedEverywhere) {
  Merge(Remove(*laptop_, *phone_, 3, 2));
  const std::string alex = laptop_->member_id;
  auto check = [&](const v1::Op& op, const std::string* person) {
    return CheckIncomingOp(op, laptop_->space_id, *members_, UINT64_MAX, person).status();
  };
  EXPECT_TRUE(check(OpOf(*phone_, v1::VISIBILITY_SHARED, 3), nullptr).ok());
  absl::Status later = check(OpOf(*phone_, v1::VISIBILITY_SHARED, 4), nullptr);
  EXPECT_EQ(later.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(later.message(), HasSubstr("removed"));
  EXPECT_TRUE(check(OpOf(*phone_, v1::VISIBILITY_PRIVATE, 2), &alex).ok());
  EXPECT_EQ(check(OpOf(*phone_, v1::VISIBILITY_PRIVATE, 3), &alex).code(),
            absl::StatusCode::kPermissionDenied);
  // An epoch no change started is refused.
  auto ahead = KeysInSpace(*sam_, sam_->space_id, sam_->space_key);
  auto ring = std::make_shared<EpochKeyring>();
  ring->epochs[7].space.push_back(std::make_shared<const SecretBytes>(kSymmetricKeyBytes));
  ring->sealing_epoch = 7;
  ring->sealing_space = ring->epochs[7].space.front().get();
  ahead->epochs = ring;
  absl::Status unknown = check(OpOf(*ahead, v1::VISIBILITY_SHARED, 1), nullptr);
  EXPECT_THAT(unknown.message(), HasSubstr("unknown key epoch 7"));
}

// A partner removes a person's device only when it is that person's only
// one (or the rest were removed by their own person); a change that breaks
// the rule counts nowhere.
TEST_F(SpaceRulesTest, APartnerRemovesOnlyAPersonsLastDevice) {
  auto refused = Remove(*sam_, *phone_);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("has another device"));
  // Signed by hand: every daemon checks it again and drops it.
  v1::SpaceChangeBody body;
  body.set_space_id(laptop_->space_id);
  body.set_made_by(sam_->device_public_key);
  body.set_made_at_ms(0);  // before any device was added: no time counts
  body.set_removed_device(phone_->device_public_key);
  v1::SpaceChange forged;
  body.SerializeToString(forged.mutable_body());
  std::string msg = "attune-space-change-v1" + forged.body();
  forged.mutable_signature()->resize(crypto_sign_BYTES);
  crypto_sign_detached(reinterpret_cast<unsigned char*>(forged.mutable_signature()->data()),
                       nullptr, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                       sam_->device_secret_key.data());
  auto merged = members_->MergeChanges(laptop_->space_id, {forged});
  ASSERT_TRUE(merged.ok());
  EXPECT_FALSE(*merged);
  EXPECT_TRUE(members_->IsMember(phone_->device_public_key));

  // Sam removes his tablet; then Alex may remove Sam's laptop, his last.
  Merge(Remove(*sam_, *tablet_));
  Merge(Remove(*laptop_, *sam_));
  EXPECT_TRUE(members_->IsRemoved(sam_->device_public_key));
  EXPECT_EQ(members_->Bodies().size(), 2u);
}

// A removed device signs nothing that counts after its removal: not a
// removal, not a certificate for a new device.
TEST_F(SpaceRulesTest, ARemovedDeviceCanNoLongerRemoveOrAdd) {
  auto tablet_gone = Remove(*sam_, *tablet_);
  Merge(tablet_gone);
  Merge(Remove(*laptop_, *phone_));
  // The phone, removed but not told, removes Sam's last device (which the
  // rules allow a member): it counts nowhere.
  auto certs = members_->CertBodies();
  SpaceView unaware = Evaluate(certs, WellFormedChanges(laptop_->space_id, certs, {*tablet_gone}));
  auto late = MakeSpaceChange(*phone_, certs, unaware, sam_->device_public_key, 0, 0, kNow + 1);
  Merge(late);
  EXPECT_TRUE(members_->IsMember(sam_->device_public_key));
  EXPECT_TRUE(members_->IsMember(laptop_->device_public_key));
  EXPECT_TRUE(members_->IsRemoved(phone_->device_public_key));
  auto stranger = DeviceOfPerson(*laptop_, *NewKeys("stranger"));
  v1::MemberCertBody body;
  body.set_space_id(laptop_->space_id);
  body.set_device(stranger->device_public_key);
  body.set_member_id(stranger->member_id);
  body.set_display_name("Alex");
  body.set_added_by(phone_->device_public_key);
  body.set_added_at_ms(kNow - 5000);  // back-dated
  ASSERT_TRUE(members_->Merge(laptop_->space_id, {SignMemberCert(body, *phone_)}).ok());
  EXPECT_FALSE(members_->IsMember(stranger->device_public_key));
}

// Two of Alex's devices that removed each other, neither knowing: both are
// out (the safe side), and Sam's are untouched.
TEST_F(SpaceRulesTest, DevicesThatRemovedEachOtherAreBothRemoved) {
  auto a = Remove(*laptop_, *phone_);
  auto b = Remove(*phone_, *laptop_);
  // The phone (a thief's, say) also started an epoch of its own: it counts
  // for nothing, and nobody seals under its key.
  auto c = MakeSpaceChange(*phone_, members_->CertBodies(), members_->View(), "", 0, 0, kNow);
  ASSERT_TRUE(c.ok());
  Merge(c);
  Merge(a);
  Merge(b);
  EXPECT_EQ(members_->View().counting.size(), 2u);
  // Every epoch-1 key is known to a removed device: Sam's daemon starts
  // epoch 2 (OnSpaceChange), which neither of Alex's devices gets.
  ASSERT_TRUE(members_->View().needs_new_epoch);
  Merge(MakeSpaceChange(*Now(*sam_), members_->CertBodies(), members_->View(), "", 0, 0, kNow));
  EXPECT_EQ(Now(*sam_)->SealingEpoch(), 2u);
  v1::Op op = OpOf(*Now(*sam_), v1::VISIBILITY_SHARED, 1);
  EXPECT_FALSE(OpenOp(op, *Now(*phone_), nullptr).ok());
  EXPECT_TRUE(members_->IsRemoved(laptop_->device_public_key));
  EXPECT_TRUE(members_->IsRemoved(phone_->device_public_key));
  EXPECT_TRUE(members_->IsMember(sam_->device_public_key));
  EXPECT_TRUE(members_->IsMember(tablet_->device_public_key));
}

// Alex removes his phone while Sam removes his tablet: both changes start
// epoch 1 and each one's key reached the device the other removed. A member
// then starts epoch 2, which reaches neither.
TEST_F(SpaceRulesTest, CrossedRemovalsEndInAnEpochNoRemovedDeviceHolds) {
  auto alex = Remove(*laptop_, *phone_);
  auto sam = Remove(*sam_, *tablet_);
  Merge(alex);
  Merge(sam);
  SpaceView view = members_->View();
  EXPECT_EQ(view.max_epoch, 1u);
  EXPECT_TRUE(view.needs_new_epoch);
  auto rekey = MakeSpaceChange(*Now(*laptop_), members_->CertBodies(), view, "", 0, 0, kNow);
  Merge(rekey);
  EXPECT_FALSE(members_->View().needs_new_epoch);
  EXPECT_EQ(Now(*laptop_)->SealingEpoch(), 2u);
  EXPECT_EQ(Now(*sam_)->SealingEpoch(), 2u);
  v1::Op op = OpOf(*Now(*sam_), v1::VISIBILITY_SHARED, 1);
  EXPECT_TRUE(OpenOp(op, *Now(*laptop_), nullptr).ok());
  EXPECT_FALSE(OpenOp(op, *Now(*phone_), nullptr).ok());
  EXPECT_FALSE(OpenOp(op, *Now(*tablet_), nullptr).ok());
}

}  // namespace
}  // namespace attune
