#include "daemon/records/kinds.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "attune/plugin/v1/plugin.pb.h"

namespace attune {
namespace {

// The table agrees with the contracts and with the store.
TEST(KindsTest, EveryRecordKindHasOneRowThatMatchesTheProtos) {
  const auto* record = v1::Record::descriptor();
  const auto* output = plugin::v1::OutputRecord::descriptor();
  std::set<uint32_t> seen;
  std::set<std::string> collections;
  for (const RecordKind& k : RecordKinds()) {
    const uint32_t number = static_cast<uint32_t>(k.kind);
    EXPECT_TRUE(seen.insert(number).second) << k.field;
    const auto* field = record->FindFieldByNumber(static_cast<int>(number));
    ASSERT_NE(field, nullptr) << k.field;
    EXPECT_EQ(field->name(), k.field);
    EXPECT_EQ(k.add_only, IsAddOnly(number)) << k.field;
    EXPECT_EQ(k.plugin_may_write, output->FindFieldByName(k.field) != nullptr) << k.field;
    EXPECT_EQ(k.default_visibility, v1::VISIBILITY_PRIVATE) << k.field;
    // A check-in key is named after the check-in it opens.
    if (k.kind != Kind::kCheckInKey) {
      EXPECT_TRUE(collections.insert(k.collection).second) << k.collection;
    }
    EXPECT_EQ(&RecordKindOf(k.kind), &k);
    EXPECT_EQ(FindRecordKind(k.field), &k);
  }
  EXPECT_EQ(static_cast<int>(seen.size()), record->oneof_decl(0)->field_count());
  EXPECT_EQ(FindRecordKind("diary"), nullptr);
}

TEST(KindsTest, OnlyAChosenSharedIsShared) {
  v1::JournalEntry e;
  EXPECT_EQ(VisibilityOf(e), v1::VISIBILITY_PRIVATE);
  e.set_visibility(v1::VISIBILITY_SHARED);
  EXPECT_EQ(VisibilityOf(e), v1::VISIBILITY_SHARED);
  e.set_visibility(static_cast<v1::Visibility>(9));
  EXPECT_EQ(VisibilityOf(e), v1::VISIBILITY_PRIVATE);
  EXPECT_EQ(VisibilityOf(v1::GoalProgress()), v1::VISIBILITY_PRIVATE);  // no field of its own
}

}  // namespace
}  // namespace attune
