// What a partner's device shows of exercises done on the other device: only
// what the person chose to share. Two paired daemons with the built-in
// plugins; Alex runs exercises, and the test reads everything Sam's device
// shows (journal, check-ins, exercise sessions) after sync caught up.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "api_helpers.h"
#include "disk_reader.h"
#include "exercise_driver.h"
#include "sync_support.h"
#include "tests/support/test_plugin.h"

namespace attune::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

const std::vector<std::string> kBuiltins = {"daily-checkin",       "reflective-listening",
                                            "emotion-naming",      "appreciation",
                                            "vulnerability",       "nonverbal-attunement",
                                            "shared-curiosity",    "study-together",
                                            "connection-meanings", "repair"};

class ExercisePrivacyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::vector<std::string> plugins = {"--plugins-dir", ATTUNE_BUILTIN_PLUGINS_DIR};
    // Alex also has the test plugin, as "tp" (its exercises "tp-…").
    const std::string more = alex_.root() + "/more-plugins";
    ASSERT_NE(MakeTestPlugin(more, "tp", "normal", "", "1.0.0", "tp-"), "");
    std::vector<std::string> alex_plugins = plugins;
    alex_plugins.insert(alex_plugins.end(), {"--plugins-dir", more});
    ASSERT_TRUE(StartPeer(alex_, "Alex", alex_plugins));
    ASSERT_TRUE(StartPeer(sam_, "Sam", plugins));
    CliResult joined = PairWithCli(alex_, sam_);
    ASSERT_EQ(joined.exit_code, 0) << joined.out;
    v1::ListEmotionsResponse vocab;
    ASSERT_OK(alex_.checkins().ListEmotions(DaemonHarness::Context().get(), {}, &vocab));
    std::vector<std::string> labels;
    for (const auto& f : vocab.families()) {
      labels.insert(labels.end(), f.labels().begin(), f.labels().end());
    }
    alex_driver_ = std::make_unique<ExerciseDriver>(alex_.channel(), labels);
    sam_driver_ = std::make_unique<ExerciseDriver>(sam_.channel(), labels);
  }

  // Runs `exercise` on Alex's device to its end.
  void Run(const std::string& exercise, v1::Visibility visibility = v1::VISIBILITY_UNSPECIFIED) {
    v1::StartSessionRequest request;
    request.set_exercise(exercise);
    request.set_partner_name("Sam");
    request.set_visibility(visibility);
    auto run = alex_driver_->RunSession(request);
    ASSERT_OK(run.status);
    ASSERT_TRUE(run.last.finished()) << exercise;
  }

  // Writes a shared check-in on Alex's device and waits until Sam's shows it:
  // sync has then carried every shared op Alex wrote before it.
  void AwaitSam() {
    ASSERT_OK(WriteCheckIn(alex_, AddDays(UtcToday(), -(++markers_)), "sync marker"));
    ASSERT_TRUE(Await([&] {
      int n = 0;
      for (const auto& c : ListAllCheckIns(sam_)) n += c.high() == "sync marker";
      return n == markers_;
    }));
  }

  // Everything Sam's device shows, as text.
  std::string SamSees() {
    std::string out;
    for (const auto& j : ListAllJournalEntries(sam_)) out += j.DebugString();
    for (const auto& c : ListAllCheckIns(sam_)) {
      if (c.high() != "sync marker") out += c.DebugString();
    }
    for (const auto& s : sam_driver_->Sessions()) out += s.DebugString();
    for (const auto& a : ListAllAppreciations(sam_)) out += a.DebugString();
    return out;
  }
  // What Sam's device holds on its disk, read with Sam's passphrase once it
  // has stopped: every op there must open with Sam's keys (a private op of
  // Alex's never reaches it, not even sealed); their text.
  std::string SamsDisk() {
    EXPECT_EQ(sam_.Stop(), 0) << sam_.StderrSinceStart();
    OnDisk disk = ReadDisk(sam_.data_dir(), kPeerPassphrase);
    EXPECT_GT(disk.ops, 0);
    EXPECT_EQ(disk.opened, disk.ops) << "an op on Sam's disk that Sam's keys cannot open";
    return disk.text;
  }
  std::set<std::string> SessionsSamSees() {
    std::set<std::string> out;
    for (const auto& s : sam_driver_->Sessions()) out.insert(s.exercise());
    return out;
  }

  DaemonHarness alex_, sam_;
  std::unique_ptr<ExerciseDriver> alex_driver_, sam_driver_;
  int markers_ = 0;
};

// Started --private, no exercise leaves anything on the partner's device,
// whatever its plugin asked for (the daily check-in asks for SHARED).
TEST_F(ExercisePrivacyTest, EveryExerciseStartedPrivateLeavesNothingOnThePartnersDevice) {
  for (const auto& id : kBuiltins) {
    SCOPED_TRACE(id);
    ASSERT_NO_FATAL_FAILURE(Run(id, v1::VISIBILITY_PRIVATE));
  }
  ASSERT_EQ(alex_driver_->Sessions().size(), kBuiltins.size());
  ASSERT_NO_FATAL_FAILURE(AwaitSam());
  EXPECT_EQ(SamSees(), "");
  const std::string disk = SamsDisk();
  EXPECT_THAT(disk, Not(HasSubstr("exercise_session")));
  EXPECT_THAT(disk, Not(HasSubstr("journal_entry")));
  EXPECT_THAT(disk, Not(HasSubstr("answer to")));
}

// A long exercise (100 questions of 4,000 characters, long answers) is kept
// within what one op may be, so that it reaches the partner and sync goes on
// after it: every peer refuses a larger op, and the author's stream would
// stop there. The answers are kept whole (a session keeps at most 96 KiB of
// written answers: one past that is refused and can be given shorter), the
// questions from the first on while the record fits.
TEST_F(ExercisePrivacyTest, ALongExerciseReachesThePartnerAndSyncGoesOn) {
  v1::GrantPermissionsRequest grant;
  grant.set_plugin("tp");
  v1::PluginInfo info;
  ASSERT_OK(alex_driver_->plugins().GrantPermissions(DaemonHarness::Context().get(), grant, &info));
  auto words = [](size_t n) {
    std::string out;
    while (out.size() < n) out += "we walked by the river and talked about the year ahead. ";
    out.resize(n);
    return out;
  };
  for (int i = 0; i < 99; ++i) alex_driver_->overrides["q-" + std::to_string(i)] = Text(words(990));
  alex_driver_->overrides["q-99"] = Text(words(2000));
  v1::StartSessionRequest request;
  request.set_exercise("tp-long");
  request.set_visibility(v1::VISIBILITY_SHARED);
  auto run = alex_driver_->RunSession(request);
  EXPECT_EQ(run.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(run.status.error_message(), HasSubstr("at most 96 KiB of answers"));
  ASSERT_EQ(run.last.step().key(), "q-99");
  v1::LiveSession done;
  ASSERT_OK(alex_driver_->Answer(run.last.name(), Text(words(200)), &done));
  ASSERT_TRUE(done.finished());

  ASSERT_NO_FATAL_FAILURE(AwaitSam());
  auto sessions = sam_driver_->Sessions("tp-long");
  ASSERT_EQ(sessions.size(), 1u);
  const v1::ExerciseSession& s = sessions.front();
  ASSERT_EQ(s.answers_size(), 100);
  EXPECT_EQ(s.answers(0).answer(), words(990));
  EXPECT_EQ(s.answers(99).answer(), words(200));
  EXPECT_THAT(s.answers(0).question(), HasSubstr("Question 0:"));
  EXPECT_EQ(s.answers(99).question(), "");  // the last questions did not fit
  EXPECT_EQ(s.answers(99).step(), "q-99");
}

// A session credits at most 20 goals that name its exercise, the person's own
// first: a partner who made hundreds of shared goals naming it cannot make
// each session write hundreds of progress records, or a record too large.
TEST_F(ExercisePrivacyTest, ASessionCreditsAtMostTwentyGoalsTheAuthorsOwnFirst) {
  auto make = [](DaemonHarness& d, const std::string& title) {
    v1::CreateGoalRequest g;
    g.mutable_goal()->set_title(title);
    g.mutable_goal()->set_exercise("appreciation");
    g.mutable_goal()->set_target_per_period(2);
    g.mutable_goal()->set_period(v1::GOAL_PERIOD_WEEK);
    g.mutable_goal()->set_periods(4);
    g.mutable_goal()->set_visibility(v1::VISIBILITY_SHARED);
    v1::Goal goal;
    EXPECT_OK(d.goals().CreateGoal(DaemonHarness::Context().get(), g, &goal));
    return goal.name();
  };
  for (int i = 0; i < 25; ++i) make(sam_, "Sam's goal " + std::to_string(i));
  const std::string own = make(alex_, "Alex's goal");
  ASSERT_TRUE(Await([&] { return ListAllGoals(alex_, false).size() == 26u; }));
  ASSERT_NO_FATAL_FAILURE(Run("appreciation"));
  auto sessions = alex_driver_->Sessions("appreciation");
  ASSERT_EQ(sessions.size(), 1u);
  ASSERT_EQ(sessions.front().goals_size(), 20);
  EXPECT_EQ(sessions.front().goals(0), own);
}

// Not chosen: the answers of an exercise done alone stay on the author's
// device; a pair exercise's session is shared; a private answer (keep this
// privately, a private note) keeps the session that holds it private too,
// even one done together.
TEST_F(ExercisePrivacyTest, PrivateAnswersAndSoloSessionsStayOnTheAuthorsDevice) {
  alex_driver_->overrides["keep"] = Choose({"private"});
  ASSERT_NO_FATAL_FAILURE(Run("emotion-naming"));
  alex_driver_->overrides["keep"] = Choose({"yes"});  // a private note, done together
  ASSERT_NO_FATAL_FAILURE(Run("vulnerability"));
  alex_driver_->overrides.erase("keep");
  ASSERT_NO_FATAL_FAILURE(Run("reflective-listening"));
  // Shared when asked: the journal entry, but not the solo session's answers.
  alex_driver_->overrides["keep"] = Choose({"shared"});
  ASSERT_NO_FATAL_FAILURE(Run("emotion-naming"));
  ASSERT_NO_FATAL_FAILURE(AwaitSam());

  EXPECT_EQ(SessionsSamSees(), std::set<std::string>{"reflective-listening"});
  std::string seen = SamSees();
  std::string sessions;
  for (const auto& s : sam_driver_->Sessions()) sessions += s.DebugString();
  // The trigger is in the shared journal entry only, where the person put it.
  EXPECT_THAT(sessions, Not(HasSubstr("answer to trigger")));
  EXPECT_THAT(seen, Not(HasSubstr("Ten minutes")));
  auto journal = ListAllJournalEntries(sam_);
  ASSERT_EQ(journal.size(), 1u) << seen;
  EXPECT_EQ(journal[0].title(), "Naming a feeling");
  EXPECT_EQ(journal[0].visibility(), v1::VISIBILITY_SHARED);
  // Alex's own device keeps all of it.
  EXPECT_EQ(alex_driver_->Sessions().size(), 4u);
  EXPECT_EQ(ListAllJournalEntries(alex_).size(), 3u);
  // Nor is more on Sam's disk than Sam's device shows.
  const std::string disk = SamsDisk();
  EXPECT_THAT(disk, Not(HasSubstr("Ten minutes")));
  EXPECT_THAT(disk, HasSubstr("Naming a feeling"));
}

// Appreciations are listed, newest first, with their giver: on the partner's
// device only the shared ones (a private one never gets there), on the
// giver's device all of them; `attune appreciation list` names the giver.
TEST_F(ExercisePrivacyTest, AppreciationsAreListedByGiverAndPrivateOnesStayHome) {
  alex_driver_->overrides["moment"] = Text("You listened to my whole project update");
  ASSERT_NO_FATAL_FAILURE(Run("appreciation"));
  alex_driver_->overrides["moment"] = Text("You made tea, a thought kept to myself");
  ASSERT_NO_FATAL_FAILURE(Run("appreciation", v1::VISIBILITY_PRIVATE));
  ASSERT_NO_FATAL_FAILURE(AwaitSam());

  v1::VaultStatus alex_status;
  ASSERT_OK(alex_.GetStatus(&alex_status));
  std::vector<v1::Appreciation> sams = ListAllAppreciations(sam_);
  ASSERT_EQ(sams.size(), 1u);
  EXPECT_THAT(sams[0].text(), HasSubstr("project update"));
  EXPECT_EQ(sams[0].author(), alex_status.member_id());
  EXPECT_EQ(sams[0].visibility(), v1::VISIBILITY_SHARED);
  std::vector<v1::Appreciation> alexs = ListAllAppreciations(alex_, /*page_size=*/1);
  ASSERT_EQ(alexs.size(), 2u) << "page by page";
  EXPECT_THAT(alexs[0].text(), HasSubstr("made tea")) << "newest first";
  EXPECT_EQ(alexs[0].visibility(), v1::VISIBILITY_PRIVATE);
  EXPECT_THAT(alexs[1].text(), HasSubstr("project update"));
  EXPECT_THAT(alexs[0].name(), ::testing::StartsWith("appreciations/"));

  CliResult on_sam = RunCli(sam_, {"appreciation", "list"});
  ASSERT_EQ(on_sam.exit_code, 0) << on_sam.out;
  EXPECT_THAT(on_sam.out, HasSubstr("Alex, for Sam"));
  EXPECT_THAT(on_sam.out, HasSubstr("project update"));
  EXPECT_THAT(on_sam.out, ::testing::ContainsRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}"));
  EXPECT_THAT(on_sam.out, Not(HasSubstr("made tea")));
  CliResult on_alex = RunCli(alex_, {"appreciation", "list"});
  ASSERT_EQ(on_alex.exit_code, 0) << on_alex.out;
  EXPECT_THAT(on_alex.out, HasSubstr("made tea"));
  EXPECT_THAT(on_alex.out, HasSubstr("(private)"));
  EXPECT_LT(on_alex.out.find("made tea"), on_alex.out.find("project update"));

  // One by name: the giver reads both; the partner's device never has the
  // private one, so it is not found there, by the API or the CLI.
  auto get = [](DaemonHarness& d, const std::string& name, v1::Appreciation* out) {
    auto stub = v1::AppreciationService::NewStub(d.channel());
    v1::GetAppreciationRequest r;
    r.set_name(name);
    return stub->GetAppreciation(DaemonHarness::Context().get(), r, out);
  };
  v1::Appreciation got;
  ASSERT_OK(get(alex_, alexs[0].name(), &got));
  EXPECT_THAT(got.text(), HasSubstr("made tea"));
  ASSERT_OK(get(sam_, alexs[1].name(), &got));
  EXPECT_THAT(got.text(), HasSubstr("project update"));
  EXPECT_EQ(got.author(), alex_status.member_id());
  EXPECT_CODE(get(sam_, alexs[0].name(), &got), grpc::StatusCode::NOT_FOUND);
  CliResult show = RunCli(sam_, {"appreciation", "show", alexs[1].name()});
  ASSERT_EQ(show.exit_code, 0) << show.out;
  EXPECT_THAT(show.out, AllOf(HasSubstr("Alex, for Sam"), HasSubstr("project update")));
  CliResult hidden = RunCli(sam_, {"appreciation", "show", alexs[0].name()});
  EXPECT_NE(hidden.exit_code, 0) << hidden.out;
  EXPECT_THAT(hidden.out, HasSubstr("not found"));
}

}  // namespace
}  // namespace attune::testing
