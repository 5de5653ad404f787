#include "daemon/records/state_digest.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "daemon/base/hex.h"
#include "daemon/records/resource.h"
#include "tests/support/temp_store.h"
#include "tests/support/test_keys.h"
#include "tests/support/test_mutations.h"

namespace attune {
namespace {

using ::attune::testing::Id;
using ::attune::testing::Journal;
using ::attune::testing::KeysInSpace;
using ::attune::testing::NewKeys;
using ::attune::testing::TempDir;

Mutation CheckIn(int n, const std::string& high, const std::string& note) {
  Mutation m;
  m.body.set_kind(static_cast<uint32_t>(Kind::kCheckIn));
  m.body.set_record_id(Id(n));
  for (int f : {v1::CheckIn::kDayFieldNumber, v1::CheckIn::kHighFieldNumber,
                v1::CheckIn::kNoteFieldNumber, v1::CheckIn::kVisibilityFieldNumber}) {
    m.body.add_fields(static_cast<uint32_t>(f));
  }
  auto* c = m.body.mutable_record()->mutable_check_in();
  c->set_day("2026-11-24");
  c->set_high(high);
  c->set_note(note);
  c->set_visibility(v1::VISIBILITY_SHARED);
  m.visibility = v1::VISIBILITY_SHARED;
  return m;
}

Mutation Goal(int n, const std::string& title, v1::Visibility visibility) {
  Mutation m;
  m.body.set_kind(static_cast<uint32_t>(Kind::kGoal));
  m.body.set_record_id(Id(n));
  m.body.add_fields(v1::Goal::kTitleFieldNumber);
  m.body.add_fields(v1::Goal::kVisibilityFieldNumber);
  m.body.mutable_record()->mutable_goal()->set_title(title);
  m.body.mutable_record()->mutable_goal()->set_visibility(visibility);
  m.visibility = visibility;
  return m;
}

// Progress is as private as its goal (see LogGoalProgress).
Mutation Progress(int n, int goal, const std::string& note, v1::Visibility visibility) {
  Mutation m;
  m.body.set_kind(static_cast<uint32_t>(Kind::kGoalProgress));
  m.body.set_record_id(Id(n));
  m.body.add_fields(v1::GoalProgress::kNameFieldNumber);
  m.body.add_fields(v1::GoalProgress::kNoteFieldNumber);
  auto* p = m.body.mutable_record()->mutable_goal_progress();
  p->set_name(MakeName(kGoals, Id(goal)) + "/progress/" + ToHex(Id(n)));
  p->set_note(note);
  m.visibility = visibility;
  return m;
}

Mutation Delete(Kind kind, int n, v1::Visibility visibility) {
  Mutation m;
  m.body.set_kind(static_cast<uint32_t>(kind));
  m.body.set_record_id(Id(n));
  m.body.set_tombstone(true);
  m.visibility = visibility;
  return m;
}

// One device: its keys, database and store.
struct Device {
  explicit Device(std::shared_ptr<const KeySet> k) : keys(std::move(k)) {}
  void Write(Mutation m) {
    auto written = store->Write(*keys, std::move(m));
    ASSERT_TRUE(written.ok()) << written.status();
  }
  StateDigest Digest() {
    auto d = ComputeStateDigest(*store, *keys);
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? *d : StateDigest{};
  }
  // Takes every shared op of `other` this device lacks, as sync would.
  void SyncFrom(Device& other) {
    auto have = store->SharedVersionVector();
    for (const auto& [device, seq] : other.store->SharedVersionVector()) {
      auto raw = other.store->ReadSharedOps(device, have[device] + 1, 10000, 64 << 20);
      ASSERT_TRUE(raw.ok()) << raw.status();
      std::vector<RecordStore::RemoteOp> ops;
      for (const std::string& bytes : *raw) {
        v1::Op op;
        ASSERT_TRUE(op.ParseFromString(bytes));
        RecordStore::RemoteOp r;
        ASSERT_TRUE(r.header.ParseFromString(op.header()));
        r.bytes = bytes;
        ops.push_back(std::move(r));
      }
      auto added = store->Ingest(keys.get(), std::move(ops));
      ASSERT_TRUE(added.ok()) << added.status();
    }
  }

  std::shared_ptr<const KeySet> keys;
  testing::TempStore temp;
  RecordStore* store = temp.store.get();
};

std::vector<Mutation> SharedRecords() {
  std::vector<Mutation> out;
  out.push_back(Journal(1, "we walked by the river", v1::VISIBILITY_SHARED));
  out.push_back(CheckIn(2, "dinner together", "a good day"));
  out.push_back(Goal(3, "Reflective listening", v1::VISIBILITY_SHARED));
  out.push_back(Progress(4, 3, "first time", v1::VISIBILITY_SHARED));
  out.push_back(Progress(5, 3, "second time", v1::VISIBILITY_SHARED));
  out.push_back(Journal(6, "the trip we plan", v1::VISIBILITY_SHARED));
  return out;
}

TEST(StateDigestTest, TheSameRecordsWrittenInAnotherOrderGiveTheSameDigest) {
  auto keys = NewKeys();
  Device a(keys), b(keys);
  for (Mutation& m : SharedRecords()) a.Write(std::move(m));
  std::vector<Mutation> reversed = SharedRecords();
  for (auto it = reversed.rbegin(); it != reversed.rend(); ++it) b.Write(std::move(*it));

  StateDigest da = a.Digest(), db = b.Digest();
  EXPECT_EQ(da.digest.size(), 32u);
  EXPECT_EQ(da.record_count, 6);
  EXPECT_EQ(da.record_count, db.record_count);
  EXPECT_EQ(ToHex(da.digest), ToHex(db.digest));
}

TEST(StateDigestTest, OneDifferentFieldGivesADifferentDigestUntilItIsTheSame) {
  auto keys = NewKeys();
  Device a(keys), b(keys);
  for (Mutation& m : SharedRecords()) a.Write(std::move(m));
  for (Mutation& m : SharedRecords()) b.Write(std::move(m));
  ASSERT_EQ(ToHex(a.Digest().digest), ToHex(b.Digest().digest));

  // The note of one check-in differs.
  b.Write(CheckIn(2, "dinner together", "a good day!"));
  EXPECT_NE(ToHex(a.Digest().digest), ToHex(b.Digest().digest));
  EXPECT_EQ(a.Digest().record_count, b.Digest().record_count);
  // Written back, the states are the same again, whatever the history.
  b.Write(CheckIn(2, "dinner together", "a good day"));
  EXPECT_EQ(ToHex(a.Digest().digest), ToHex(b.Digest().digest));

  // The same content under another id is another state.
  Device c(keys), d(keys);
  c.Write(Journal(1, "same words", v1::VISIBILITY_SHARED));
  d.Write(Journal(7, "same words", v1::VISIBILITY_SHARED));
  EXPECT_NE(ToHex(c.Digest().digest), ToHex(d.Digest().digest));
  // And an extra goal progress is an extra record.
  c.Write(Progress(8, 3, "x", v1::VISIBILITY_SHARED));
  EXPECT_EQ(c.Digest().record_count, 1) << "progress of a goal this device lacks";
}

TEST(StateDigestTest, PrivateRecordsDoNotChangeIt) {
  Device a(NewKeys());
  for (Mutation& m : SharedRecords()) a.Write(std::move(m));
  StateDigest before = a.Digest();

  a.Write(Journal(10, "only for me", v1::VISIBILITY_PRIVATE));
  a.Write(Goal(11, "a private goal", v1::VISIBILITY_PRIVATE));
  a.Write(Progress(12, 11, "private progress", v1::VISIBILITY_PRIVATE));
  StateDigest after = a.Digest();
  EXPECT_EQ(ToHex(before.digest), ToHex(after.digest));
  EXPECT_EQ(before.record_count, after.record_count);

  // Sharing one changes it; making it private again changes it back.
  Mutation share = Journal(10, "only for me", v1::VISIBILITY_SHARED);
  a.Write(std::move(share));
  EXPECT_NE(ToHex(before.digest), ToHex(a.Digest().digest));
  EXPECT_EQ(a.Digest().record_count, before.record_count + 1);
  a.Write(Journal(10, "only for me", v1::VISIBILITY_PRIVATE));
  EXPECT_EQ(ToHex(before.digest), ToHex(a.Digest().digest));
}

TEST(StateDigestTest, ADeletedRecordCountsAsAbsent) {
  auto keys = NewKeys();
  Device a(keys), b(keys);
  for (Mutation& m : SharedRecords()) a.Write(std::move(m));
  for (Mutation& m : SharedRecords()) b.Write(std::move(m));
  b.Write(Journal(9, "soon gone", v1::VISIBILITY_SHARED));
  EXPECT_NE(ToHex(a.Digest().digest), ToHex(b.Digest().digest));
  b.Write(Delete(Kind::kJournalEntry, 9, v1::VISIBILITY_SHARED));
  EXPECT_EQ(ToHex(a.Digest().digest), ToHex(b.Digest().digest));
  // Deleting a goal takes its progress out too.
  b.Write(Delete(Kind::kGoal, 3, v1::VISIBILITY_SHARED));
  EXPECT_EQ(b.Digest().record_count, 3);
}

TEST(StateDigestTest, PartnersThatSyncedShowTheSameDigest) {
  auto founder = NewKeys("Alex");
  auto partner = KeysInSpace(*NewKeys("Sam"), founder->space_id, founder->space_key);
  Device alex(founder), sam(partner);
  for (Mutation& m : SharedRecords()) alex.Write(std::move(m));
  alex.Write(Journal(20, "Alex's private words", v1::VISIBILITY_PRIVATE));
  sam.Write(Journal(21, "Sam's private words", v1::VISIBILITY_PRIVATE));
  EXPECT_NE(ToHex(alex.Digest().digest), ToHex(sam.Digest().digest));

  sam.SyncFrom(alex);
  EXPECT_EQ(ToHex(alex.Digest().digest), ToHex(sam.Digest().digest));
  EXPECT_EQ(sam.Digest().record_count, 6);

  // Sam edits a shared record of Alex's and adds one; Alex syncs.
  sam.Write(Journal(1, "we walked by the river, slowly", v1::VISIBILITY_SHARED));
  sam.Write(CheckIn(22, "Sam's evening", ""));
  EXPECT_NE(ToHex(alex.Digest().digest), ToHex(sam.Digest().digest));
  alex.SyncFrom(sam);
  EXPECT_EQ(ToHex(alex.Digest().digest), ToHex(sam.Digest().digest));
  EXPECT_EQ(alex.Digest().record_count, 7);
}

}  // namespace
}  // namespace attune
