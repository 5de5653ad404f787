#include "daemon/plugins/output_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace attune {
namespace {

using ::testing::HasSubstr;

TEST(OutputCheckTest, AcceptsGoodRecordsAndSetsDefaults) {
  plugin::v1::FinishResponse f;
  f.set_summary("Well done.");
  auto* c = f.add_records()->mutable_check_in();
  c->set_high("h");
  c->set_low("l");
  c->set_connection_rating(4);
  f.add_records()->mutable_journal_entry()->set_body("b");
  f.add_records()->mutable_appreciation()->set_text("t");
  f.add_records()->mutable_plugin_record()->set_key("plan");
  ASSERT_TRUE(CheckFinish(&f).ok());
  // Nothing the plugin left unset is more visible than PRIVATE.
  EXPECT_EQ(f.records(0).check_in().visibility(), v1::VISIBILITY_PRIVATE);
  EXPECT_EQ(f.records(1).journal_entry().visibility(), v1::VISIBILITY_PRIVATE);
  EXPECT_EQ(f.records(2).appreciation().visibility(), v1::VISIBILITY_PRIVATE);
  EXPECT_EQ(f.records(3).plugin_record().visibility(), v1::VISIBILITY_PRIVATE);
}

TEST(OutputCheckTest, RefusesBadRecordsNamingTheField) {
  plugin::v1::FinishResponse f;
  f.add_records()->mutable_check_in()->set_high("only a high");
  EXPECT_THAT(CheckFinish(&f).message(), HasSubstr("records[0].check_in.low: is required"));

  plugin::v1::FinishResponse empty;
  empty.add_records();
  EXPECT_THAT(CheckFinish(&empty).message(), HasSubstr("no record is set"));

  plugin::v1::FinishResponse key;
  key.add_records()->mutable_plugin_record()->set_key("Not A Key");
  EXPECT_THAT(CheckFinish(&key).message(), HasSubstr("plugin_record.key"));

  plugin::v1::FinishResponse twice;
  twice.add_records()->mutable_plugin_record()->set_key("k");
  twice.add_records()->mutable_plugin_record()->set_key("k");
  EXPECT_THAT(CheckFinish(&twice).message(), HasSubstr("written twice"));

  plugin::v1::FinishResponse items;
  items.add_used_items("");
  EXPECT_THAT(CheckFinish(&items).message(), HasSubstr("used_items[0]"));

  plugin::v1::FinishResponse progress;
  progress.add_records()->mutable_goal_progress()->set_day("2026-01-01");
  EXPECT_THAT(CheckFinish(&progress).message(), HasSubstr("set by the daemon"));
}

// What a plugin writes is shown on terminals too: no control characters.
TEST(OutputCheckTest, RefusesControlCharactersNamingTheField) {
  plugin::v1::FinishResponse journal;
  journal.add_records()->mutable_journal_entry()->set_body("kept\x1b[2Kerased");
  EXPECT_THAT(CheckFinish(&journal).message(),
              HasSubstr("records[0].journal_entry.body: must not contain control characters"));
  plugin::v1::FinishResponse recipient;
  auto* a = recipient.add_records()->mutable_appreciation();
  a->set_text("thank you");
  a->set_recipient("Sam\nAlex");
  EXPECT_THAT(CheckFinish(&recipient).message(),
              HasSubstr("records[0].appreciation.recipient: must not contain control"));
  plugin::v1::FinishResponse summary;
  summary.set_summary(
      "done\xc2\x9b"
      "2J");
  EXPECT_THAT(CheckFinish(&summary).message(), HasSubstr("summary: must not contain control"));
  plugin::v1::FinishResponse item;
  item.add_used_items("item\x1b");
  EXPECT_THAT(CheckFinish(&item).message(), HasSubstr("used_items[0]: must not contain control"));
  plugin::v1::FinishResponse lines;
  lines.add_records()->mutable_journal_entry()->set_body("line one\n\tline two");
  EXPECT_TRUE(CheckFinish(&lines).ok()) << CheckFinish(&lines);
}

}  // namespace
}  // namespace attune
