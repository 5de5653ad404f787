#include "daemon/api/paging.h"

#include <gtest/gtest.h>

#include "attune/v1/api.pb.h"
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

TEST(PagingTest, APageOfLargeItemsEndsBeforeTheMessageLimitAndContinues) {
  // 300 goals of 40 KB each would be 12 MB in one page; a client takes 4 MiB.
  constexpr int kItems = 300;
  const std::string big(40000, 'x');
  std::vector<int> seen;
  std::string token;
  for (int guard = 0; guard < kItems; ++guard) {
    auto pager = Pager<v1::Goal>::Make(token, 1000, 50);
    ASSERT_TRUE(pager.ok());
    for (int i = 0; i < kItems; ++i) {
      v1::Goal g;
      g.set_title(std::to_string(i) + "|" + big);  // stoi reads the number
      pager->Add(NewestFirstKey(absl::FromUnixSeconds(1000 + i), std::to_string(i)), g);
    }
    google::protobuf::RepeatedPtrField<v1::Goal> page;
    token = pager->Finish(&page);
    v1::ListGoalsResponse response;
    *response.mutable_goals() = page;
    response.set_next_page_token(token);
    EXPECT_LT(response.ByteSizeLong(), size_t{4} << 20);
    EXPECT_GT(page.size(), 1);
    for (const auto& g : page) seen.push_back(std::stoi(g.title()));
    if (token.empty()) break;
  }
  ASSERT_EQ(seen.size(), static_cast<size_t>(kItems)) << "every item exactly once";
  for (int i = 0; i < kItems; ++i) EXPECT_EQ(seen[static_cast<size_t>(i)], kItems - 1 - i);
}

TEST(PagingTest, OneItemOverTheLimitStillComesAlone) {
  auto pager = Pager<v1::Goal>::Make("", 10, 50);
  ASSERT_TRUE(pager.ok());
  for (int i = 0; i < 2; ++i) {
    v1::Goal g;
    g.set_title(std::string(Pager<v1::Goal>::kMaxPageBytes + 10, 'y'));
    pager->Add(NewestFirstKey(absl::FromUnixSeconds(1000 + i), std::to_string(i)), g);
  }
  google::protobuf::RepeatedPtrField<v1::Goal> page;
  EXPECT_FALSE(pager->Finish(&page).empty());
  EXPECT_EQ(page.size(), 1);
}

TEST(PagingTest, BadTokensAndSizesAreRefused) {
  EXPECT_EQ(Pager<v1::Goal>::Make("!!!", 10, 50).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Pager<v1::Goal>::Make("", 1001, 50).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Pager<v1::Goal>::Make("", -1, 50).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace attune
