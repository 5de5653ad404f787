#include "daemon/plugins/permissions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace attune {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

plugin::v1::PluginManifest Manifest(std::vector<std::string> kinds) {
  plugin::v1::PluginManifest m;
  m.set_id("practices");
  for (auto& k : kinds) m.add_permissions(k);
  return m;
}

v1::PluginGrant GrantOf(std::vector<std::string> kinds) {
  v1::PluginGrant g;
  g.set_plugin("practices");
  for (auto& k : kinds) g.add_kinds(k);
  return g;
}

TEST(PermissionsTest, BuiltinPluginsHaveWhatTheyAskForUntilChanged) {
  auto m = Manifest({"check_in", "appreciation"});
  EXPECT_THAT(EffectiveGrant(m, true, std::nullopt), ElementsAre("check_in", "appreciation"));
  EXPECT_THAT(EffectiveGrant(m, false, std::nullopt), IsEmpty());
  EXPECT_THAT(EffectiveGrant(m, true, GrantOf({"appreciation"})), ElementsAre("appreciation"));
  // A grant never reaches beyond what the manifest asks for now.
  EXPECT_THAT(EffectiveGrant(m, false, GrantOf({"appreciation", "journal_entry"})),
              ElementsAre("appreciation"));
}

// An exercise without `writes`: it may write all the manifest asks for.
v1::Exercise Undeclared(const std::string& id = "any") {
  v1::Exercise e;
  e.set_id(id);
  return e;
}

v1::Exercise Writing(const std::string& id, std::vector<std::string> kinds) {
  v1::Exercise e;
  e.set_id(id);
  auto* writes = e.mutable_writes();
  for (auto& k : kinds) writes->add_kinds(k);
  return e;
}

TEST(PermissionsTest, AnExerciseWithoutWritesNeedsEverythingAskedFor) {
  auto m = Manifest({"check_in", "appreciation"});
  EXPECT_TRUE(CheckCanStart(m, Undeclared(), {"check_in", "appreciation"}).ok());
  absl::Status s = CheckCanStart(m, Undeclared(), {"check_in"});
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("appreciation"));
  EXPECT_THAT(s.message(), HasSubstr("attune plugin grant practices appreciation"));
  EXPECT_TRUE(CheckCanStart(Manifest({}), Undeclared(), {}).ok());
}

// Revoking one kind stops only the exercises that write it.
TEST(PermissionsTest, AnExerciseNeedsOnlyWhatItWrites) {
  auto m = Manifest({"check_in", "appreciation"});
  EXPECT_TRUE(CheckCanStart(m, Writing("daily-checkin", {"check_in"}), {"check_in"}).ok());
  EXPECT_TRUE(CheckCanStart(m, Writing("listening", {}), {}).ok());
  absl::Status s = CheckCanStart(m, Writing("appreciation", {"appreciation"}), {"check_in"});
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("appreciation needs permission to write appreciations"));
}

TEST(PermissionsTest, OutputsMustBeAskedForAndGranted) {
  auto m = Manifest({"check_in"});
  plugin::v1::FinishResponse f;
  f.add_records()->mutable_check_in()->set_high("h");
  EXPECT_TRUE(CheckOutputs(m, Undeclared(), {"check_in"}, f).ok());
  EXPECT_EQ(CheckOutputs(m, Undeclared(), {}, f).code(), absl::StatusCode::kPermissionDenied);
  // An exercise that says it writes nothing may not write a check-in.
  EXPECT_EQ(CheckOutputs(m, Writing("listening", {}), {"check_in"}, f).code(),
            absl::StatusCode::kPermissionDenied);
  f.add_records()->mutable_appreciation()->set_text("t");
  absl::Status s = CheckOutputs(m, Undeclared(), {"check_in"}, f);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("does not ask for"));
  EXPECT_THAT(s.message(), HasSubstr("records[1]"));
}

TEST(PermissionsTest, KindOfNamesTheOutput) {
  plugin::v1::OutputRecord r;
  EXPECT_EQ(KindOf(r), "");
  r.mutable_plugin_record();
  EXPECT_EQ(KindOf(r), "plugin_record");
  for (const auto& k : KnownRecordKinds()) {
    EXPECT_NE(plugin::v1::OutputRecord::descriptor()->FindFieldByName(k), nullptr) << k;
  }
}

TEST(PermissionsTest, GrantAddsOnlyWhatIsAskedFor) {
  auto m = Manifest({"check_in", "appreciation", "journal_entry"});
  auto all = Grant(m, {}, {});
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(all->kinds(), ElementsAre("check_in", "appreciation", "journal_entry"));
  auto some = Grant(m, {"journal_entry"}, {"check_in"});
  ASSERT_TRUE(some.ok());
  EXPECT_THAT(some->kinds(), ElementsAre("check_in", "journal_entry"));
  auto unasked = Grant(m, {}, {"plugin_record"});
  EXPECT_EQ(unasked.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unasked.status().message(), HasSubstr("kinds:"));
  auto unknown = Grant(m, {}, {"vault_keys"});
  EXPECT_THAT(unknown.status().message(), HasSubstr("not a record kind"));
}

TEST(PermissionsTest, RevokeTakesAway) {
  auto m = Manifest({"check_in", "appreciation"});
  auto one = Revoke(m, {"check_in", "appreciation"}, {"appreciation"});
  ASSERT_TRUE(one.ok());
  EXPECT_THAT(one->kinds(), ElementsAre("check_in"));
  auto all = Revoke(m, {"check_in", "appreciation"}, {});
  ASSERT_TRUE(all.ok());
  EXPECT_THAT(all->kinds(), IsEmpty());
  EXPECT_FALSE(Revoke(m, {}, {"nonsense"}).ok());
}

}  // namespace
}  // namespace attune
