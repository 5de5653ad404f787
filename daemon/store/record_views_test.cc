#include "daemon/store/record_views.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/temp_store.h"
#include "tests/support/test_keys.h"
#include "tests/support/test_mutations.h"

namespace attune {
namespace {

using ::attune::testing::Id;
using ::attune::testing::NewKeys;
using ::attune::testing::TempDir;

v1::RecordState Entry(const std::string& body) {
  v1::RecordState state;
  state.mutable_record()->mutable_journal_entry()->set_body(body);
  return state;
}

class RecordViewsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = ::attune::testing::OpenTestDb(dir_.path() + "/db");
    views_ = std::make_unique<RecordViews>(db_.get());
  }
  void PutAll(const std::vector<std::pair<std::string, v1::RecordState>>& entries) {
    Batch batch;
    for (const auto& [key, state] : entries) RecordViews::Put(*keys_, key, state, &batch);
    ASSERT_TRUE(db_->Write(batch, true).ok());
  }

  TempDir dir_;
  std::shared_ptr<const KeySet> keys_ = NewKeys();
  std::unique_ptr<Db> db_;
  std::unique_ptr<RecordViews> views_;
};

TEST_F(RecordViewsTest, WhatIsPutIsReadBackAndWhatWasNeverWrittenIsAbsent) {
  const std::string key = RecordViews::Key(Kind::kJournalEntry, Id(1));
  EXPECT_EQ(views_->Empty().value(), true);
  PutAll({{key, Entry("first words")}});
  auto got = views_->Get(*keys_, Kind::kJournalEntry, Id(1));
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->record().journal_entry().body(), "first words");
  EXPECT_FALSE(views_->Get(*keys_, Kind::kJournalEntry, Id(2)).value().has_value());
  EXPECT_FALSE(views_->Get(*keys_, Kind::kCheckIn, Id(1)).value().has_value());
  EXPECT_EQ(views_->Load(*keys_, RecordViews::Key(Kind::kCheckIn, Id(1))).value().ByteSizeLong(),
            0u);
  EXPECT_EQ(views_->Count().value(), 1);
  EXPECT_EQ(views_->Empty().value(), false);
}

TEST_F(RecordViewsTest, ForEachVisitsOneKindInIdOrderAndStopsWhenAsked) {
  PutAll({{RecordViews::Key(Kind::kJournalEntry, Id(3)), Entry("three")},
          {RecordViews::Key(Kind::kJournalEntry, Id(1)), Entry("one")},
          {RecordViews::Key(Kind::kCheckIn, Id(2)), v1::RecordState()},
          {RecordViews::Key(Kind::kJournalEntry, Id(2)), Entry("two")}});
  std::vector<std::string> bodies;
  ASSERT_TRUE(views_
                  ->ForEach(*keys_, Kind::kJournalEntry,
                            [&](std::string_view, const v1::RecordState& s) {
                              bodies.push_back(s.record().journal_entry().body());
                              return true;
                            })
                  .ok());
  EXPECT_EQ(bodies, (std::vector<std::string>{"one", "two", "three"}));
  int visited = 0;
  ASSERT_TRUE(views_
                  ->ForEach(*keys_, Kind::kJournalEntry,
                            [&](std::string_view, const v1::RecordState&) {
                              ++visited;
                              return false;
                            })
                  .ok());
  EXPECT_EQ(visited, 1);
  EXPECT_EQ(views_->Dump(*keys_).value().size(), 4u);
  ASSERT_TRUE(views_->Clear().ok());
  EXPECT_EQ(views_->Count().value(), 0);
}

// An entry is sealed for its key: no plaintext on the disk, and an entry
// moved under another record's key, or opened with other keys, is refused.
TEST_F(RecordViewsTest, AnEntryIsSealedAndBoundToItsKey) {
  const std::string one = RecordViews::Key(Kind::kJournalEntry, Id(1));
  const std::string two = RecordViews::Key(Kind::kJournalEntry, Id(2));
  PutAll({{one, Entry("a secret sentence")}, {two, Entry("another")}});
  auto sealed = db_->Get(Cf::kRecords, one);
  ASSERT_TRUE(sealed.ok() && sealed->has_value());
  EXPECT_EQ((*sealed)->find("a secret sentence"), std::string::npos);

  Batch moved;
  moved.Put(Cf::kRecords, two, **sealed);
  ASSERT_TRUE(db_->Write(moved, true).ok());
  auto swapped = views_->Get(*keys_, Kind::kJournalEntry, Id(2));
  EXPECT_FALSE(swapped.ok());
  auto other = views_->Get(*NewKeys("Sam"), Kind::kJournalEntry, Id(1));
  EXPECT_FALSE(other.ok());
  int visited = 0;
  auto each =
      views_->ForEach(*keys_, Kind::kJournalEntry, [&](std::string_view, const v1::RecordState&) {
        ++visited;
        return true;
      });
  EXPECT_FALSE(each.ok());
  EXPECT_EQ(visited, 1);  // the first entry, then the moved one stops it
}

}  // namespace
}  // namespace attune
