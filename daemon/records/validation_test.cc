#include "daemon/records/validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "absl/strings/cord.h"
#include "daemon/records/emotions.h"

namespace attune {
namespace {

using ::testing::HasSubstr;

TEST(ValidationTest, DaysMustExistOnTheCalendar) {
  EXPECT_TRUE(ParseDay("day", "2028-02-29").ok());
  for (const char* bad : {"2026-02-30", "2027-02-29", "2026-13-01", "2026-00-10", "2026-1-1",
                          "26-01-01", "tomorrow", "", "1999-12-31"}) {
    auto d = ParseDay("check_in.day", bad);
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(d.status().message(), HasSubstr("check_in.day")) << bad;
  }
  EXPECT_EQ(FormatDay(*ParseDay("d", "2026-03-07")), "2026-03-07");
}

TEST(ValidationTest, TextLimitsCountCharactersNotBytes) {
  std::string hearts;
  for (int i = 0; i < 200; ++i) hearts += "\xe2\x99\xa5";  // ♥, 3 bytes each
  EXPECT_TRUE(CheckText("title", hearts, 200, true, TextLines::kOne).ok());
  EXPECT_FALSE(CheckText("title", hearts + "x", 200, true, TextLines::kOne).ok());
  EXPECT_THAT(CheckText("check_in.high", "  \n", 10, true, TextLines::kMany).message(),
              HasSubstr("check_in.high: is required"));
  EXPECT_TRUE(CheckText("note", "", 10, false, TextLines::kMany).ok());
  EXPECT_FALSE(CheckText("note", std::string("a\0b", 3), 10, false, TextLines::kMany).ok());
  EXPECT_FALSE(CheckText("note", "\xff\xfe", 10, false, TextLines::kMany).ok());
}

// What a terminal could obey (escape sequences, carriage returns, C1
// controls) is refused in every text; line feeds and tabs only where a text
// may have lines.
TEST(ValidationTest, TextRefusesControlCharactersNamingTheField) {
  auto check = [](const std::string& value, TextLines lines) {
    return CheckText("journal_entry.title", value, 2000, false, lines);
  };
  for (const std::string& bad :
       {std::string("\x1b[2Kgone"), std::string("a\rb"), std::string("bell\x07"),
        std::string("del\x7f"), std::string("c1 \xc2\x9b"), std::string("c1 \xc2\x80"),
        std::string("overlong \xc0\x9b"), std::string("surrogate \xed\xa0\x80")}) {
    SCOPED_TRACE(::testing::PrintToString(bad));
    for (TextLines lines : {TextLines::kOne, TextLines::kMany}) {
      absl::Status s = check(bad, lines);
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(s.message(), HasSubstr("journal_entry.title: "));
      EXPECT_FALSE(IsPlainText(bad, lines));
    }
  }
  EXPECT_THAT(check("\x1b[2Kgone", TextLines::kOne).message(),
              HasSubstr("must not contain control characters (U+001B at character 1)"));
  EXPECT_THAT(check("ab\xc2\x9b", TextLines::kOne).message(), HasSubstr("U+009B at character 3"));
  // Lines and tabs: in bodies and notes, not in names or titles.
  EXPECT_TRUE(check("two\nlines\tand a tab", TextLines::kMany).ok());
  EXPECT_THAT(check("two\nlines", TextLines::kOne).message(), HasSubstr("it is one line"));
  EXPECT_FALSE(check("a\tb", TextLines::kOne).ok());
  // Everything else in Unicode passes: accents, emoji, U+00A0 and beyond.
  EXPECT_TRUE(check("Zo\xc3\xab \xf0\x9f\x92\x9b\xc2\xa0ok", TextLines::kOne).ok());
}

// One rule for every id a manifest declares and a goal or session names.
TEST(ValidationTest, PluginIdsAreLowerCaseWordsJoinedByDashes) {
  EXPECT_TRUE(IsValidPluginId("reflective-listening"));
  EXPECT_TRUE(IsValidPluginId(std::string(64, 'a')));
  const std::vector<std::string> bad_ids = {"",          "-listening", "listening-",
                                            "Listening", "a b",        std::string(65, 'a')};
  for (const std::string& bad : bad_ids) {
    EXPECT_FALSE(IsValidPluginId(bad)) << bad;
    EXPECT_EQ(CheckPluginId("goal.exercise", bad).code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(CheckPluginId("goal.exercise", "-x").message(),
            "goal.exercise: an exercise id uses a-z, 0-9 and '-' only, and neither starts nor ends "
            "with '-'");
}

TEST(ValidationTest, EmotionsComeFromTheVocabularyAndAreNormalized) {
  google::protobuf::RepeatedPtrField<v1::EmotionLabel> e;
  auto* a = e.Add();
  a->set_label(" Grateful ");
  auto* b = e.Add();
  b->set_label("anxious");
  b->set_intensity(5);
  ASSERT_TRUE(CheckEmotions("emotions", &e).ok());
  EXPECT_EQ(e.Get(0).label(), "grateful");
  EXPECT_EQ(e.Get(0).intensity(), 3);

  e.Add()->set_label("hangry");
  auto s = CheckEmotions("check_in.emotions", &e);
  EXPECT_THAT(s.message(), HasSubstr("check_in.emotions[2]"));
  e.RemoveLast();
  e.Add()->set_label("anxious");
  EXPECT_THAT(CheckEmotions("emotions", &e).message(), HasSubstr("twice"));
  e.RemoveLast();
  e.Mutable(1)->set_intensity(6);
  EXPECT_THAT(CheckEmotions("emotions", &e).message(), HasSubstr("intensity"));
}

TEST(ValidationTest, VocabularyIsLargeAndHasNoRepeats) {
  int labels = 0;
  std::set<std::string> seen;
  for (const auto& family : EmotionVocabulary().families()) {
    EXPECT_FALSE(family.description().empty());
    for (const auto& l : family.labels()) {
      ++labels;
      EXPECT_TRUE(seen.insert(l).second) << l;
      EXPECT_TRUE(IsKnownEmotion(l));
    }
  }
  EXPECT_GE(labels, 60);
  EXPECT_GE(EmotionVocabulary().families_size(), 6);
}

TEST(ValidationTest, ZonesMustBeKnown) {
  EXPECT_TRUE(ParseZone("tz", "Europe/Lisbon").ok());
  EXPECT_TRUE(ParseZone("tz", "UTC").ok());
  EXPECT_FALSE(ParseZone("tz", "Mars/Olympus").ok());
  EXPECT_FALSE(ParseZone("tz", "../../etc/passwd").ok());
}

// A batch's refusal names the request, and keeps what the code and payload
// say.
TEST(ValidationTest, ABatchNamesTheRequestItRefuses) {
  EXPECT_TRUE(CheckBatchSize(1).ok());
  EXPECT_TRUE(CheckBatchSize(v1::LIMIT_BATCH_REQUESTS).ok());
  EXPECT_THAT(CheckBatchSize(0).message(), ::testing::HasSubstr("requests: the batch is empty"));
  EXPECT_THAT(CheckBatchSize(v1::LIMIT_BATCH_REQUESTS + 1).message(),
              ::testing::HasSubstr("at most 500"));
  EXPECT_EQ(InBatch(2, absl::InvalidArgumentError("check_in.low: is required")).message(),
            "requests[2].check_in.low: is required");
  absl::Status exists = absl::FailedPreconditionError("you have checked in for 2026-12-03 already");
  exists.SetPayload("type.test/day", absl::Cord("2026-12-03"));
  absl::Status named = InBatch(4, exists);
  EXPECT_TRUE(absl::IsFailedPrecondition(named));
  EXPECT_EQ(named.message(), "requests[4]: you have checked in for 2026-12-03 already");
  EXPECT_TRUE(named.GetPayload("type.test/day").has_value());
  EXPECT_TRUE(InBatch(1, absl::OkStatus()).ok());
}

}  // namespace
}  // namespace attune
