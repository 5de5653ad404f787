#include "daemon/records/authorship.h"

#include <gtest/gtest.h>

#include "daemon/base/hex.h"

namespace attune {
namespace {

const std::string kAlex = std::string("alex-member-id16");
const std::string kSam = std::string("sam--member-id16");

v1::OpBody Entry(const std::string& id, const std::string& author_member) {
  v1::OpBody body;
  body.set_kind(v1::Record::kJournalEntry);
  body.set_record_id(id);
  body.mutable_record()->mutable_journal_entry()->set_author(ToHex(author_member));
  body.mutable_record()->mutable_journal_entry()->set_body("words");
  body.add_fields(2);
  return body;
}

TEST(AuthorshipTest, ARecordIdSaysWhoseItIs) {
  std::string id = NewRecordIdOf(kAlex);
  ASSERT_EQ(id.size(), 16u);
  EXPECT_TRUE(IdBelongsTo(id, kAlex));
  EXPECT_FALSE(IdBelongsTo(id, kSam));
  EXPECT_NE(NewRecordIdOf(kAlex), id);  // the rest is random
  std::string derived = RecordIdOf(kSam, std::string(16, 'x'));
  EXPECT_TRUE(IdBelongsTo(derived, kSam));
  EXPECT_EQ(derived.substr(8), std::string(8, 'x'));
}

TEST(AuthorshipTest, TheAuthorsOwnOpsPass) {
  EXPECT_TRUE(CheckOpAuthority(Entry(NewRecordIdOf(kAlex), kAlex), kAlex).ok());
  v1::OpBody tombstone;
  tombstone.set_kind(v1::Record::kJournalEntry);
  tombstone.set_record_id(NewRecordIdOf(kAlex));
  tombstone.set_tombstone(true);
  EXPECT_TRUE(CheckOpAuthority(tombstone, kAlex).ok());
}

TEST(AuthorshipTest, NobodyChangesOrDeletesAnotherMembersRecord) {
  std::string alexs = NewRecordIdOf(kAlex);
  // Sam edits Alex's entry, naming Sam or Alex as author: refused either way.
  EXPECT_EQ(CheckOpAuthority(Entry(alexs, kSam), kSam).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckOpAuthority(Entry(alexs, kAlex), kSam).code(),
            absl::StatusCode::kPermissionDenied);
  v1::OpBody tombstone;
  tombstone.set_kind(v1::Record::kJournalEntry);
  tombstone.set_record_id(alexs);
  tombstone.set_tombstone(true);
  EXPECT_EQ(CheckOpAuthority(tombstone, kSam).code(), absl::StatusCode::kPermissionDenied);
}

TEST(AuthorshipTest, NobodyWritesAsSomebodyElse) {
  // A record of Sam's own that names Alex as its author.
  EXPECT_EQ(CheckOpAuthority(Entry(NewRecordIdOf(kSam), kAlex), kSam).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(AuthorshipTest, MemberIdsSharingTheIdPrefixCollide) {
  std::string twin = kAlex.substr(0, 8) + "something-else";
  EXPECT_TRUE(MemberIdsCollide(kAlex, twin.substr(0, 16)));
  EXPECT_FALSE(MemberIdsCollide(kAlex, kAlex));
  EXPECT_FALSE(MemberIdsCollide(kAlex, kSam));
}

}  // namespace
}  // namespace attune
