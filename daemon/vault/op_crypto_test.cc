#include "daemon/vault/op_crypto.h"

#include <gtest/gtest.h>

#include "tests/support/test_keys.h"

namespace attune {
namespace {

v1::OpHeader Header(const KeySet& keys, v1::Visibility v) {
  v1::OpHeader h;
  h.set_space_id(keys.space_id);
  h.set_author_device(keys.device_public_key);
  h.set_seq(1);
  h.set_hlc(42);
  h.set_visibility(v);
  return h;
}

v1::OpBody Body() {
  v1::OpBody body;
  body.set_kind(1);
  body.set_record_id(std::string(16, 'i'));
  body.add_fields(3);
  body.mutable_record()->mutable_journal_entry()->set_body("we talked on the walk");
  return body;
}

class OpCryptoTest : public ::testing::Test {
 protected:
  std::shared_ptr<const KeySet> keys_ = testing::NewKeys();
};

TEST_F(OpCryptoTest, SealedOpVerifiesAndOpens) {
  auto op = SealOp(Header(*keys_, v1::VISIBILITY_SHARED), Body(), *keys_);
  ASSERT_TRUE(op.ok());
  EXPECT_TRUE(VerifyOp(*op, keys_->device_public_key).ok());
  v1::OpHeader header;
  auto body = OpenOp(*op, *keys_, &header);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_EQ(body->record().journal_entry().body(), "we talked on the walk");
  EXPECT_EQ(header.seq(), 1u);
  EXPECT_EQ(op->ciphertext().find("walk"), std::string::npos);
}

TEST_F(OpCryptoTest, AnyFlippedByteIsCaught) {
  auto op = SealOp(Header(*keys_, v1::VISIBILITY_SHARED), Body(), *keys_);
  ASSERT_TRUE(op.ok());
  for (std::string* part :
       {op->mutable_header(), op->mutable_ciphertext(), op->mutable_signature()}) {
    for (size_t i = 0; i < part->size(); i += 7) {
      (*part)[i] ^= 0x01;
      EXPECT_FALSE(VerifyOp(*op, keys_->device_public_key).ok()) << "byte " << i;
      (*part)[i] ^= 0x01;
    }
  }
  EXPECT_TRUE(VerifyOp(*op, keys_->device_public_key).ok());
}

TEST_F(OpCryptoTest, ForgedSignatureFromAnotherDeviceFails) {
  auto mallory = testing::NewKeys("Mallory");
  v1::OpHeader header = Header(*keys_, v1::VISIBILITY_SHARED);
  auto op = SealOp(header, Body(), *mallory);  // claims to be keys_'s device
  ASSERT_TRUE(op.ok());
  EXPECT_FALSE(VerifyOp(*op, keys_->device_public_key).ok());
}

TEST_F(OpCryptoTest, PrivateOpOpensOnlyWithThePersonalKey) {
  auto op = SealOp(Header(*keys_, v1::VISIBILITY_PRIVATE), Body(), *keys_);
  ASSERT_TRUE(op.ok());
  EXPECT_TRUE(OpenOp(*op, *keys_, nullptr).ok());
  auto other = testing::NewKeys("Sam");
  EXPECT_FALSE(OpenOp(*op, *other, nullptr).ok());
}

}  // namespace
}  // namespace attune
