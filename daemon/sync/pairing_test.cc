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
