// Tests of the CLI's pure helpers: argument parsing and text formatting.
#include "args.h"

#include <gtest/gtest.h>

#include "format.h"

namespace attune::cli {
namespace {

// --- feelings ---------------------------------------------------------------

TEST(ParseEmotion, LabelOnlyMeansNotSaid) {
  absl::StatusOr<v1::EmotionLabel> e = ParseEmotion("  Grateful ");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->label(), "grateful");
  EXPECT_EQ(e->intensity(), 0);
}

TEST(ParseEmotion, WithIntensity) {
  absl::StatusOr<v1::EmotionLabel> e = ParseEmotion("tired:2");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->label(), "tired");
  EXPECT_EQ(e->intensity(), 2);
  e = ParseEmotion("tired : 5");
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->intensity(), 5);
}

TEST(ParseEmotion, RejectsBadIntensityAndEmptyLabel) {
  for (const char* bad : {"tired:0", "tired:6", "tired:", "tired:x", ":3", "tired:22", ""}) {
    absl::StatusOr<v1::EmotionLabel> e = ParseEmotion(bad);
    EXPECT_FALSE(e.ok()) << bad;
    if (!e.ok()) {
      EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    }
  }
}

TEST(ParseEmotionList, SplitsOnCommasAndSkipsBlanks) {
  auto list = ParseEmotionList("grateful:4, tired:2,, calm ");
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].label(), "grateful");
  EXPECT_EQ((*list)[1].intensity(), 2);
  EXPECT_EQ((*list)[2].label(), "calm");
  auto empty = ParseEmotionList("  ");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ParseEmotionList, RejectsRepeatedLabel) {
  EXPECT_FALSE(ParseEmotionList("calm, Calm:2").ok());
}

TEST(ParseEmotionFlags, JoinsRepeatedFlags) {
  auto list = ParseEmotionFlags({"grateful:4", "tired,calm:1"});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->size(), 3u);
  EXPECT_FALSE(ParseEmotionFlags({"calm", "calm"}).ok());
}

TEST(UnknownLabels, ListsLabelsOutsideVocabulary) {
  auto list = ParseEmotionList("happy, gloomy:3, calm");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(UnknownLabels(*list, {"happy", "calm"}), std::vector<std::string>{"gloomy"});
}

// --- days -------------------------------------------------------------------

TEST(ParseDay, AcceptsIsoTodayYesterday) {
  const absl::CivilDay today(2026, 11, 24);
  EXPECT_EQ(*ParseDay("2026-11-02", today), absl::CivilDay(2026, 11, 2));
  EXPECT_EQ(*ParseDay("today", today), today);
  EXPECT_EQ(*ParseDay("Yesterday", today), absl::CivilDay(2026, 11, 23));
  EXPECT_EQ(*ParseDay("2026-03-01", absl::CivilDay(2026, 3, 1)) - 1, absl::CivilDay(2026, 2, 28));
}

TEST(ParseDay, RejectsMalformedAndImpossibleDays) {
  const absl::CivilDay today(2026, 11, 24);
  for (const char* bad :
       {"2026-02-30", "2026-13-01", "26-11-02", "2026/11/02", "tomorrow", "", "2026-11-2"}) {
    EXPECT_FALSE(ParseDay(bad, today).ok()) << bad;
  }
}

TEST(LooksLikeDay, TellsDaysFromIds) {
  EXPECT_TRUE(LooksLikeDay("2026-11-24"));
  EXPECT_TRUE(LooksLikeDay("today"));
  EXPECT_FALSE(LooksLikeDay("2026"));
  EXPECT_FALSE(LooksLikeDay("a1b2c3d4"));
}

// --- ids --------------------------------------------------------------------

constexpr char kHex[] = "0123456789abcdef0123456789abcdef";

TEST(ParseIdArg, FullNameIdAndPrefix) {
  auto full = ParseIdArg(std::string("journalEntries/") + kHex, "journalEntries");
  ASSERT_TRUE(full.ok());
  EXPECT_TRUE(full->complete);
  EXPECT_EQ(full->value, std::string("journalEntries/") + kHex);

  auto id = ParseIdArg("0123456789ABCDEF0123456789ABCDEF", "journalEntries");
  ASSERT_TRUE(id.ok());
  EXPECT_TRUE(id->complete);
  EXPECT_EQ(id->value, std::string("journalEntries/") + kHex);

  auto prefix = ParseIdArg("01Ab", "goals");
  ASSERT_TRUE(prefix.ok());
  EXPECT_FALSE(prefix->complete);
  EXPECT_EQ(prefix->value, "01ab");
}

TEST(ParseIdArg, RejectsShortNonHexAndWrongCollection) {
  for (const char* bad : {"abc", "xyz123", "goals/abcd", "journalEntries/", "journalEntries/a/b"}) {
    auto id = ParseIdArg(bad, "journalEntries");
    EXPECT_FALSE(id.ok()) << bad;
    if (!id.ok()) {
      EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

TEST(MatchIdPrefix, UniqueAmbiguousAndNone) {
  const std::vector<std::string> names = {"goals/abcd1111", "goals/abcd2222", "goals/ef001234"};
  auto one = MatchIdPrefix("ef00", names, "goal");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, "goals/ef001234");

  auto two = MatchIdPrefix("ABCD", names, "goal");
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(two.status().message().find("goals/abcd1111"), absl::string_view::npos);
  EXPECT_NE(two.status().message().find("goals/abcd2222"), absl::string_view::npos);

  auto none = MatchIdPrefix("9999", names, "goal");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
}

// Every record of one person starts with the same 16 digits: tables show
// the 8 after them, and those find the record again.
TEST(ShortId, TheEightDigitsAfterTheAuthorsAndTheyFindTheRecord) {
  const std::string a = "journalEntries/1111222233334444aaaa0000bbbb0000";
  const std::string b = "journalEntries/1111222233334444cccc0000dddd0000";
  EXPECT_EQ(ShortId(a), "aaaa0000");
  EXPECT_EQ(ShortId(b), "cccc0000");
  auto found = MatchIdPrefix(ShortId(b), {a, b}, "journal entry");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, b);
  EXPECT_FALSE(MatchIdPrefix("1111", {a, b}, "journal entry").ok());  // both
  EXPECT_EQ(ShortId("goals/0123456789"), "01234567");
  EXPECT_EQ(IdOf("goals/abc"), "abc");
}

// --- environment ------------------------------------------------------------

// --- text -------------------------------------------------------------------

TEST(FirstLine, StripsLineBreak) {
  EXPECT_EQ(FirstLine("secret words\nmore"), "secret words");
  EXPECT_EQ(FirstLine("secret words\r\n"), "secret words");
  EXPECT_EQ(FirstLine("no newline"), "no newline");
  EXPECT_EQ(FirstLine(""), "");
}

TEST(EditorText, TitleLineAndBody) {
  EditorText t = ParseEditorText("# A day at the sea\n\nWe walked.\n\nLong.\n\n");
  EXPECT_EQ(t.title, "A day at the sea");
  EXPECT_EQ(t.body, "We walked.\n\nLong.");

  t = ParseEditorText("\nJust a body\n");
  EXPECT_EQ(t.title, "");
  EXPECT_EQ(t.body, "Just a body");

  t = ParseEditorText("#\nBody only\n");
  EXPECT_EQ(t.title, "");
  EXPECT_EQ(t.body, "Body only");

  t = ParseEditorText("#hashtag first\n## heading\n");
  EXPECT_EQ(t.title, "");
  EXPECT_EQ(t.body, "#hashtag first\n## heading");
}

TEST(EditorText, RoundTrips) {
  EditorText t = ParseEditorText(ComposeEditorText("Title", "Line 1\n  Line 2"));
  EXPECT_EQ(t.title, "Title");
  EXPECT_EQ(t.body, "Line 1\n  Line 2");
  t = ParseEditorText(ComposeEditorText("", "Body"));
  EXPECT_EQ(t.title, "");
  EXPECT_EQ(t.body, "Body");
}

// --- formatting -------------------------------------------------------------

TEST(Format, TruncateCountsCodePoints) {
  EXPECT_EQ(Truncate("short", 10), "short");
  EXPECT_EQ(Truncate("a longer title here", 8), "a longe…");
  EXPECT_EQ(Utf8Width(Truncate("ééééééé", 4)), 4u);
  EXPECT_EQ(Truncate("two\nlines", 20), "two lines");
}

TEST(Format, DotsAndBars) {
  EXPECT_EQ(RatingDots(4), "●●●●○");
  EXPECT_EQ(RatingDots(9), "●●●●●");
  EXPECT_EQ(ProgressBar(1, 2, 4), "██░░");
  EXPECT_EQ(ProgressBar(5, 2, 2), "██");
  EXPECT_EQ(ProgressBar(0, 3, 3), "░░░");
}

TEST(Format, DaysSchedulesAndFeelings) {
  EXPECT_EQ(DayHeading(absl::CivilDay(2026, 11, 24)), "Tue 2026-11-24");
  EXPECT_EQ(DayHeading(std::string_view("2026-11-02")), "Mon 2026-11-02");
  EXPECT_EQ(GoalSchedule(2, v1::GOAL_PERIOD_WEEK, 4), "2 per week for 4 weeks");
  EXPECT_EQ(GoalSchedule(1, v1::GOAL_PERIOD_DAY, 1), "1 per day for 1 day");
  auto list = ParseEmotionList("grateful:4, tired:2, calm");
  ASSERT_TRUE(list.ok());
  google::protobuf::RepeatedPtrField<v1::EmotionLabel> field(list->begin(), list->end());
  EXPECT_EQ(FormatEmotions(field), "grateful (4), tired (2), calm");
}

TEST(Format, WrapIndentsContinuationLines) {
  EXPECT_EQ(Wrap("one two three four", 14, 4), "one two\n    three four");
  EXPECT_EQ(Wrap("a\nb", 80, 2), "a\n  b");
}

TEST(UnixLineBreaks, WindowsLineBreaksBecomeLineFeedsOtherCarriageReturnsStay) {
  EXPECT_EQ(UnixLineBreaks("one\r\ntwo\r\n"), "one\ntwo\n");
  EXPECT_EQ(UnixLineBreaks("a\rb\r"), "a\rb\r");  // refused by the daemon, not hidden
  EditorText e = ParseEditorText("# Title\r\n\r\nline one\r\nline two\r\n");
  EXPECT_EQ(e.title, "Title");
  EXPECT_EQ(e.body, "line one\nline two");
}

// --- output of data from the daemon ----------------------------------------

TEST(TerminalSafe, NoControlCharacterFromDataReachesTheTerminal) {
  std::string out = TerminalSafe("Alex\x1b[2K\x1b[1A\rroot");
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
  EXPECT_EQ(out.find('\r'), std::string::npos) << out;
  EXPECT_EQ(out, "Alex\xef\xbf\xbd[2K\xef\xbf\xbd[1A\xef\xbf\xbdroot");
  // DEL, C1 controls (U+009B is a one-character CSI), a bell.
  EXPECT_EQ(TerminalSafe("a\x7f"
                         "b\xc2\x9b"
                         "2Jc\x07"),
            "a\xef\xbf\xbd"
            "b\xef\xbf\xbd"
            "2Jc\xef\xbf\xbd");
  // Bytes that are not UTF-8 (a lone C1 byte included) are replaced one by one.
  EXPECT_EQ(TerminalSafe("x\x9b"
                         "1m\xff"),
            "x\xef\xbf\xbd"
            "1m\xef\xbf\xbd");
  EXPECT_EQ(TerminalSafe("\xc0\x9b"), "\xef\xbf\xbd\xef\xbf\xbd");  // overlong ESC-like
  // Lines, tabs and every printable character stay.
  const std::string fine = "two\nlines\tand Zo\xc3\xab \xf0\x9f\x92\x9b\xc2\xa0!";
  EXPECT_EQ(TerminalSafe(fine), fine);
}

TEST(SanitizeStrings, EveryStringFieldOfAMessageIsMadeTerminalSafe) {
  v1::JournalEntry entry;
  entry.set_title("\x1b]0;owned\x07title");
  entry.set_body("line\n\x1b[2Kbody");
  entry.add_emotions()->set_label("calm\x1b[31m");
  SanitizeStrings(&entry);
  for (const std::string& s : {entry.title(), entry.body(), entry.emotions(0).label()}) {
    EXPECT_EQ(s.find('\x1b'), std::string::npos) << s;
    EXPECT_EQ(s.find('\x07'), std::string::npos) << s;
  }
  EXPECT_EQ(entry.body(), "line\n\xef\xbf\xbd[2Kbody");
  // And what the CLI prints of it: a table cell, a wrapped body.
  EXPECT_EQ(Truncate(entry.title(), 80).find('\x1b'), std::string::npos);
  EXPECT_EQ(Wrap(entry.body(), 80, 2).find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace attune::cli
