// The index itself: what FTS5 finds and how results come back. Ranking and
// word matching are SQLite's; these tests check that the index passes
// people's words through to them faithfully.
#include "daemon/search/search_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace attune {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

SearchDoc Doc(const std::string& name, const std::string& kind, const std::string& title,
              const std::string& text) {
  SearchDoc d;
  d.name = name;
  d.kind = kind;
  d.author = "aa";
  d.visibility = v1::VISIBILITY_SHARED;
  d.create_seconds = 1796342400;
  d.title = title;
  d.text = text;
  return d;
}

std::vector<std::string> Names(const absl::StatusOr<std::vector<SearchIndex::Hit>>& hits) {
  std::vector<std::string> out;
  if (!hits.ok()) return {hits.status().ToString()};
  for (const auto& h : *hits) out.push_back(h.doc.name);
  return out;
}

std::string Marked(const SearchIndex::Hit& hit) {
  std::string out;
  for (const auto& p : hit.snippet) out += p.match() ? "[" + p.text() + "]" : p.text();
  return out;
}

class SearchIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto index = SearchIndex::Create();
    ASSERT_TRUE(index.ok()) << index.status();
    index_ = *std::move(index);
  }
  std::unique_ptr<SearchIndex> index_;
};

TEST_F(SearchIndexTest, FindsEveryWordAnyCaseAndAccentAndShowsWhere) {
  ASSERT_TRUE(index_
                  ->Put(Doc("journalEntries/1", "journal_entry", "The walk home",
                            "We walked by the river and talked about the café."))
                  .ok());
  ASSERT_TRUE(
      index_->Put(Doc("checkIns/2", "check_in", "2026-12-04", "a quiet river\nlate train\n\n"))
          .ok());
  EXPECT_THAT(Names(index_->Query("RIVER", {}, 0, 10)),
              testing::UnorderedElementsAre("journalEntries/1", "checkIns/2"));
  // Every word must match.
  EXPECT_THAT(Names(index_->Query("river cafe", {}, 0, 10)), ElementsAre("journalEntries/1"));
  auto hits = index_->Query("cafe", {}, 0, 10);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_THAT(Marked((*hits)[0]), HasSubstr("[café]"));
  EXPECT_EQ((*hits)[0].doc.title, "The walk home");
  EXPECT_EQ((*hits)[0].doc.kind, "journal_entry");
  EXPECT_EQ((*hits)[0].doc.visibility, v1::VISIBILITY_SHARED);
  EXPECT_EQ((*hits)[0].doc.create_seconds, 1796342400);
}

TEST_F(SearchIndexTest, PrefixesPhrasesAndKindsNarrowIt) {
  ASSERT_TRUE(
      index_->Put(Doc("journalEntries/1", "journal_entry", "", "walking in the rain")).ok());
  ASSERT_TRUE(index_->Put(Doc("appreciations/2", "appreciation", "Sam", "the rain walking")).ok());
  EXPECT_THAT(Names(index_->Query("walk*", {}, 0, 10)),
              testing::UnorderedElementsAre("journalEntries/1", "appreciations/2"));
  EXPECT_THAT(Names(index_->Query("walk", {}, 0, 10)), ElementsAre());
  EXPECT_THAT(Names(index_->Query("\"walking in the rain\"", {}, 0, 10)),
              ElementsAre("journalEntries/1"));
  EXPECT_THAT(Names(index_->Query("rain", {"appreciation"}, 0, 10)),
              ElementsAre("appreciations/2"));
  EXPECT_THAT(Names(index_->Query("rain", {"check_in"}, 0, 10)), ElementsAre());
}

TEST_F(SearchIndexTest, TheBetterMatchComesFirstAndPagesFollowOn) {
  ASSERT_TRUE(index_
                  ->Put(Doc("journalEntries/few", "journal_entry", "",
                            "one mention of patience among many other words about the day, "
                            "the weather, the work, the train, and dinner"))
                  .ok());
  ASSERT_TRUE(index_
                  ->Put(Doc("journalEntries/many", "journal_entry", "Patience",
                            "patience, patience, and more patience"))
                  .ok());
  EXPECT_THAT(Names(index_->Query("patience", {}, 0, 10)),
              ElementsAre("journalEntries/many", "journalEntries/few"));
  EXPECT_THAT(Names(index_->Query("patience", {}, 1, 10)), ElementsAre("journalEntries/few"));
  EXPECT_THAT(Names(index_->Query("patience", {}, 0, 1)), ElementsAre("journalEntries/many"));
}

TEST_F(SearchIndexTest, PutReplacesAndRemoveForgets) {
  ASSERT_TRUE(index_->Put(Doc("journalEntries/1", "journal_entry", "", "first draft")).ok());
  ASSERT_TRUE(index_->Put(Doc("journalEntries/1", "journal_entry", "", "second thoughts")).ok());
  EXPECT_EQ(index_->size(), 1u);
  EXPECT_THAT(Names(index_->Query("draft", {}, 0, 10)), ElementsAre());
  EXPECT_THAT(Names(index_->Query("thoughts", {}, 0, 10)), ElementsAre("journalEntries/1"));
  ASSERT_TRUE(index_->Remove("journalEntries/1").ok());
  ASSERT_TRUE(index_->Remove("journalEntries/never").ok());
  EXPECT_THAT(Names(index_->Query("thoughts", {}, 0, 10)), ElementsAre());
  EXPECT_EQ(index_->size(), 0u);
}

// What people type is words, never FTS5 syntax: operators, column filters
// and stray quotes are plain text.
TEST(FtsQueryTest, NothingTypedIsQuerySyntax) {
  EXPECT_EQ(*FtsQueryOf("walk home"), "\"walk\" \"home\"");
  EXPECT_EQ(*FtsQueryOf("walk*"), "\"walk\"*");
  EXPECT_EQ(*FtsQueryOf("\"by the river\" cafe"), "\"by the river\" \"cafe\"");
  EXPECT_EQ(*FtsQueryOf("\u201cby the river\u201d"), "\"by the river\"");
  EXPECT_EQ(*FtsQueryOf("NOT title:x OR y"), "\"NOT\" \"title:x\" \"OR\" \"y\"");
  EXPECT_EQ(*FtsQueryOf("say \"hi"), "\"say\" \"hi\"");
  EXPECT_EQ(*FtsQueryOf("it's"), "\"it's\"");
  EXPECT_EQ(*FtsQueryOf("a\"\"b"), "\"a\" \"b\"");
  EXPECT_EQ(FtsQueryOf(std::string("a\0b", 3)).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(FtsQueryTest, EmptyOrOversizedQueriesAreRefusedByName) {
  for (const char* nothing : {"", "   ", "- * !", "\"\""}) {
    auto q = FtsQueryOf(nothing);
    EXPECT_EQ(q.status().code(), absl::StatusCode::kInvalidArgument) << nothing;
    EXPECT_THAT(q.status().message(), HasSubstr("query:")) << nothing;
  }
  EXPECT_EQ(FtsQueryOf(std::string(kMaxQueryChars + 1, 'a')).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::string many;
  for (size_t i = 0; i <= kMaxQueryTerms; ++i) many += "w ";
  EXPECT_THAT(FtsQueryOf(many).status().message(), HasSubstr("at most 16 words"));
}

TEST_F(SearchIndexTest, HostileQueriesFindNothingAndBreakNothing) {
  ASSERT_TRUE(index_->Put(Doc("journalEntries/1", "journal_entry", "t", "text")).ok());
  for (const char* q : {"text\") OR (\"x", "*", "title:t", "NEAR(text t)", "^text", "text +"}) {
    auto hits = index_->Query(q, {}, 0, 10);
    EXPECT_TRUE(hits.ok() || hits.status().code() == absl::StatusCode::kInvalidArgument)
        << q << ": " << hits.status();
  }
  EXPECT_THAT(Names(index_->Query("text", {}, 0, 10)), ElementsAre("journalEntries/1"));
  // A term with no word in it drops out rather than matching nothing.
  EXPECT_THAT(Names(index_->Query("text \u2615", {}, 0, 10)), ElementsAre("journalEntries/1"));
}

}  // namespace
}  // namespace attune
