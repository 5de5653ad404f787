#include "daemon/store/merge.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

namespace attune {
namespace {

v1::Clock C(uint64_t hlc, char device) {
  v1::Clock c;
  c.set_hlc(hlc);
  c.set_device(std::string(32, device));
  return c;
}

v1::OpBody SetTitle(const std::string& title) {
  v1::OpBody b;
  b.set_kind(static_cast<uint32_t>(Kind::kJournalEntry));
  b.set_record_id(std::string(16, 'r'));
  b.add_fields(v1::JournalEntry::kTitleFieldNumber);
  b.mutable_record()->mutable_journal_entry()->set_title(title);
  return b;
}

v1::OpBody SetBody(const std::string& body) {
  v1::OpBody b = SetTitle("");
  b.clear_fields();
  b.add_fields(v1::JournalEntry::kBodyFieldNumber);
  b.mutable_record()->mutable_journal_entry()->set_body(body);
  return b;
}

v1::OpBody Tombstone() {
  v1::OpBody b;
  b.set_kind(static_cast<uint32_t>(Kind::kJournalEntry));
  b.set_record_id(std::string(16, 'r'));
  b.set_tombstone(true);
  return b;
}

std::string Bytes(const v1::RecordState& s) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  s.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

TEST(MergeTest, LaterClockWinsPerFieldWhateverTheOrder) {
  v1::RecordState a, b;
  ASSERT_TRUE(ApplyOp(SetTitle("old"), C(1, 'a'), &a).ok());
  ASSERT_TRUE(ApplyOp(SetTitle("new"), C(2, 'a'), &a).ok());
  ASSERT_TRUE(ApplyOp(SetTitle("new"), C(2, 'a'), &b).ok());
  ASSERT_TRUE(ApplyOp(SetTitle("old"), C(1, 'a'), &b).ok());
  EXPECT_EQ(a.record().journal_entry().title(), "new");
  EXPECT_EQ(Bytes(a), Bytes(b));
}

TEST(MergeTest, EqualClocksAreBrokenByDeviceId) {
  v1::RecordState s;
  ASSERT_TRUE(ApplyOp(SetTitle("from b"), C(5, 'b'), &s).ok());
  ASSERT_TRUE(ApplyOp(SetTitle("from a"), C(5, 'a'), &s).ok());
  EXPECT_EQ(s.record().journal_entry().title(), "from b");
}

TEST(MergeTest, ConcurrentEditsOfDifferentFieldsBothSurvive) {
  v1::RecordState s;
  ASSERT_TRUE(ApplyOp(SetTitle("title"), C(3, 'a'), &s).ok());
  ASSERT_TRUE(ApplyOp(SetBody("body"), C(2, 'b'), &s).ok());
  EXPECT_EQ(s.record().journal_entry().title(), "title");
  EXPECT_EQ(s.record().journal_entry().body(), "body");
}

TEST(MergeTest, DeleteIsFinalEvenAgainstLaterEdits) {
  v1::RecordState s;
  ASSERT_TRUE(ApplyOp(SetTitle("x"), C(1, 'a'), &s).ok());
  ASSERT_TRUE(ApplyOp(Tombstone(), C(2, 'a'), &s).ok());
  ASSERT_TRUE(ApplyOp(SetTitle("after"), C(3, 'b'), &s).ok());
  EXPECT_FALSE(IsLive(s));
  EXPECT_EQ(s.record().journal_entry().title(), "");
}

TEST(MergeTest, ProgressIsWrittenOnce) {
  v1::OpBody p;
  p.set_kind(static_cast<uint32_t>(Kind::kGoalProgress));
  p.set_record_id(std::string(16, 'p'));
  p.add_fields(v1::GoalProgress::kNoteFieldNumber);
  p.mutable_record()->mutable_goal_progress()->set_note("first");
  v1::RecordState s;
  ASSERT_TRUE(ApplyOp(p, C(1, 'a'), &s).ok());
  p.mutable_record()->mutable_goal_progress()->set_note("second");
  ASSERT_TRUE(ApplyOp(p, C(2, 'a'), &s).ok());
  EXPECT_EQ(s.record().goal_progress().note(), "first");
}

// A map field (the options a session ran with) is copied whole, as any
// other field; the TSan build once crashed copying one through reflection.
TEST(MergeTest, MapFieldsAreCopiedWhole) {
  v1::OpBody b;
  b.set_kind(static_cast<uint32_t>(Kind::kExerciseSession));
  b.set_record_id(std::string(16, 's'));
  b.add_fields(v1::ExerciseSession::kExerciseFieldNumber);
  b.add_fields(v1::ExerciseSession::kOptionsFieldNumber);
  auto* session = b.mutable_record()->mutable_exercise_session();
  session->set_exercise("vulnerability");
  (*session->mutable_options())["turn_seconds"] = "60";
  (*session->mutable_options())["topic"] = "work";
  v1::RecordState s;
  ASSERT_TRUE(ApplyOp(b, C(1, 'a'), &s).ok());
  const auto& options = s.record().exercise_session().options();
  ASSERT_EQ(options.size(), 2u);
  EXPECT_EQ(options.at("turn_seconds"), "60");
  EXPECT_EQ(options.at("topic"), "work");
  // The same op again (a replay) leaves the same bytes.
  const std::string before = Bytes(s);
  ASSERT_TRUE(ApplyOp(b, C(1, 'a'), &s).ok());
  EXPECT_EQ(Bytes(s), before);
}

// A record new here takes the fields its op lists, no more: a value the op
// carries without listing it, or a field this build does not know, is not
// kept; and every listed field gets the op's clock.
TEST(MergeTest, ANewRecordTakesOnlyTheFieldsItsOpLists) {
  v1::OpBody b = SetTitle("listed");
  auto* entry = b.mutable_record()->mutable_journal_entry();
  entry->set_body("carried, not listed");
  entry->add_emotions()->set_label("calm");
  v1::RecordState s;
  ASSERT_TRUE(ApplyOp(b, C(1, 'a'), &s).ok());
  EXPECT_EQ(s.record().journal_entry().title(), "listed");
  EXPECT_EQ(s.record().journal_entry().body(), "");
  EXPECT_EQ(s.record().journal_entry().emotions_size(), 0);
  ASSERT_EQ(s.field_clocks().size(), 1u);
  EXPECT_EQ(s.field_clocks().at(v1::JournalEntry::kTitleFieldNumber).hlc(), 1u);

  // Everything listed, and a field from a newer build: the record as the op
  // has it, without the field it does not know.
  v1::OpBody all = SetTitle("all");
  all.add_fields(v1::JournalEntry::kBodyFieldNumber);
  all.add_fields(v1::JournalEntry::kEmotionsFieldNumber);
  all.add_fields(v1::JournalEntry::kEmotionsFieldNumber);  // a duplicate changes nothing
  auto* full = all.mutable_record()->mutable_journal_entry();
  full->set_body("words");
  full->add_emotions()->set_label("calm");
  full->GetReflection()->MutableUnknownFields(full)->AddVarint(999, 7);
  v1::RecordState t;
  ASSERT_TRUE(ApplyOp(all, C(2, 'b'), &t).ok());
  v1::JournalEntry expected = *full;
  expected.GetReflection()->MutableUnknownFields(&expected)->Clear();
  EXPECT_EQ(t.record().journal_entry().SerializeAsString(), expected.SerializeAsString());
  EXPECT_EQ(t.field_clocks().size(), 3u);
  for (const auto& [number, clock] : t.field_clocks()) EXPECT_EQ(clock.hlc(), 2u) << number;
}

TEST(MergeTest, MalformedBodiesAreRefusedAndChangeNothing) {
  v1::RecordState s;
  ASSERT_TRUE(ApplyOp(SetTitle("keep"), C(1, 'a'), &s).ok());
  std::string before = Bytes(s);
  v1::OpBody wrong_kind = SetTitle("x");
  wrong_kind.set_kind(static_cast<uint32_t>(Kind::kGoal));
  EXPECT_FALSE(ApplyOp(wrong_kind, C(2, 'a'), &s).ok());
  v1::OpBody unknown_field = SetTitle("x");
  unknown_field.add_fields(999);
  EXPECT_FALSE(ApplyOp(unknown_field, C(2, 'a'), &s).ok());
  v1::OpBody unknown_kind = SetTitle("x");
  unknown_kind.set_kind(77);
  EXPECT_FALSE(ApplyOp(unknown_kind, C(2, 'a'), &s).ok());
  EXPECT_EQ(Bytes(s), before);
}

// Any order and any duplication of the same ops gives byte-identical state.
TEST(MergeTest, SameOpsInAnyOrderGiveTheSameBytes) {
  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  std::mt19937 rng(seed);
  std::vector<std::pair<v1::OpBody, v1::Clock>> ops;
  std::set<std::pair<uint64_t, char>> used;  // a device never reads a clock twice
  for (int i = 0; i < 40; ++i) {
    uint64_t hlc = rng() % 10;  // many equal readings across devices
    char device = static_cast<char>('a' + rng() % 3);
    if (!used.insert({hlc, device}).second) continue;
    switch (rng() % 5) {
      case 0:
        ops.emplace_back(Tombstone(), C(hlc, device));
        break;
      case 1:
      case 2:
        ops.emplace_back(SetTitle("t" + std::to_string(i)), C(hlc, device));
        break;
      default:
        ops.emplace_back(SetBody("b" + std::to_string(i)), C(hlc, device));
    }
  }
  // Without tombstones too, so the live merge is exercised.
  for (bool with_tombstones : {true, false}) {
    std::vector<std::pair<v1::OpBody, v1::Clock>> set;
    for (const auto& op : ops) {
      if (with_tombstones || op.first.change_case() != v1::OpBody::kTombstone) {
        set.push_back(op);
      }
    }
    std::string expected;
    for (int round = 0; round < 20; ++round) {
      auto shuffled = set;
      std::shuffle(shuffled.begin(), shuffled.end(), rng);
      shuffled.push_back(shuffled[rng() % shuffled.size()]);  // a duplicate
      v1::RecordState s;
      for (const auto& [body, clock] : shuffled) ASSERT_TRUE(ApplyOp(body, clock, &s).ok());
      if (round == 0) expected = Bytes(s);
      EXPECT_EQ(Bytes(s), expected) << "round " << round;
    }
  }
}

}  // namespace
}  // namespace attune
