#include "daemon/records/check_in_seal.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include "daemon/base/hex.h"
#include "daemon/records/authorship.h"
#include "tests/support/temp_store.h"
#include "tests/support/test_keys.h"

namespace attune {
namespace {

using ::attune::testing::KeysInSpace;
using ::attune::testing::NewKeys;
using ::attune::testing::TempStore;

v1::CheckIn Written(const KeySet& author, v1::Visibility visibility) {
  v1::CheckIn c;
  c.set_day("2026-12-05");
  c.set_high("the walk by the canal");
  c.set_low("the dentist");
  c.add_emotions()->set_label("calm");
  c.set_connection_rating(4);
  c.set_note("more walks");
  c.set_visibility(visibility);
  c.set_author(ToHex(author.member_id));
  return c;
}

class CheckInSealTest : public ::testing::Test {
 protected:
  void SetUp() override {
    alex_ = KeysInSpace(*NewKeys("Alex"), std::string(16, 's'), space_key_);
    sam_ = KeysInSpace(*NewKeys("Sam"), std::string(16, 's'), space_key_);
    id_ = RecordIdOf(alex_->member_id, std::string(16, '\x07'));
  }

  // Stores on Sam's side the key Alex's device released for `id_`'s version
  // sealed with `salt`.
  void Release(const SecretBytes& key, const std::string& salt) {
    Mutation m;
    m.body.set_kind(static_cast<uint32_t>(Kind::kCheckInKey));
    m.body.set_record_id(id_);
    v1::CheckInKey* k = m.body.mutable_record()->mutable_check_in_key();
    k->set_key(std::string(key.view()));
    k->set_visibility(v1::VISIBILITY_SHARED);
    k->set_author(ToHex(alex_->member_id));
    k->set_salt(salt);
    for (int f : {v1::CheckInKey::kKeyFieldNumber, v1::CheckInKey::kVisibilityFieldNumber,
                  v1::CheckInKey::kAuthorFieldNumber, v1::CheckInKey::kSaltFieldNumber}) {
      m.body.add_fields(static_cast<uint32_t>(f));
    }
    m.visibility = v1::VISIBILITY_SHARED;
    ASSERT_TRUE(store_->Write(*sam_, std::move(m)).ok());
  }

  // libsodium's secure memory needs it before the first key below.
  struct SodiumReady {
    SodiumReady() {
      if (sodium_init() < 0) std::abort();
    }
  } sodium_;
  TempStore temp_;
  RecordStore* store_ = temp_.store.get();
  SecretBytes space_key_{kSymmetricKeyBytes};
  std::shared_ptr<KeySet> alex_, sam_;
  std::string id_;
};

TEST_F(CheckInSealTest, ASharedCheckInKeepsItsWordsOnlySealed) {
  v1::CheckIn c = Written(*alex_, v1::VISIBILITY_SHARED);
  SealCheckInForWrite(*alex_, id_, /*reveal_together=*/true, &c);
  EXPECT_TRUE(c.high().empty());
  EXPECT_TRUE(c.low().empty());
  EXPECT_TRUE(c.note().empty());
  EXPECT_EQ(c.emotions_size(), 0);
  EXPECT_EQ(c.connection_rating(), 0);
  const std::string stored = c.SerializeAsString();
  for (const char* words : {"canal", "dentist", "calm", "more walks"}) {
    EXPECT_EQ(stored.find(words), std::string::npos) << words;
  }
  // Its author reads it whole.
  auto own = OpenCheckIn(*alex_, *store_, id_, c);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_EQ(own->reveal(), v1::REVEAL_OPEN);
  EXPECT_EQ(own->high(), "the walk by the canal");
  EXPECT_EQ(own->low(), "the dentist");
  EXPECT_EQ(own->note(), "more walks");
  EXPECT_EQ(own->connection_rating(), 4);
  ASSERT_EQ(own->emotions_size(), 1);
  EXPECT_FALSE(own->has_sealed_content());
}

TEST_F(CheckInSealTest, APartnerReadsItOnlyOnceItsKeyIsReleased) {
  v1::CheckIn c = Written(*alex_, v1::VISIBILITY_SHARED);
  SealCheckInForWrite(*alex_, id_, /*reveal_together=*/true, &c);
  auto waiting = OpenCheckIn(*sam_, *store_, id_, c);
  ASSERT_TRUE(waiting.ok()) << waiting.status();
  EXPECT_EQ(waiting->reveal(), v1::REVEAL_WAITING_FOR_YOURS);
  EXPECT_TRUE(waiting->high().empty());
  EXPECT_EQ(waiting->day(), "2026-12-05");
  EXPECT_FALSE(waiting->has_sealed_content());

  const std::string salt = c.sealed_content().salt();
  Release(CheckInContentKey(*alex_, id_, salt), salt);
  auto open = OpenCheckIn(*sam_, *store_, id_, c);
  ASSERT_TRUE(open.ok()) << open.status();
  EXPECT_EQ(open->reveal(), v1::REVEAL_OPEN);
  EXPECT_EQ(open->high(), "the walk by the canal");
}

// A version replaced before the release stays sealed: the released key
// opens only the version it was made for.
TEST_F(CheckInSealTest, TheKeyOfOneVersionOpensNoOther) {
  v1::CheckIn first = Written(*alex_, v1::VISIBILITY_SHARED);
  first.set_high("words taken back");
  SealCheckInForWrite(*alex_, id_, /*reveal_together=*/true, &first);
  v1::CheckIn second = Written(*alex_, v1::VISIBILITY_SHARED);
  SealCheckInForWrite(*alex_, id_, /*reveal_together=*/true, &second);
  EXPECT_NE(first.sealed_content().salt(), second.sealed_content().salt());
  const std::string salt = second.sealed_content().salt();
  Release(CheckInContentKey(*alex_, id_, salt), salt);
  auto now = OpenCheckIn(*sam_, *store_, id_, second);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->high(), "the walk by the canal");
  auto before = OpenCheckIn(*sam_, *store_, id_, first);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->reveal(), v1::REVEAL_WAITING_FOR_YOURS);
  EXPECT_TRUE(before->high().empty());
  // Even forced: the released key does not open the earlier version.
  v1::CheckIn forced = first;
  forced.mutable_sealed_content()->set_salt(salt);
  auto forced_open = OpenCheckIn(*sam_, *store_, id_, forced);
  ASSERT_TRUE(forced_open.ok());
  EXPECT_TRUE(forced_open->high().empty());
}

TEST_F(CheckInSealTest, AWrongKeyOrAnotherCheckInsKeyOpensNothing) {
  v1::CheckIn c = Written(*alex_, v1::VISIBILITY_SHARED);
  SealCheckInForWrite(*alex_, id_, /*reveal_together=*/true, &c);
  // The key of another of Alex's check-ins, or Sam's own derivation.
  const std::string salt = c.sealed_content().salt();
  Release(CheckInContentKey(*alex_, RecordIdOf(alex_->member_id, std::string(16, '\x08')), salt),
          salt);
  auto got = OpenCheckIn(*sam_, *store_, id_, c);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->reveal(), v1::REVEAL_WAITING_FOR_YOURS);
  EXPECT_TRUE(got->high().empty());
  EXPECT_NE(CheckInContentKey(*sam_, id_, salt).view(),
            CheckInContentKey(*alex_, id_, salt).view());
}

TEST_F(CheckInSealTest, APrivateCheckInIsNotSealed) {
  v1::CheckIn c = Written(*alex_, v1::VISIBILITY_PRIVATE);
  SealCheckInForWrite(*alex_, id_, /*reveal_together=*/true, &c);
  EXPECT_FALSE(c.has_sealed_content());
  EXPECT_EQ(c.high(), "the walk by the canal");
  auto got = OpenCheckIn(*alex_, *store_, id_, c);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->reveal(), v1::REVEAL_UNSPECIFIED);
  EXPECT_EQ(got->high(), "the walk by the canal");
}

TEST_F(CheckInSealTest, WithRevealTogetherOffASharedCheckInIsWrittenOpen) {
  v1::CheckIn c = Written(*alex_, v1::VISIBILITY_SHARED);
  SealCheckInForWrite(*alex_, id_, /*reveal_together=*/false, &c);
  EXPECT_FALSE(c.has_sealed_content());
  EXPECT_EQ(c.high(), "the walk by the canal");
  auto got = OpenCheckIn(*sam_, *store_, id_, c);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->reveal(), v1::REVEAL_UNSPECIFIED);
  EXPECT_EQ(got->high(), "the walk by the canal");
}

TEST_F(CheckInSealTest, SealedContentIsBoundToItsCheckIn) {
  v1::CheckIn c = Written(*alex_, v1::VISIBILITY_SHARED);
  SealCheckInForWrite(*alex_, id_, /*reveal_together=*/true, &c);
  // The same sealed bytes under another check-in's id do not open.
  const std::string other = RecordIdOf(alex_->member_id, std::string(16, '\x09'));
  auto moved = OpenCheckIn(*alex_, *store_, other, c);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->reveal(), v1::REVEAL_WAITING_FOR_YOURS);
  EXPECT_TRUE(moved->high().empty());
}

}  // namespace
}  // namespace attune
