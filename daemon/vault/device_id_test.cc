#include "daemon/vault/device_id.h"

#include <gtest/gtest.h>

#include <regex>

namespace attune {
namespace {

std::string Key(char seed) {
  std::string key(32, '\0');
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<char>(seed * 31 + i * 7);
  return key;
}

TEST(DeviceIdTest, FormatsEightGroupsOfSevenAndParsesBack) {
  for (char seed : {'a', 'b', 'z'}) {
    std::string id = FormatDeviceId(Key(seed));
    EXPECT_TRUE(std::regex_match(id, std::regex("([A-Z2-7]{7}-){7}[A-Z2-7]{7}"))) << id;
    auto raw = ParseDeviceId(id);
    ASSERT_TRUE(raw.ok()) << raw.status();
    EXPECT_EQ(*raw, Key(seed));
  }
}

TEST(DeviceIdTest, AcceptsLowerCaseAndNoDashes) {
  std::string id = FormatDeviceId(Key('q'));
  std::string loose;
  for (char c : id) {
    if (c != '-') loose.push_back(static_cast<char>(std::tolower(c)));
  }
  auto raw = ParseDeviceId(loose);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*raw, Key('q'));
}

TEST(DeviceIdTest, DigitsTheAlphabetLacksAreReadAsTheLettersTheyLookLike) {
  std::string id = FormatDeviceId(Key('o'));
  std::string copied = id;
  for (char& c : copied) {
    if (c == 'O') c = '0';
    if (c == 'I') c = '1';
    if (c == 'B') c = '8';
  }
  auto raw = ParseDeviceId(copied);
  ASSERT_TRUE(raw.ok()) << raw.status();
  EXPECT_EQ(*raw, Key('o'));
  EXPECT_EQ(ParseDeviceId(id.substr(0, id.size() - 1) + "9").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(DeviceIdTest, ATypoIsCaughtByTheCheckCharacters) {
  std::string id = FormatDeviceId(Key('x'));
  int caught = 0, tried = 0;
  for (size_t i = 0; i < id.size(); ++i) {
    if (id[i] == '-') continue;
    std::string typo = id;
    typo[i] = typo[i] == 'A' ? 'B' : 'A';
    ++tried;
    if (!ParseDeviceId(typo).ok()) ++caught;
  }
  // Every single-character change lands in a checked part of 13 + 1.
  EXPECT_EQ(caught, tried);
}

TEST(DeviceIdTest, WrongLengthIsRefused) {
  EXPECT_FALSE(ParseDeviceId("ABCDEFG-HIJKLMN").ok());
  EXPECT_FALSE(ParseDeviceId("").ok());
  EXPECT_FALSE(ParseDeviceId("!!!!!!!").ok());
}

}  // namespace
}  // namespace attune
