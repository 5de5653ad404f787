#include "daemon/base/big_endian.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace attune {
namespace {

TEST(BigEndianTest, RoundTripsAndSortsAsNumbers) {
  for (uint64_t v : {uint64_t{0}, uint64_t{1}, uint64_t{255}, uint64_t{256},
                     uint64_t{0x0102030405060708}, UINT64_MAX}) {
    EXPECT_EQ(EncodeBigEndian64(v).size(), 8u);
    EXPECT_EQ(DecodeBigEndian64(EncodeBigEndian64(v)), v);
  }
  EXPECT_EQ(EncodeBigEndian64(0x0102030405060708), std::string("\1\2\3\4\5\6\7\x08", 8));
  EXPECT_LT(EncodeBigEndian64(255), EncodeBigEndian64(256));
  EXPECT_LT(EncodeBigEndian64(1u << 31), EncodeBigEndian64(uint64_t{1} << 32));
}

TEST(BigEndianTest, ReadsOnlyTheFirstEightBytes) {
  EXPECT_EQ(DecodeBigEndian64(EncodeBigEndian64(7) + "tail"), 7u);
  EXPECT_EQ(DecodeBigEndian64(std::string("\1\0", 2)), 256u);
}

}  // namespace
}  // namespace attune
