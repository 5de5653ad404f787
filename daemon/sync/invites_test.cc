#include "daemon/sync/invites.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/sync/short_invite.h"

namespace attune {
namespace {

using ::testing::HasSubstr;

const std::string kInviter(32, 'a');
const std::string kJoiner(32, 'j');
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

TEST(InviteCodeTest, RoundTripsAndRefusesDamage) {
  InviteBook book;
  v1::InviteCode code = book.Create(kInviter, {"127.0.0.1:4000"}, kNow, absl::Minutes(10));
  std::string text = EncodeInviteCode(code);
  EXPECT_EQ(text.rfind("attune-invite-", 0), 0u);
  auto back = DecodeInviteCode("  " + text + "\n");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->secret(), code.secret());
  EXPECT_FALSE(DecodeInviteCode("hello").ok());
  EXPECT_FALSE(DecodeInviteCode(text.substr(0, text.size() - 9)).ok());
  EXPECT_FALSE(DecodeInviteCode(text + "!").ok());
}

// Every single character mistyped, dropped or doubled is caught as damage
// where the code is pasted, not as a network error later.
TEST(InviteCodeTest, EveryMistypedCharacterIsCalledDamaged) {
  InviteBook book;
  v1::InviteCode code = book.Create(kInviter, {"192.168.1.20:27441"}, kNow, absl::Minutes(10));
  const std::string text = EncodeInviteCode(code);
  const size_t start = std::string("attune-invite-").size();
  for (size_t i = start; i < text.size(); ++i) {
    std::string typo = text;
    typo[i] = typo[i] == 'a' ? 'b' : 'a';
    std::string dropped = text;
    dropped.erase(i, 1);
    std::string doubled = text;
    doubled.insert(i, 1, text[i]);
    for (const std::string& bad : {typo, dropped, doubled}) {
      auto decoded = DecodeInviteCode(bad);
      ASSERT_FALSE(decoded.ok()) << "position " << i;
      EXPECT_THAT(decoded.status().message(), HasSubstr("damaged")) << "position " << i;
    }
  }
  auto wrong_letter = DecodeInviteCode(text.substr(0, start + 3) + "0" + text.substr(start + 4));
  EXPECT_THAT(wrong_letter.status().message(), HasSubstr("'0' is not a character"));
}

TEST(InviteBookTest, TheRightProofRedeemsOnce) {
  InviteBook book;
  auto code = book.Create(kInviter, {"x:1"}, kNow, absl::Minutes(10));
  std::string mac = InviteMac(code.secret(), kInviter, kJoiner, code.invite_id());
  EXPECT_TRUE(book.Redeem(code.invite_id(), kInviter, kJoiner, mac, kNow).ok());
  auto again = book.Redeem(code.invite_id(), kInviter, kJoiner, mac, kNow);
  EXPECT_EQ(again.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(again.message(), HasSubstr("used"));
}

TEST(InviteBookTest, ExpiredInvitesAreRefused) {
  InviteBook book;
  auto code = book.Create(kInviter, {"x:1"}, kNow, absl::Minutes(10));
  std::string mac = InviteMac(code.secret(), kInviter, kJoiner, code.invite_id());
  auto late = book.Redeem(code.invite_id(), kInviter, kJoiner, mac, kNow + absl::Minutes(11));
  EXPECT_THAT(late.message(), HasSubstr("expired"));
}

TEST(InviteBookTest, ThreeWrongProofsBurnTheInvite) {
  InviteBook book;
  auto code = book.Create(kInviter, {"x:1"}, kNow, absl::Minutes(10));
  std::string wrong = InviteMac(std::string(32, 'w'), kInviter, kJoiner, code.invite_id());
  for (int i = 0; i < kMaxInviteFailures; ++i) {
    EXPECT_THAT(book.Redeem(code.invite_id(), kInviter, kJoiner, wrong, kNow).message(),
                HasSubstr("does not match"));
  }
  std::string right = InviteMac(code.secret(), kInviter, kJoiner, code.invite_id());
  EXPECT_FALSE(book.Redeem(code.invite_id(), kInviter, kJoiner, right, kNow).ok());
}

TEST(InviteBookTest, AProofForAnotherJoinerDoesNotCount) {
  InviteBook book;
  auto code = book.Create(kInviter, {"x:1"}, kNow, absl::Minutes(10));
  std::string mac = InviteMac(code.secret(), kInviter, kJoiner, code.invite_id());
  EXPECT_FALSE(book.Redeem(code.invite_id(), kInviter, std::string(32, 'm'), mac, kNow).ok());
}

// The short form: its proof names no invite; it redeems the invite it was
// made from, once. Three wrong short proofs stop the short form of every
// open invite, while the long code of each still works.
TEST(InviteBookTest, TheShortFormRedeemsItsInviteOnce) {
  InviteBook book;
  std::string short_text;
  auto code = book.Create(kInviter, {"x:1"}, kNow, absl::Minutes(10), &short_text);
  auto short_code = DecodeShortInvite(short_text);
  ASSERT_TRUE(short_code.ok()) << short_code.status();
  EXPECT_TRUE(ShortInvitePins(*short_code, kInviter));
  std::string mac =
      InviteMac(ShortInviteKey(short_code->secret), kInviter, kJoiner, ShortInviteId());
  EXPECT_TRUE(book.Redeem(ShortInviteId(), kInviter, kJoiner, mac, kNow).ok());
  EXPECT_FALSE(book.Redeem(ShortInviteId(), kInviter, kJoiner, mac, kNow).ok());
  std::string long_mac = InviteMac(code.secret(), kInviter, kJoiner, code.invite_id());
  EXPECT_THAT(book.Redeem(code.invite_id(), kInviter, kJoiner, long_mac, kNow).message(),
              HasSubstr("used"));
}

TEST(InviteBookTest, ThreeWrongShortProofsStopTheShortFormNotTheInvite) {
  InviteBook book;
  std::string short_text;
  auto code = book.Create(kInviter, {"x:1"}, kNow, absl::Minutes(10), &short_text);
  auto short_code = DecodeShortInvite(short_text);
  ASSERT_TRUE(short_code.ok());
  std::string wrong = InviteMac(ShortInviteKey("0000000000"), kInviter, kJoiner, ShortInviteId());
  for (int i = 0; i < kMaxInviteFailures; ++i) {
    EXPECT_THAT(book.Redeem(ShortInviteId(), kInviter, kJoiner, wrong, kNow).message(),
                HasSubstr("does not match an open invite"));
  }
  std::string right =
      InviteMac(ShortInviteKey(short_code->secret), kInviter, kJoiner, ShortInviteId());
  // The same answer as for a wrong code: a stranger cannot tell whether an
  // invite is open.
  EXPECT_EQ(book.Redeem(ShortInviteId(), kInviter, kJoiner, right, kNow).message(),
            book.Redeem(ShortInviteId(), kInviter, kJoiner, wrong, kNow).message());
  std::string long_mac = InviteMac(code.secret(), kInviter, kJoiner, code.invite_id());
  EXPECT_TRUE(book.Redeem(code.invite_id(), kInviter, kJoiner, long_mac, kNow).ok());
}

TEST(SafetyNumberTest, BothSidesSeeTheSameDigits) {
  std::string n = SafetyNumber(kInviter, kJoiner);
  EXPECT_EQ(n, SafetyNumber(kJoiner, kInviter));
  EXPECT_EQ(n.size(), 12u * 5 + 11);
  EXPECT_NE(n, SafetyNumber(kInviter, std::string(32, 'k')));
}

}  // namespace
}  // namespace attune
