#include "daemon/sync/short_invite.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include <string>

namespace attune {
namespace {

using ::testing::HasSubstr;

std::string Device(char fill) { return std::string(32, fill); }

TEST(ShortInviteTest, ReadsBackAndPinsOnlyItsInvitersDevice) {
  ASSERT_GE(sodium_init(), 0);
  std::string secret;
  const std::string text = NewShortInvite(Device('a'), &secret);
  ASSERT_EQ(text.size(), 24u) << text;  // five groups of four
  EXPECT_EQ(text[4], '-');
  EXPECT_TRUE(IsShortInviteText(text));
  EXPECT_FALSE(IsShortInviteText("  Attune-Invite-abc"));
  auto code = DecodeShortInvite(text);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(code->secret, secret);
  EXPECT_TRUE(ShortInvitePins(*code, Device('a')));
  EXPECT_FALSE(ShortInvitePins(*code, Device('b')));
  EXPECT_EQ(ShortInviteKey(secret).size(), 32u);
  EXPECT_NE(ShortInviteKey(secret), ShortInviteKey(secret + "0"));
}

TEST(ShortInviteTest, CaseSpacesAndLookAlikeLettersDoNotMatter) {
  std::string secret;
  std::string text = NewShortInvite(Device('a'), &secret);
  std::string typed;
  for (char c : text) {
    if (c == '-') {
      typed += "  ";
    } else if (c == '1') {
      typed.push_back('l');
    } else if (c == '0') {
      typed.push_back('o');
    } else {
      typed.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  auto code = DecodeShortInvite(typed);
  ASSERT_TRUE(code.ok()) << typed << ": " << code.status();
  EXPECT_EQ(code->secret, secret);
}

// Every single character typed as another is refused as damaged, for many
// codes. Swaps of two neighbours are mostly refused too; Luhn mod 32 misses
// a few pairs, so the test counts what passes rather than asking for none.
TEST(ShortInviteTest, EveryCharacterTypedWrongIsCalledDamaged) {
  const std::string alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  int swaps = 0, swaps_passed = 0;
  for (int round = 0; round < 50; ++round) {
    std::string secret;
    const std::string text = NewShortInvite(Device(static_cast<char>(round)), &secret);
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '-') continue;
      for (char c : alphabet) {
        if (c == text[i]) continue;
        std::string typo = text;
        typo[i] = c;
        auto code = DecodeShortInvite(typo);
        ASSERT_FALSE(code.ok()) << text << " -> " << typo;
        EXPECT_THAT(code.status().message(), HasSubstr("damaged"));
      }
      size_t j = i + 1 < text.size() && text[i + 1] == '-' ? i + 2 : i + 1;
      if (j < text.size() && text[i] != text[j]) {
        std::string swapped = text;
        std::swap(swapped[i], swapped[j]);
        ++swaps;
        if (DecodeShortInvite(swapped).ok()) ++swaps_passed;
      }
    }
  }
  EXPECT_LT(swaps_passed * 10, swaps) << swaps_passed << " of " << swaps << " swaps passed";
}

TEST(ShortInviteTest, ATooShortOrStrangeCodeIsNamed) {
  EXPECT_THAT(DecodeShortInvite("7K3M-9QX2").status().message(),
              HasSubstr("short form of 20 characters in five groups of four; this has 8"));
  EXPECT_THAT(DecodeShortInvite("7K3M-9QX2-H4TB-R2PC-KV8U").status().message(),
              HasSubstr("'U' is not in a short invite code"));
  EXPECT_THAT(DecodeShortInvite("7K3M-9QX2-H4TB-R2PC-KV8\x1b").status().message(),
              HasSubstr("only letters and digits"));
  EXPECT_THAT(DecodeShortInvite("7K3M-9QX2-H4TB-R2PC-KV8A-0000").status().message(),
              HasSubstr("this has 24"));
  EXPECT_THAT(DecodeShortInvite(std::string(3000, 'a')).status().message(),
              HasSubstr("this has more"));
}

}  // namespace
}  // namespace attune
