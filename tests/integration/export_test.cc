// Export and import as a person uses them: `attune export` (JSON and
// Markdown) on a device that holds its person's records and a partner's
// shared ones, `attune import` into a fresh vault, compared field by field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "api_helpers.h"
#include "attune/v1/api.pb.h"
#include "daemon_harness.h"
#include "google/protobuf/util/json_util.h"
#include "sync_support.h"

namespace attune::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

v1::ExportPart ReadExport(const std::string& path) {
  v1::ExportPart all;
  auto s = google::protobuf::util::JsonStringToMessage(ReadFile(path), &all);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return all;
}

// Imports `file` into `fresh` through the CLI and expects it refused as bad
// input naming `names`, with nothing written.
void ExpectImportRefused(DaemonHarness& fresh, const std::string& file, const std::string& names) {
  CliResult refused = RunCli(fresh, {"import", file});
  EXPECT_EQ(refused.exit_code, 2) << refused.out;
  EXPECT_THAT(refused.out, HasSubstr(names));
  EXPECT_TRUE(ListAllJournalEntries(fresh).empty()) << "nothing is written";
}

// Writes `all` to `path` as an export file (JSON, as `attune export` does);
// returns the path.
std::string WriteExport(const v1::ExportPart& all, const std::string& path) {
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(all, &json).ok());
  std::ofstream(path) << json;
  return path;
}

// A record as an import must keep it: everything but its name and author
// (a fresh vault is a new person id, so ids and author change), keyed by
// what stays: the kind and the id's random part, or a check-in's day.
std::map<std::string, v1::Record> OwnRecords(const v1::ExportPart& all) {
  std::map<std::string, v1::Record> out;
  for (v1::Record r : all.records()) {
    std::string key;
    std::string* author = nullptr;
    switch (r.kind_case()) {
      case v1::Record::kJournalEntry:
        key = "journal " + r.journal_entry().name().substr(r.journal_entry().name().size() - 16);
        r.mutable_journal_entry()->clear_name();
        author = r.mutable_journal_entry()->mutable_author();
        break;
      case v1::Record::kCheckIn:
        key = "check-in " + r.check_in().day();
        r.mutable_check_in()->clear_name();
        author = r.mutable_check_in()->mutable_author();
        break;
      case v1::Record::kGoal:
        key = "goal " + r.goal().name().substr(r.goal().name().size() - 16);
        r.mutable_goal()->clear_name();
        author = r.mutable_goal()->mutable_author();
        break;
      case v1::Record::kGoalProgress:
        key = "progress " + r.goal_progress().name().substr(r.goal_progress().name().size() - 16);
        r.mutable_goal_progress()->clear_name();
        author = r.mutable_goal_progress()->mutable_author();
        break;
      default:
        continue;
    }
    if (*author != all.header().exported_by()) continue;
    author->clear();
    out[key] = r;
  }
  return out;
}

v1::JournalEntry Entry(DaemonHarness& d, const std::string& title, const std::string& body,
                       v1::Visibility visibility) {
  v1::CreateJournalEntryRequest request;
  v1::JournalEntry* e = request.mutable_journal_entry();
  e->set_title(title);
  e->set_body(body);
  e->set_visibility(visibility);
  v1::EmotionLabel* feeling = e->add_emotions();
  feeling->set_label("grateful");
  feeling->set_intensity(4);
  v1::JournalEntry out;
  auto ctx = DaemonHarness::Context(std::chrono::seconds(30));
  EXPECT_OK(d.journal().CreateJournalEntry(ctx.get(), request, &out));
  return out;
}

TEST(ExportIT, AnExportImportedIntoAFreshVaultKeepsEveryFieldOfOnesOwnRecords) {
  DaemonHarness alex, sam;
  ASSERT_TRUE(StartPeer(alex, "Alex"));
  ASSERT_TRUE(StartPeer(sam, "Sam"));
  CliResult joined = PairWithCli(alex, sam);
  ASSERT_EQ(joined.exit_code, 0) << joined.out;

  const std::string today = UtcToday();
  Entry(alex, "Kept to myself", "A private thought\n# not a heading", v1::VISIBILITY_PRIVATE);
  Entry(alex, "For Sam", "Something I want Sam to read", v1::VISIBILITY_SHARED);
  ASSERT_OK(WriteCheckIn(alex, AddDays(today, -1), "a walk by the river"));
  ASSERT_OK(WriteCheckIn(alex, today, "a long call with my sister"));
  v1::CreateGoalRequest goal_request;
  v1::Goal* g = goal_request.mutable_goal();
  g->set_title("Reflective listening");
  g->set_target_per_period(2);
  g->set_period(v1::GOAL_PERIOD_WEEK);
  g->set_periods(4);
  g->set_start_day(AddDays(today, -3));
  g->set_time_zone("UTC");
  g->set_visibility(v1::VISIBILITY_SHARED);
  v1::Goal goal;
  {
    auto ctx = DaemonHarness::Context(std::chrono::seconds(30));
    ASSERT_OK(alex.goals().CreateGoal(ctx.get(), goal_request, &goal));
  }
  v1::LogProgressRequest progress;
  progress.set_parent(goal.name());
  progress.mutable_progress()->set_day(AddDays(today, -2));
  progress.mutable_progress()->set_note("it went well");
  {
    v1::GoalProgress done;
    auto ctx = DaemonHarness::Context(std::chrono::seconds(30));
    ASSERT_OK(alex.goals().LogProgress(ctx.get(), progress, &done));
  }
  Entry(sam, "From Sam", "Sam's shared words", v1::VISIBILITY_SHARED);
  // Sam's shared goal, on which Alex logs progress (Alex's own record on
  // Sam's goal).
  v1::CreateGoalRequest sams_request = goal_request;
  sams_request.mutable_goal()->set_title("Walk together");
  v1::Goal sams_goal;
  {
    auto ctx = DaemonHarness::Context(std::chrono::seconds(30));
    ASSERT_OK(sam.goals().CreateGoal(ctx.get(), sams_request, &sams_goal));
  }
  ASSERT_TRUE(Await([&] { return ListAllJournalEntries(alex).size() == 3; }));
  ASSERT_TRUE(Await([&] { return ListAllGoals(alex, false).size() == 2; }));
  v1::LogProgressRequest on_sams = progress;
  on_sams.set_parent(sams_goal.name());
  {
    v1::GoalProgress done;
    auto ctx = DaemonHarness::Context(std::chrono::seconds(30));
    ASSERT_OK(alex.goals().LogProgress(ctx.get(), on_sams, &done));
  }

  const std::string json = alex.root() + "/alex.json";
  CliResult exported = RunCli(alex, {"export", "--format", "json", "-o", json});
  ASSERT_EQ(exported.exit_code, 0) << exported.out;
  EXPECT_THAT(exported.out, HasSubstr("Exported 9 records (7 yours, 2 shared with you)"));
  struct stat st {};
  ASSERT_EQ(::stat(json.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Never over an existing file.
  CliResult again = RunCli(alex, {"export", "-o", json});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_THAT(again.out, HasSubstr("exists already"));

  const v1::ExportPart original = ReadExport(json);
  EXPECT_EQ(original.header().format(), "attune-export-1");
  EXPECT_EQ(original.header().display_name(), "Alex");
  ASSERT_EQ(original.header().members_size(), 2);
  EXPECT_EQ(original.header().members(1).display_name(), "Sam");

  const std::string md = alex.root() + "/alex.md";
  CliResult markdown = RunCli(alex, {"export", "--format", "markdown", "-o", md});
  ASSERT_EQ(markdown.exit_code, 0) << markdown.out;
  const std::string text = ReadFile(md);
  EXPECT_THAT(text, HasSubstr("# Alex's Attune"));
  EXPECT_THAT(text, HasSubstr("What Sam shared is here too"));
  EXPECT_THAT(text, HasSubstr("\\# not a heading"));
  EXPECT_THAT(text, HasSubstr("*Sam, shared*\n\nSam's shared words"));
  EXPECT_THAT(text, HasSubstr("- High: a walk by the river"));
  EXPECT_THAT(text, HasSubstr("- " + AddDays(today, -2) + ", Alex: it went well"));

  // Imported back into the same vault: everything is here already, the
  // progress on Sam's goal included.
  CliResult same = RunCli(alex, {"--json", "import", json});
  ASSERT_EQ(same.exit_code, 0) << same.out;
  EXPECT_THAT(same.out, HasSubstr("\"alreadyHere\": 7"));
  EXPECT_THAT(same.out, HasSubstr("\"notOwn\": 2"));
  // Sam cannot import Alex's export as Sam's own.
  CliResult not_sams = RunCli(sam, {"import", json});
  EXPECT_NE(not_sams.exit_code, 0);
  EXPECT_THAT(not_sams.out, HasSubstr("this export is Alex's"));

  // A fresh vault (a new machine, the passphrase lost with the old one).
  DaemonHarness fresh;
  ASSERT_TRUE(StartPeer(fresh, "Alex"));
  CliResult imported = RunCli(fresh, {"import", json});
  ASSERT_EQ(imported.exit_code, 0) << imported.out;
  EXPECT_THAT(imported.out, HasSubstr("Imported 6 records of yours."));
  // Sam's entry and goal, and Alex's progress on Sam's goal (not here).
  EXPECT_THAT(imported.out, HasSubstr("Left out 3 records of others"));

  const std::string back = fresh.root() + "/back.json";
  ASSERT_EQ(RunCli(fresh, {"export", "-o", back}).exit_code, 0);
  const v1::ExportPart restored = ReadExport(back);
  auto before = OwnRecords(original);
  // The progress on Sam's goal stays with Sam's goal, which is not here.
  for (const auto& r : original.records()) {
    const std::string& n = r.goal_progress().name();
    if (r.has_goal_progress() && n.rfind(sams_goal.name(), 0) == 0) {
      EXPECT_EQ(before.erase("progress " + n.substr(n.size() - 16)), 1u);
    }
  }
  const auto after = OwnRecords(restored);
  ASSERT_EQ(before.size(), 6u);
  ASSERT_EQ(after.size(), before.size());
  for (const auto& [key, record] : before) {
    auto it = after.find(key);
    ASSERT_NE(it, after.end()) << key;
    EXPECT_TRUE(ProtoEqual(record, it->second)) << key;
  }
  // The goal's progress still belongs to the imported goal.
  for (const auto& r : restored.records()) {
    if (!r.has_goal_progress()) continue;
    bool found = false;
    for (const auto& h : restored.records()) {
      found |= h.has_goal() && r.goal_progress().name().rfind(h.goal().name() + "/", 0) == 0;
    }
    EXPECT_TRUE(found) << r.goal_progress().name();
  }

  // Importing the same export again writes nothing twice.
  CliResult twice = RunCli(fresh, {"--json", "import", json});
  ASSERT_EQ(twice.exit_code, 0) << twice.out;
  EXPECT_THAT(twice.out, HasSubstr("\"alreadyHere\": 6"));
  EXPECT_EQ(ListAllJournalEntries(fresh).size(), 2u);
}

TEST(ExportIT, AnImportWithOneBadRecordWritesNothingAndSaysWhich) {
  DaemonHarness alex;
  ASSERT_TRUE(StartPeer(alex, "Alex"));
  Entry(alex, "One", "The first entry", v1::VISIBILITY_PRIVATE);
  ASSERT_OK(WriteCheckIn(alex, UtcToday(), "a good day"));
  const std::string json = alex.root() + "/alex.json";
  ASSERT_EQ(RunCli(alex, {"export", "-o", json}).exit_code, 0);

  v1::ExportPart all = ReadExport(json);
  for (auto& r : *all.mutable_records()) {
    if (r.has_check_in()) r.mutable_check_in()->set_connection_rating(9);
  }
  const std::string bad = WriteExport(all, alex.root() + "/bad.json");

  DaemonHarness fresh;
  ASSERT_TRUE(StartPeer(fresh, "Alex"));
  ExpectImportRefused(fresh, bad, "records[1].check_in.connection_rating");

  std::ofstream(alex.root() + "/not.json") << "{\"header\": {\"format\": \"something-else\"}}";
  CliResult other = RunCli(fresh, {"import", alex.root() + "/not.json"});
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_THAT(other.out, HasSubstr("header.format"));
  // The daemon keeps serving.
  EXPECT_EQ(ListAllCheckIns(fresh).size(), 0u);
  CliResult good = RunCli(fresh, {"import", json});
  EXPECT_EQ(good.exit_code, 0) << good.out;
  EXPECT_EQ(ListAllCheckIns(fresh).size(), 1u);
}

// A record that would not fit in one op (every peer refuses a larger one) is
// refused with the rest, before anything is written: here a goal whose time
// zone is 300 KB, after an entry that would otherwise be written first.
TEST(ExportIT, AnImportedRecordTooLargeToSyncIsRefusedBeforeAnythingIsWritten) {
  DaemonHarness alex;
  ASSERT_TRUE(StartPeer(alex, "Alex"));
  Entry(alex, "One", "The first entry", v1::VISIBILITY_PRIVATE);
  v1::CreateGoalRequest g;
  g.mutable_goal()->set_title("Walk together");
  g.mutable_goal()->set_target_per_period(2);
  g.mutable_goal()->set_period(v1::GOAL_PERIOD_WEEK);
  g.mutable_goal()->set_periods(4);
  v1::Goal goal;
  ASSERT_OK(alex.goals().CreateGoal(DaemonHarness::Context().get(), g, &goal));
  const std::string json = alex.root() + "/alex.json";
  ASSERT_EQ(RunCli(alex, {"export", "-o", json}).exit_code, 0);

  v1::ExportPart all = ReadExport(json);
  bool found = false;
  for (auto& r : *all.mutable_records()) {
    if (!r.has_goal()) continue;
    r.mutable_goal()->set_time_zone(std::string(300 * 1024, 'a'));
    found = true;
  }
  ASSERT_TRUE(found);
  const std::string bad = WriteExport(all, alex.root() + "/large.json");

  DaemonHarness fresh;
  ASSERT_TRUE(StartPeer(fresh, "Alex"));
  ExpectImportRefused(fresh, bad, "goal.time_zone");
  CliResult good = RunCli(fresh, {"import", json});
  EXPECT_EQ(good.exit_code, 0) << good.out;
  EXPECT_EQ(ListAllJournalEntries(fresh).size(), 1u);
}

}  // namespace
}  // namespace attune::testing
