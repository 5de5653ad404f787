#include "daemon/sync/pairing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/store/db.h"
#include "tests/support/test_keys.h"

namespace attune {
namespace {

using ::attune::testing::NewKeys;
using ::attune::testing::TempDir;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

// An inviter (Alex, founder of a space) and a joiner (Sam, a fresh device),
// each with its own member list on its own store.
class PairingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DbOptions options;
    options.path = dir_.path() + "/alex";
    alex_db_ = *Db::Open(options);
    options.path = dir_.path() + "/sam";
    sam_db_ = *Db::Open(options);
    alex_members_ = std::make_unique<Membership>(alex_db_.get());
    sam_members_ = std::make_unique<Membership>(sam_db_.get());
    ASSERT_TRUE(alex_members_->EnsureFounder(*alex_, 1).ok());
    ASSERT_TRUE(sam_members_->EnsureFounder(*sam_, 1).ok());
    code_ = invites_.Create(alex_->device_public_key, {"127.0.0.1:27441"}, kNow, absl::Minutes(10));
  }

  TempDir dir_;
  std::shared_ptr<const KeySet> alex_ = NewKeys("Alex");
  std::shared_ptr<const KeySet> sam_ = NewKeys("Sam");
  std::unique_ptr<Db> alex_db_, sam_db_;
  std::unique_ptr<Membership> alex_members_, sam_members_;
  InviteBook invites_;
  v1::InviteCode code_;
};

// The whole exchange: Sam asks with the invite's proof, Alex admits Sam and
// seals the space key to Sam's device, and only Sam's device opens it.
TEST_F(PairingTest, AJoinerWithTheInviteGetsTheSpaceKeyAndMembership) {
  ASSERT_TRUE(CheckCanJoin(*sam_, code_, kNow, *sam_members_).ok());
  const v1::PairRequest request = JoinRequest(*sam_, code_);
  v1::PairResponse response;
  ASSERT_TRUE(AdmitJoiner(*alex_, sam_->device_public_key, request, kNow, &invites_,
                          alex_members_.get(), &response)
                  .ok());
  EXPECT_TRUE(alex_members_->IsMember(sam_->device_public_key));
  EXPECT_EQ(response.space_id(), alex_->space_id);
  EXPECT_EQ(response.members_size(), 2);
  auto key = OpenSpaceKey(*sam_, response.sealed_space_key());
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(
      std::string(reinterpret_cast<const char*>(key->data()), key->size()),
      std::string(reinterpret_cast<const char*>(alex_->space_key.data()), alex_->space_key.size()));
  EXPECT_EQ(OpenSpaceKey(*alex_, response.sealed_space_key()).status().code(),
            absl::StatusCode::kInvalidArgument)
      << "sealed to Sam's device, not openable by another";
  // The invite is spent.
  v1::PairResponse again;
  EXPECT_EQ(AdmitJoiner(*alex_, sam_->device_public_key, request, kNow, &invites_,
                        alex_members_.get(), &again)
                .code(),
            absl::StatusCode::kPermissionDenied);
}

// A refused joiner is not added, and a request that does not speak for the
// TLS key it came over is refused before the invite is touched.
TEST_F(PairingTest, RefusedJoinersAddNothing) {
  v1::PairRequest request = JoinRequest(*sam_, code_);
  v1::PairResponse response;
  const std::string stranger(32, 's');
  auto s = AdmitJoiner(*alex_, stranger, request, kNow, &invites_, alex_members_.get(), &response);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("not its TLS key"));
  v1::PairRequest bad_name = request;
  bad_name.set_joiner_display_name("Sam\x1b[2J");
  EXPECT_EQ(AdmitJoiner(*alex_, sam_->device_public_key, bad_name, kNow, &invites_,
                        alex_members_.get(), &response)
                .code(),
            absl::StatusCode::kInvalidArgument);
  v1::PairRequest wrong_mac = request;
  wrong_mac.set_mac(std::string(wrong_mac.mac().size(), '0'));
  EXPECT_EQ(AdmitJoiner(*alex_, sam_->device_public_key, wrong_mac, kNow, &invites_,
                        alex_members_.get(), &response)
                .code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_FALSE(alex_members_->IsMember(sam_->device_public_key));
  EXPECT_EQ(response.members_size(), 0);
  // The right request still works afterwards: the mistakes did not burn it.
  EXPECT_TRUE(AdmitJoiner(*alex_, sam_->device_public_key, request, kNow, &invites_,
                          alex_members_.get(), &response)
                  .ok());
}

TEST_F(PairingTest, AJoinerRefusesItsOwnExpiredOrAnotherSpacesInvite) {
  v1::InviteCode own = invites_.Create(sam_->device_public_key, {}, kNow, absl::Minutes(10));
  EXPECT_THAT(CheckCanJoin(*sam_, own, kNow, *sam_members_).message(), HasSubstr("own invite"));
  EXPECT_THAT(CheckCanJoin(*sam_, code_, kNow + absl::Minutes(11), *sam_members_).message(),
              HasSubstr("expired"));
  // Alex has a partner now: Alex cannot join someone else's space.
  v1::PairResponse response;
  ASSERT_TRUE(AdmitJoiner(*alex_, sam_->device_public_key, JoinRequest(*sam_, code_), kNow,
                          &invites_, alex_members_.get(), &response)
                  .ok());
  InviteBook other;
  v1::InviteCode elsewhere = other.Create(std::string(32, 'o'), {}, kNow, absl::Minutes(10));
  EXPECT_EQ(CheckCanJoin(*alex_, elsewhere, kNow, *alex_members_).code(),
            absl::StatusCode::kFailedPrecondition);
}

// Linking one's own device: the new device (a fresh vault of its own) is
// certified as Alex's, under Alex's member id and name, and only it gets
// Alex's personal key; a partner's invite never carries it.
TEST_F(PairingTest, ALinkedDeviceBecomesTheInvitersPersonAndGetsThePersonalKey) {
  auto phone = NewKeys("Phone");
  v1::InviteCode link = invites_.Create(alex_->device_public_key, {"127.0.0.1:27441"}, kNow,
                                        absl::Minutes(10), nullptr, /*own_device=*/true);
  EXPECT_TRUE(link.own_device());
  DbOptions options;
  options.path = dir_.path() + "/phone";
  auto phone_db = *Db::Open(options);
  Membership phone_members(phone_db.get());
  ASSERT_TRUE(phone_members.EnsureFounder(*phone, 1).ok());
  ASSERT_TRUE(CheckCanJoin(*phone, link, kNow, phone_members, true).ok());
  v1::PairResponse response;
  ASSERT_TRUE(AdmitJoiner(*alex_, phone->device_public_key, JoinRequest(*phone, link, true), kNow,
                          &invites_, alex_members_.get(), &response)
                  .ok());
  auto cert = alex_members_->Find(phone->device_public_key);
  ASSERT_TRUE(cert.has_value());
  EXPECT_EQ(cert->member_id(), alex_->member_id);
  EXPECT_EQ(cert->display_name(), "Alex");
  auto personal = OpenSealedKey(*phone, response.sealed_personal_key(), "personal key");
  ASSERT_TRUE(personal.ok()) << personal.status();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(personal->data()), personal->size()),
            std::string(reinterpret_cast<const char*>(alex_->personal_key.data()),
                        alex_->personal_key.size()));

  // Sam, paired as a partner, never gets it.
  v1::PairResponse partner;
  ASSERT_TRUE(AdmitJoiner(*alex_, sam_->device_public_key, JoinRequest(*sam_, code_), kNow,
                          &invites_, alex_members_.get(), &partner)
                  .ok());
  EXPECT_TRUE(partner.sealed_personal_key().empty());
  EXPECT_EQ(alex_members_->Find(sam_->device_public_key)->member_id(), sam_->member_id);
}

// Asking for the other role than the invite was made for is refused with
// the command to run, and the invite stays open for the right one. A
// partner cannot turn a partner's invite into a link to Alex's person.
TEST_F(PairingTest, TheRoleMustMatchTheInviteAndAMismatchKeepsItOpen) {
  EXPECT_THAT(CheckCanJoin(*sam_, code_, kNow, *sam_members_, /*own_device=*/true).message(),
              HasSubstr("attune pair join"));
  v1::PairResponse response;
  auto asked_link = AdmitJoiner(*alex_, sam_->device_public_key, JoinRequest(*sam_, code_, true),
                                kNow, &invites_, alex_members_.get(), &response);
  EXPECT_EQ(asked_link.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(asked_link.message(), HasSubstr("still open"));
  EXPECT_FALSE(alex_members_->IsMember(sam_->device_public_key));
  EXPECT_TRUE(response.sealed_personal_key().empty());
  ASSERT_TRUE(AdmitJoiner(*alex_, sam_->device_public_key, JoinRequest(*sam_, code_, false), kNow,
                          &invites_, alex_members_.get(), &response)
                  .ok());
  EXPECT_EQ(alex_members_->Find(sam_->device_public_key)->member_id(), sam_->member_id);

  auto phone = NewKeys("Phone");
  v1::InviteCode link = invites_.Create(alex_->device_public_key, {"127.0.0.1:27441"}, kNow,
                                        absl::Minutes(10), nullptr, /*own_device=*/true);
  v1::PairResponse nothing;
  EXPECT_THAT(AdmitJoiner(*alex_, phone->device_public_key, JoinRequest(*phone, link, false), kNow,
                          &invites_, alex_members_.get(), &nothing)
                  .message(),
              HasSubstr("attune device join"));
  EXPECT_FALSE(alex_members_->IsMember(phone->device_public_key));
  EXPECT_TRUE(AdmitJoiner(*alex_, phone->device_public_key, JoinRequest(*phone, link, true), kNow,
                          &invites_, alex_members_.get(), &nothing)
                  .ok());
}

// A partner's device never becomes someone else's: a partner invite
// redeemed under the inviter's member id is refused, and a device certified
// for one person cannot be certified again for another.
TEST_F(PairingTest, APartnerCannotTakeAnExistingPersonsIdNorADeviceChangePerson) {
  v1::PairRequest as_alex = JoinRequest(*sam_, code_);
  as_alex.set_joiner_member(alex_->member_id);
  as_alex.set_mac(InviteMac(code_.secret(), alex_->device_public_key, sam_->device_public_key,
                            code_.invite_id()));
  v1::PairResponse response;
  auto s = AdmitJoiner(*alex_, sam_->device_public_key, as_alex, kNow, &invites_,
                       alex_members_.get(), &response);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("another person's"));
  EXPECT_FALSE(alex_members_->IsMember(sam_->device_public_key));

  // Linked as Alex's phone, the device cannot pair again as a new person.
  auto phone = NewKeys("Phone");
  v1::InviteCode link = invites_.Create(alex_->device_public_key, {"127.0.0.1:27441"}, kNow,
                                        absl::Minutes(10), nullptr, /*own_device=*/true);
  ASSERT_TRUE(AdmitJoiner(*alex_, phone->device_public_key, JoinRequest(*phone, link, true), kNow,
                          &invites_, alex_members_.get(), &response)
                  .ok());
  v1::InviteCode partner =
      invites_.Create(alex_->device_public_key, {"127.0.0.1:27441"}, kNow, absl::Minutes(10));
  auto again = AdmitJoiner(*alex_, phone->device_public_key, JoinRequest(*phone, partner), kNow,
                           &invites_, alex_members_.get(), &response);
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(alex_members_->Find(phone->device_public_key)->member_id(), alex_->member_id);
}

TEST_F(PairingTest, InviterAddressesAreTheAnswersElseTheCodesWithoutControlCharacters) {
  v1::PairResponse response;
  EXPECT_EQ(InviterAddresses(response, code_), std::vector<std::string>{"127.0.0.1:27441"});
  response.add_inviter_addresses("192.168.1.20:27441");
  response.add_inviter_addresses("10.0.0.1:1\x1b[31m");
  response.add_inviter_addresses(std::string(301, '1'));
  EXPECT_EQ(InviterAddresses(response, code_), std::vector<std::string>{"192.168.1.20:27441"});
}

}  // namespace
}  // namespace attune
