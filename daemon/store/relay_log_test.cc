#include "daemon/store/relay_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/store/meta.h"
#include "tests/support/test_keys.h"

namespace attune {
namespace {

using ::attune::testing::TempDir;
using ::testing::ElementsAre;

const std::string kSpace(16, 's');
const std::string kOther(16, 'o');
const std::string kAlex(32, 'a');
const std::string kSam(32, 'b');

class RelayLogTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    log_.reset();
    db_.reset();
    DbOptions options;
    options.path = dir_.path() + "/db";
    auto db = Db::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    log_ = std::make_unique<RelayLog>(db_.get());
    ASSERT_TRUE(log_->Load().ok());
  }
  TempDir dir_;
  std::unique_ptr<Db> db_;
  std::unique_ptr<RelayLog> log_;
};

TEST_F(RelayLogTest, KeepsStreamsContiguousAndDurableAcrossAReopen) {
  auto added = log_->Append(kSpace, {{kAlex, 1, "a1"}, {kAlex, 2, "a2"}, {kSam, 1, "s1"}});
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(*added, 3u);
  // A duplicate is skipped; a gap is refused with its stream's later ops,
  // the rest of the batch kept.
  added = log_->Append(kSpace, {{kAlex, 2, "a2"}, {kAlex, 4, "a4"}, {kSam, 2, "s2"}});
  EXPECT_EQ(added.status().code(), absl::StatusCode::kInvalidArgument);
  Open();
  EXPECT_EQ(log_->HeadsOf(kSpace), (RelayLog::Heads{{kAlex, 2}, {kSam, 2}}));
  EXPECT_EQ(log_->OpsHeld(kSpace), 4u);
  auto ops = log_->Read(kSpace, kAlex, 1, 10, 1 << 20);
  ASSERT_TRUE(ops.ok());
  EXPECT_THAT(*ops, ElementsAre("a1", "a2"));
  ops = log_->Read(kSpace, kSam, 2, 10, 1 << 20);
  EXPECT_THAT(*ops, ElementsAre("s2"));
  EXPECT_TRUE(log_->HeadsOf(kOther).empty());
}

TEST_F(RelayLogTest, ForgettingASpaceLeavesTheOthers) {
  ASSERT_TRUE(log_->Append(kSpace, {{kAlex, 1, "a1"}}).ok());
  ASSERT_TRUE(log_->Append(kOther, {{kSam, 1, "s1"}}).ok());
  ASSERT_TRUE(log_->Visited(kSpace, 1000).ok());
  ASSERT_TRUE(LocalSettings(db_.get(), LocalTable::kMembers, kSpace).Put("x", "cert").ok());
  ASSERT_TRUE(log_->Forget(kSpace).ok());
  Open();
  EXPECT_THAT(log_->Spaces(), ElementsAre(kOther));
  EXPECT_EQ(log_->LastVisit(kSpace), 0);
  auto cert = LocalSettings(db_.get(), LocalTable::kMembers, kSpace).Get("x");
  ASSERT_TRUE(cert.ok());
  EXPECT_FALSE(cert->has_value());
  auto ops = log_->Read(kOther, kSam, 1, 10, 1 << 20);
  EXPECT_THAT(*ops, ElementsAre("s1"));
}

}  // namespace
}  // namespace attune
