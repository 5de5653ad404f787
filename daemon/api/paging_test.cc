#include "daemon/api/paging.h"

#include <gtest/gtest.h>

#include "attune/v1/records.pb.h"

namespace attune {
namespace {

// Pages through `n` goals created a second apart, `size` at a time.
std::vector<std::string> PageThrough(int n, int size) {
  std::vector<std::string> seen;
  std::string token;
  for (int guard = 0; guard < 100; ++guard) {
    auto pager = Pager<v1::Goal>::Make(token, size, 50);
    EXPECT_TRUE(pager.ok());
    for (int i = 0; i < n; ++i) {
      v1::Goal g;
      g.set_title("g" + std::to_string(i));
      pager->Add(NewestFirstKey(absl::FromUnixSeconds(1000 + i), std::to_string(i)), g);
    }
    google::protobuf::RepeatedPtrField<v1::Goal> page;
    token = pager->Finish(&page);
    for (const auto& g : page) seen.push_back(g.title());
    if (token.empty()) break;
  }
  return seen;
}

TEST(PagingTest, PagesAreNewestFirstWithoutGapsOrRepeats) {
  auto seen = PageThrough(7, 3);
  ASSERT_EQ(seen.size(), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(seen[static_cast<size_t>(i)], "g" + std::to_string(6 - i));
}

TEST(PagingTest, BadTokensAndSizesAreRefused) {
  EXPECT_EQ(Pager<v1::Goal>::Make("!!!", 10, 50).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Pager<v1::Goal>::Make("", 1001, 50).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Pager<v1::Goal>::Make("", -1, 50).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace attune
