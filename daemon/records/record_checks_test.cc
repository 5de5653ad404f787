#include "daemon/records/record_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace attune {
namespace {

using ::testing::HasSubstr;

v1::CheckIn GoodCheckIn() {
  v1::CheckIn c;
  c.set_high("We cooked together");
  c.set_low("A tense call");
  c.set_connection_rating(4);
  return c;
}

// The API and a plugin's output get the same verdict and the same words,
// only the prefix naming where the record sits differs.
TEST(RecordChecksTest, OneRuleWhicheverWayARecordComesIn) {
  v1::CheckIn c = GoodCheckIn();
  c.set_low("");
  EXPECT_EQ(CheckCheckIn("check_in", &c).message(), "check_in.low: is required");
  EXPECT_EQ(CheckCheckIn("records[0].check_in", &c).message(),
            "records[0].check_in.low: is required");
  v1::JournalEntry e;
  e.set_body(std::string(65537, 'x'));
  EXPECT_EQ(CheckJournalEntry("journal_entry", &e).message(),
            "journal_entry.body: is 65537 bytes long; the limit is 65536");
}

// Nothing is more visible than the person chose: unset becomes PRIVATE.
TEST(RecordChecksTest, AnUnsetVisibilityBecomesPrivate) {
  v1::CheckIn c = GoodCheckIn();
  ASSERT_TRUE(CheckCheckIn("check_in", &c).ok());
  EXPECT_EQ(c.visibility(), v1::VISIBILITY_PRIVATE);
  v1::JournalEntry e;
  e.set_body("words");
  ASSERT_TRUE(CheckJournalEntry("journal_entry", &e).ok());
  EXPECT_EQ(e.visibility(), v1::VISIBILITY_PRIVATE);
  v1::Appreciation a;
  a.set_text("how you listened");
  ASSERT_TRUE(CheckAppreciation("appreciation", &a).ok());
  EXPECT_EQ(a.visibility(), v1::VISIBILITY_PRIVATE);
  a.set_visibility(static_cast<v1::Visibility>(7));
  EXPECT_EQ(CheckAppreciation("appreciation", &a).code(), absl::StatusCode::kInvalidArgument);
}

// An update checks only the fields its mask names.
TEST(RecordChecksTest, AnUpdateChecksOnlyItsFields) {
  v1::CheckIn changes;  // high and low empty: not part of this update
  changes.set_note("later thought");
  const std::vector<uint32_t> note = {v1::CheckIn::kNoteFieldNumber};
  EXPECT_TRUE(CheckCheckIn("check_in", &changes, &note).ok());
  EXPECT_FALSE(CheckCheckIn("check_in", &changes).ok());
}

TEST(RecordChecksTest, ADayMustBeOnTheCalendarAndFeelingsInTheVocabulary) {
  v1::CheckIn c = GoodCheckIn();
  c.set_day("2026-02-30");
  EXPECT_THAT(CheckCheckIn("check_in", &c).message(), HasSubstr("check_in.day"));
  c.set_day("2026-02-28");
  c.add_emotions()->set_label("Grateful");
  ASSERT_TRUE(CheckCheckIn("check_in", &c).ok());
  EXPECT_EQ(c.emotions(0).label(), "grateful");
  c.add_emotions()->set_label("hangry-ish");
  EXPECT_THAT(CheckCheckIn("check_in", &c).message(), HasSubstr("check_in.emotions"));
}

}  // namespace
}  // namespace attune
