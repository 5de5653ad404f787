// Exercise plugins through the real daemon: every built-in exercise end to
// end through ExerciseService, the goal linkage, the curiosity deck, study
// plans, permissions, and a plugin host that survives plugins that crash,
// hang, print garbage or answer badly — and leaves no plugin process behind,
// idle or after the daemon is killed. Also the plugin written in Python.
#include <gmock/gmock.h>
#include <google/protobuf/empty.pb.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "api_helpers.h"
#include "daemon_harness.h"
#include "exercise_driver.h"
#include "tests/support/test_plugin.h"

namespace attune::testing {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kPassphrase[] = "correct horse battery staple";

class PluginIT : public ::testing::Test {
 protected:
  // Starts attuned with the built-in plugins, the Python test plugin and a
  // folder of test plugins, and a vault.
  void StartDaemon(const std::string& idle = "60", const std::string& backoff = "0.05",
                   const std::string& call_timeout = "2") {
    user_dir_ = d_.root() + "/user-plugins";
    std::filesystem::create_directories(user_dir_);
    args_ = {"--plugins-dir",
             ATTUNE_BUILTIN_PLUGINS_DIR,
             "--plugins-dir",
             ATTUNE_TEST_PLUGINS_DIR,
             "--plugins-dir",
             user_dir_,
             "--plugin-idle-timeout",
             idle,
             "--plugin-restart-backoff",
             backoff,
             "--plugin-call-timeout",
             call_timeout};
    ASSERT_TRUE(d_.Start(args_));
    ASSERT_OK(d_.InitVault(kPassphrase));
    Connect();
  }
  void Connect() {
    v1::ListEmotionsResponse vocab;
    ASSERT_OK(d_.checkins().ListEmotions(DaemonHarness::Context().get(), v1::ListEmotionsRequest(),
                                         &vocab));
    std::vector<std::string> labels;
    for (const auto& f : vocab.families())
      labels.insert(labels.end(), f.labels().begin(), f.labels().end());
    driver_ = std::make_unique<ExerciseDriver>(d_.channel(), labels);
  }
  // A test plugin in the user folder (see tests/plugins/test-plugin).
  void AddTestPlugin(const std::string& id, const std::string& mode = "normal",
                     const std::string& permissions = "") {
    ASSERT_NE(MakeTestPlugin(user_dir_, id, mode, permissions, "1.0.0", id + "-"), "");
  }
  grpc::Status Grant(const std::string& plugin, std::vector<std::string> kinds = {}) {
    v1::GrantPermissionsRequest r;
    r.set_plugin(plugin);
    for (auto& k : kinds) r.add_kinds(k);
    v1::PluginInfo info;
    return driver_->plugins().GrantPermissions(DaemonHarness::Context().get(), r, &info);
  }
  // Starts a daemon with the test plugin "tp" 1.0.0, begins a session of
  // `exercise` on it, then installs 2.0.0 over it; `old_pid` is 1.0.0's.
  void BeginThenUpgrade(const std::string& exercise, v1::LiveSession* under_way, int* old_pid) {
    StartDaemon();
    AddTestPlugin("tp");
    ASSERT_OK(driver_->Start(Request(exercise), under_way));
    *old_pid = driver_->Plugin("tp").pid();
    ASSERT_TRUE(ProcessAlive(*old_pid));
    ASSERT_NE(MakeTestPlugin(user_dir_, "tp", "normal", "", "2.0.0", "tp-"), "");
  }

  v1::StartSessionRequest Request(const std::string& exercise,
                                  std::map<std::string, std::string> options = {}) {
    v1::StartSessionRequest r;
    r.set_exercise(exercise);
    r.set_partner_name("Sam");
    for (auto& [k, v] : options) (*r.mutable_options())[k] = v;
    return r;
  }
  std::vector<v1::JournalEntry> Journal() { return ListAllJournalEntries(d_); }

  DaemonHarness d_;
  std::string user_dir_;
  std::vector<std::string> args_;
  std::unique_ptr<ExerciseDriver> driver_;
};

const std::vector<std::string> kBuiltins = {"daily-checkin",       "reflective-listening",
                                            "emotion-naming",      "appreciation",
                                            "vulnerability",       "nonverbal-attunement",
                                            "shared-curiosity",    "study-together",
                                            "connection-meanings", "repair"};

TEST_F(PluginIT, ListingExercisesStartsNoPlugin) {
  StartDaemon();
  v1::ListExercisesResponse list;
  ASSERT_OK(driver_->exercises().ListExercises(DaemonHarness::Context().get(),
                                               v1::ListExercisesRequest(), &list));
  std::set<std::string> ids;
  for (const auto& e : list.exercises()) {
    ids.insert(e.id());
    EXPECT_FALSE(e.plugin().empty());
    EXPECT_FALSE(e.summary().empty());
  }
  for (const auto& id : kBuiltins) EXPECT_TRUE(ids.count(id)) << id;
  EXPECT_TRUE(ids.count("python-echo"));
  for (const auto& p : driver_->Plugins()) {
    EXPECT_EQ(p.state(), v1::PluginInfo::STATE_STOPPED) << p.id();
    EXPECT_EQ(p.pid(), 0);
  }
  EXPECT_THAT(ChildPids(d_.pid()), IsEmpty());
  // Listing works locked, too.
  ASSERT_OK(d_.Lock());
  ASSERT_OK(driver_->exercises().ListExercises(DaemonHarness::Context().get(),
                                               v1::ListExercisesRequest(), &list));
  EXPECT_THAT(driver_->Plugins(), Contains(::testing::Property(&v1::PluginInfo::id, "practices")));
}

TEST_F(PluginIT, EveryBuiltinExerciseRunsEndToEnd) {
  StartDaemon();
  for (const auto& id : kBuiltins) {
    auto run = driver_->RunSession(id);
    ASSERT_OK(run.status);
    ASSERT_TRUE(run.last.finished()) << id;
    const v1::ExerciseSession& rec = run.last.record();
    EXPECT_EQ(rec.exercise(), id);
    EXPECT_FALSE(rec.summary().empty()) << id;
    EXPECT_THAT(rec.name(), HasSubstr("exerciseSessions/"));
    EXPECT_GE(run.steps.size(), 4u) << id;
    for (const auto& step : run.steps) {
      EXPECT_EQ(step.text().find("{first}"), std::string::npos) << id << " " << step.key();
      EXPECT_EQ(step.text().find("{second}"), std::string::npos) << id << " " << step.key();
    }
  }
  EXPECT_THAT(driver_->Sessions(), SizeIs(kBuiltins.size()));

  // What the sessions stored, besides themselves.
  auto checkins = ListAllCheckIns(d_);
  ASSERT_THAT(checkins, SizeIs(1));
  EXPECT_EQ(checkins[0].high(), "answer to high");
  EXPECT_EQ(checkins[0].connection_rating(), 4);
  EXPECT_EQ(checkins[0].visibility(), v1::VISIBILITY_SHARED);
  std::set<std::string> titles;
  for (const auto& j : Journal()) titles.insert(j.title());
  EXPECT_TRUE(titles.count("Naming a feeling"));
  EXPECT_TRUE(titles.count("Ten minutes, uninterrupted"));
  EXPECT_TRUE(titles.count("What connection means to each of us"));
  EXPECT_TRUE(titles.count("Repair commitments"));
  auto appreciation = driver_->Sessions("appreciation");
  ASSERT_THAT(appreciation, SizeIs(1));
  EXPECT_THAT(appreciation[0].records(), Contains(HasSubstr("appreciations/")));
  auto study = driver_->Sessions("study-together");
  ASSERT_THAT(study, SizeIs(1));
  EXPECT_THAT(study[0].records(), Contains(HasSubstr("pluginRecords/")));
}

TEST_F(PluginIT, ReflectiveListeningHasTimedTurnsRatingsAndASwitch) {
  StartDaemon();
  driver_->overrides["accuracy-1"] = Rating(2);
  driver_->overrides["accuracy-2"] = Rating(5);
  auto run = driver_->RunSession(Request("reflective-listening"));
  ASSERT_OK(run.status);
  std::vector<std::string> keys;
  for (const auto& s : run.steps) keys.push_back(s.key());
  EXPECT_THAT(keys, Contains("turn-1"));
  EXPECT_THAT(keys, Contains("switch"));
  EXPECT_THAT(keys, Contains("clarify-1")) << "a low rating asks for one more pass";
  EXPECT_THAT(keys, ::testing::Not(Contains("clarify-2")));
  const v1::Step& turn = run.steps[2];
  ASSERT_TRUE(turn.has_timed_turn());
  EXPECT_EQ(turn.timed_turn().seconds(), 120);
  EXPECT_EQ(turn.timed_turn().speaker(), v1::PERSON_FIRST);
  EXPECT_EQ(turn.timed_turn().listener(), v1::PERSON_SECOND);
  EXPECT_THAT(run.last.record().summary(), HasSubstr("2 of 5"));
  EXPECT_THAT(run.last.record().participants(), ::testing::ElementsAre("Integration Test", "Sam"));

  auto shorter = driver_->RunSession(Request("reflective-listening", {{"turn_seconds", "30"}}));
  ASSERT_OK(shorter.status);
  EXPECT_EQ(shorter.steps[2].timed_turn().seconds(), 30);
}

TEST_F(PluginIT, OptionsAreListedCheckedAndFollowedByTheTexts) {
  StartDaemon();
  v1::ListExercisesResponse list;
  ASSERT_OK(driver_->exercises().ListExercises(DaemonHarness::Context().get(),
                                               v1::ListExercisesRequest(), &list));
  std::map<std::string, v1::Exercise> by_id;
  for (const auto& e : list.exercises()) by_id[e.id()] = e;
  ASSERT_EQ(by_id["vulnerability"].options_size(), 1);
  const v1::ExerciseOption& turn = by_id["vulnerability"].options(0);
  EXPECT_EQ(turn.key(), "turn_seconds");
  EXPECT_EQ(turn.default_value(), "600");
  EXPECT_EQ(turn.integer().min(), 10);
  EXPECT_EQ(turn.integer().unit(), "seconds");
  EXPECT_EQ(by_id["shared-curiosity"].options(0).key(), "questions");
  EXPECT_EQ(by_id["study-together"].options(0).choice().values_size(), 2);
  EXPECT_EQ(by_id["appreciation"].options_size(), 0);

  // A key the exercise does not list, or a value out of range, starts nothing.
  v1::LiveSession live;
  grpc::Status typo = driver_->exercises().StartSession(
      DaemonHarness::Context().get(), Request("vulnerability", {{"turn_second", "60"}}), &live);
  EXPECT_CODE(typo, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(typo.error_message(), HasSubstr("\"turn_second\" is not an option of "
                                              "vulnerability; its options: turn_seconds"));
  grpc::Status range = driver_->exercises().StartSession(
      DaemonHarness::Context().get(), Request("vulnerability", {{"turn_seconds", "5"}}), &live);
  EXPECT_CODE(range, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(range.error_message(), HasSubstr("options[turn_seconds]: 5 is out of range; it "
                                               "takes a whole number of seconds from 10 to "
                                               "1800, default 600"));
  grpc::Status none = driver_->exercises().StartSession(
      DaemonHarness::Context().get(), Request("appreciation", {{"turn_seconds", "60"}}), &live);
  EXPECT_THAT(none.error_message(), HasSubstr("it has none"));
  EXPECT_THAT(ChildPids(d_.pid()), IsEmpty()) << "no plugin was started for a refused request";

  // The texts follow the length chosen, and the record keeps what was used.
  driver_->overrides["keep"] = Choose({"yes"});
  auto minute = driver_->RunSession(Request("vulnerability", {{"turn_seconds", "60"}}));
  ASSERT_OK(minute.status);
  EXPECT_THAT(minute.last.record().summary(), HasSubstr("You held one minute for"));
  EXPECT_THAT(minute.last.record().summary(), ::testing::Not(HasSubstr("ten minutes")));
  EXPECT_EQ(minute.last.record().options().at("turn_seconds"), "60");
  bool titled = false;
  for (const auto& j : Journal()) titled |= j.title() == "One minute, uninterrupted";
  EXPECT_TRUE(titled) << "the private note is titled by the length chosen";

  auto usual = driver_->RunSession(Request("vulnerability"));
  ASSERT_OK(usual.status);
  EXPECT_THAT(usual.last.record().summary(), HasSubstr("You held ten minutes for"));
  EXPECT_EQ(usual.last.record().options().at("turn_seconds"), "600")
      << "an option left out is recorded with its default";
}

TEST_F(PluginIT, AFinishedSessionCountsTowardAGoalThatNamesIt) {
  StartDaemon();
  v1::CreateGoalRequest g;
  g.mutable_goal()->set_title("Appreciate each other twice a week");
  g.mutable_goal()->set_exercise("appreciation");
  g.mutable_goal()->set_target_per_period(2);
  g.mutable_goal()->set_period(v1::GOAL_PERIOD_WEEK);
  g.mutable_goal()->set_periods(4);
  v1::Goal goal, other;
  ASSERT_OK(d_.goals().CreateGoal(DaemonHarness::Context().get(), g, &goal));
  g.mutable_goal()->set_exercise("reflective-listening");
  ASSERT_OK(d_.goals().CreateGoal(DaemonHarness::Context().get(), g, &other));

  auto run = driver_->RunSession("appreciation");
  ASSERT_OK(run.status);
  EXPECT_THAT(run.last.record().goals(), ::testing::ElementsAre(goal.name()));
  v1::GetGoalStatusRequest req;
  req.set_name(goal.name());
  v1::GoalStatus status;
  ASSERT_OK(d_.goals().GetGoalStatus(DaemonHarness::Context().get(), req, &status));
  EXPECT_EQ(status.total_count(), 1);
  req.set_name(other.name());
  ASSERT_OK(d_.goals().GetGoalStatus(DaemonHarness::Context().get(), req, &status));
  EXPECT_EQ(status.total_count(), 0);
}

TEST_F(PluginIT, CuriosityQuestionsDoNotRepeatUntilTheDeckIsUsedUp) {
  StartDaemon();
  std::vector<std::string> asked;
  std::set<std::string> shown;
  for (int i = 0; i < 12; ++i) {
    auto run = driver_->RunSession(Request("shared-curiosity", {{"questions", "10"}}));
    ASSERT_OK(run.status);
    for (const auto& id : run.last.record().used_items()) asked.push_back(id);
    for (const auto& s : run.steps) {
      if (s.key().rfind("question-", 0) == 0) shown.insert(s.text());
    }
  }
  ASSERT_THAT(asked, SizeIs(120));
  std::set<std::string> first_round(asked.begin(), asked.begin() + 100);
  EXPECT_THAT(first_round, SizeIs(100)) << "a question came back before the deck was used up";
  std::set<std::string> all(asked.begin(), asked.end());
  size_t deck = all.size();
  EXPECT_GE(deck, 100u) << "the deck has at least 100 questions";
  std::set<std::string> until_exhausted(asked.begin(), asked.begin() + deck);
  EXPECT_EQ(until_exhausted.size(), deck);
  EXPECT_GE(shown.size(), deck);
}

TEST_F(PluginIT, AStudyPlanCarriesOverToTheWeeklyDiscussion) {
  StartDaemon();
  driver_->overrides["plan-title"] = Text("Hold Me Tight");
  auto plan = driver_->RunSession("study-together");
  ASSERT_OK(plan.status);
  EXPECT_EQ(plan.steps[0].key(), "plan-intro");
  EXPECT_THAT(plan.last.record().summary(), HasSubstr("Hold Me Tight"));

  driver_->overrides["homework"] = Text("Name one feeling aloud each evening");
  auto week1 = driver_->RunSession("study-together");
  ASSERT_OK(week1.status);
  EXPECT_EQ(week1.steps[0].key(), "week-intro");
  EXPECT_EQ(week1.steps[0].title(), "Week 1 of 4");
  bool role_play = false;
  for (const auto& s : week1.steps) role_play |= s.key() == "roleplay" && s.has_timed_turn();
  EXPECT_TRUE(role_play);

  auto week2 = driver_->RunSession("study-together");
  ASSERT_OK(week2.status);
  EXPECT_EQ(week2.steps[0].title(), "Week 2 of 4");
  EXPECT_EQ(week2.steps[1].key(), "homework-check");
  EXPECT_THAT(week2.steps[1].text(), HasSubstr("Name one feeling aloud each evening"));
}

TEST_F(PluginIT, APluginWrittenInPythonRunsSessions) {
  StartDaemon();
  v1::LiveSession s;
  EXPECT_CODE(driver_->Start(Request("python-echo"), &s), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_OK(Grant("python-echo"));
  driver_->overrides["words"] = Text("hello from C++");
  auto first = driver_->RunSession("python-echo");
  ASSERT_OK(first.status);
  EXPECT_EQ(first.steps[0].text(), "Hello Integration Test, from Python.");
  EXPECT_EQ(first.steps[1].title(), "Words for Sam") << "the daemon filled in the names";
  EXPECT_EQ(first.steps[1].text(), "Integration Test, write something for Sam.");
  EXPECT_EQ(first.last.record().summary(), "Python heard: hello from C++ (session 1)");
  auto second = driver_->RunSession("python-echo");
  ASSERT_OK(second.status);
  EXPECT_EQ(second.last.record().summary(), "Python heard: hello from C++ (session 2)")
      << "the plugin's own record came back to it";
  EXPECT_EQ(driver_->Plugin("python-echo").state(), v1::PluginInfo::STATE_RUNNING);
}

TEST_F(PluginIT, PermissionsAreAskedForGrantedAndKept) {
  StartDaemon();
  AddTestPlugin("perm", "normal", "check_in");
  v1::LiveSession s;
  grpc::Status refused = driver_->Start(Request("perm-echo"), &s);
  EXPECT_CODE(refused, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(refused.error_message(), HasSubstr("attune plugin grant perm"));
  v1::PluginInfo info = driver_->Plugin("perm");
  EXPECT_THAT(info.requested_permissions(), ::testing::ElementsAre("check_in"));
  EXPECT_THAT(info.granted_permissions(), IsEmpty());
  EXPECT_FALSE(info.builtin());
  EXPECT_TRUE(driver_->Plugin("practices").builtin());
  EXPECT_EQ(info.state(), v1::PluginInfo::STATE_STOPPED) << "a refused session starts nothing";

  EXPECT_CODE(Grant("perm", {"appreciation"}), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_CODE(Grant("nobody"), grpc::StatusCode::NOT_FOUND);
  ASSERT_OK(Grant("perm"));
  auto run = driver_->RunSession(Request("perm-echo", {{"records", "check_in"}}));
  ASSERT_OK(run.status);
  EXPECT_THAT(ListAllCheckIns(d_), SizeIs(1));

  // A record kind the manifest does not ask for is refused, and nothing of
  // the session is stored.
  auto sneaky = driver_->RunSession(Request("perm-echo", {{"records", "check_in,appreciation"}}));
  EXPECT_CODE(sneaky.status, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(sneaky.status.error_message(), HasSubstr("does not ask for"));
  EXPECT_THAT(driver_->Sessions("perm-echo"), SizeIs(1));

  // Revoked, the plugin may not start; the grant outlives a restart.
  v1::RevokePermissionsRequest revoke;
  revoke.set_plugin("perm");
  v1::PluginInfo after;
  ASSERT_OK(driver_->plugins().RevokePermissions(DaemonHarness::Context().get(), revoke, &after));
  EXPECT_THAT(after.granted_permissions(), IsEmpty());
  EXPECT_CODE(driver_->Start(Request("perm-echo"), &s), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_OK(Grant("perm", {"check_in"}));
  ASSERT_EQ(d_.Stop(), 0);
  ASSERT_TRUE(d_.Restart(args_));
  ASSERT_OK(d_.Unlock(kPassphrase));
  Connect();
  EXPECT_THAT(driver_->Plugin("perm").granted_permissions(), ::testing::ElementsAre("check_in"));
  ASSERT_OK(driver_->Start(Request("perm-echo"), &s));
}

// Revoking one kind from a plugin stops only the exercises that write it:
// without "appreciation", the practices plugin still offers its check-in,
// listening and emotion-naming exercises.
TEST_F(PluginIT, RevokingOneKindStopsOnlyTheExercisesThatWriteIt) {
  StartDaemon();
  v1::RevokePermissionsRequest revoke;
  revoke.set_plugin("practices");
  revoke.add_kinds("appreciation");
  v1::PluginInfo after;
  ASSERT_OK(driver_->plugins().RevokePermissions(DaemonHarness::Context().get(), revoke, &after));
  EXPECT_THAT(after.granted_permissions(), ::testing::ElementsAre("check_in", "journal_entry"));
  v1::LiveSession s;
  grpc::Status refused = driver_->Start(Request("appreciation"), &s);
  EXPECT_CODE(refused, grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(refused.error_message(),
              HasSubstr("appreciation needs permission to write appreciations; allow it with: "
                        "attune plugin grant practices appreciation"));
  for (const char* still : {"daily-checkin", "reflective-listening", "emotion-naming"}) {
    SCOPED_TRACE(still);
    v1::LiveSession started;
    EXPECT_OK(driver_->Start(Request(still), &started));
    v1::AbandonSessionRequest abandon;
    abandon.set_session(started.name());
    google::protobuf::Empty empty;
    (void)driver_->exercises().AbandonSession(DaemonHarness::Context().get(), abandon, &empty);
  }
}

TEST_F(PluginIT, WrongAnswersAreRefusedAndTheSessionGoesOn) {
  StartDaemon();
  AddTestPlugin("tp");
  v1::LiveSession s, next;
  ASSERT_OK(driver_->Start(Request("tp-echo"), &s));
  ASSERT_EQ(s.step().key(), "intro");
  grpc::Status wrong = driver_->Answer(s.name(), Text("words for a prompt"), &next);
  EXPECT_CODE(wrong, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(wrong.error_message(), HasSubstr("answer.done"));
  EXPECT_CODE(driver_->Answer(s.name(), Done(), &next, "words"),
              grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_CODE(driver_->Answer("sessions/zz", Done(), &next), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_OK(driver_->Answer(s.name(), Done(), &next, "intro"));
  ASSERT_EQ(next.step().key(), "words");
  grpc::Status blank = driver_->Answer(s.name(), Text("  "), &next);
  EXPECT_THAT(blank.error_message(), HasSubstr("answer.text: is required"));
  ASSERT_OK(driver_->Answer(s.name(), Text("fine words"), &next));
  ASSERT_EQ(next.step().key(), "score");
  grpc::Status nine = driver_->Answer(s.name(), Rating(9), &next);
  EXPECT_CODE(nine, grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(nine.error_message(), HasSubstr("answer.rating"));
  EXPECT_THAT(driver_->Sessions(), IsEmpty()) << "nothing is stored before the end";
  ASSERT_OK(driver_->Answer(s.name(), Rating(5), &next));
  ASSERT_TRUE(next.finished());
  EXPECT_EQ(next.record().summary(), "You wrote: fine words");
  EXPECT_CODE(driver_->Answer(s.name(), Done(), &next), grpc::StatusCode::NOT_FOUND);
}

TEST_F(PluginIT, ACrashingPluginEndsItsSessionAndTheDaemonCarriesOn) {
  StartDaemon();
  AddTestPlugin("tp");
  v1::LiveSession s, next;
  ASSERT_OK(driver_->Start(Request("tp-crash"), &s));
  int pid = driver_->Plugin("tp").pid();
  ASSERT_GT(pid, 0);
  grpc::Status crashed = driver_->Answer(s.name(), Done(), &next);
  EXPECT_CODE(crashed, grpc::StatusCode::ABORTED);
  EXPECT_THAT(crashed.error_message(),
              AllOf(HasSubstr("crashed"), HasSubstr("Nothing of it was stored")));
  EXPECT_CODE(driver_->Answer(s.name(), Done(), &next), grpc::StatusCode::NOT_FOUND);
  EXPECT_FALSE(ProcessAlive(pid));
  v1::VaultStatus st;
  EXPECT_OK(d_.GetStatus(&st));
  v1::PluginInfo info = driver_->Plugin("tp");
  EXPECT_EQ(info.failures(), 1);
  EXPECT_THAT(info.last_error(), HasSubstr("crashed"));
  // Other plugins carry on, and the crashed one comes back after its backoff.
  ASSERT_OK(driver_->RunSession("appreciation").status);
  EXPECT_TRUE(Eventually([&] { return driver_->Start(Request("tp-echo"), &s).ok(); }));
  EXPECT_NE(driver_->Plugin("tp").pid(), pid);
  EXPECT_THAT(driver_->Sessions("tp-crash"), IsEmpty());
}

TEST_F(PluginIT, AHangingPluginIsCutOffAtTheDeadline) {
  StartDaemon("60", "0.05", "1");
  AddTestPlugin("tp");
  v1::LiveSession s, next;
  ASSERT_OK(driver_->Start(Request("tp-hang"), &s));
  int pid = driver_->Plugin("tp").pid();
  grpc::Status hung = driver_->Answer(s.name(), Done(), &next);
  EXPECT_CODE(hung, grpc::StatusCode::ABORTED);
  EXPECT_THAT(hung.error_message(), HasSubstr("did not answer Advance within 1 s"));
  EXPECT_FALSE(ProcessAlive(pid));
  v1::VaultStatus st;
  EXPECT_OK(d_.GetStatus(&st));
}

TEST_F(PluginIT, AFailedPluginWaitsOutItsBackoff) {
  StartDaemon("60", "600");
  AddTestPlugin("tp");
  v1::LiveSession s, next;
  ASSERT_OK(driver_->Start(Request("tp-crash"), &s));
  EXPECT_CODE(driver_->Answer(s.name(), Done(), &next), grpc::StatusCode::ABORTED);
  grpc::Status waiting = driver_->Start(Request("tp-echo"), &s);
  EXPECT_CODE(waiting, grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(waiting.error_message(), HasSubstr("tried again in"));
  v1::PluginInfo info = driver_->Plugin("tp");
  EXPECT_EQ(info.state(), v1::PluginInfo::STATE_BACKING_OFF);
  EXPECT_GT(info.retry_after_ms(), 0);
}

TEST_F(PluginIT, GarbageOrAWrongVersionOnTheHandshakeIsRefused) {
  StartDaemon();
  AddTestPlugin("garbage", "garbage");
  AddTestPlugin("future", "wrong-version");
  v1::LiveSession s;
  grpc::Status garbage = driver_->Start(Request("garbage-echo"), &s);
  EXPECT_CODE(garbage, grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(garbage.error_message(),
              AllOf(HasSubstr("could not be started"), HasSubstr("forgot the protocol")));
  grpc::Status future = driver_->Start(Request("future-echo"), &s);
  EXPECT_CODE(future, grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(future.error_message(), HasSubstr("protocol version 99"));
  EXPECT_THAT(driver_->Plugin("garbage").last_error(), HasSubstr("forgot the protocol"));
  EXPECT_THAT(ChildPids(d_.pid()), IsEmpty()) << "refused plugins were stopped";
  ASSERT_OK(driver_->RunSession("appreciation").status);
}

TEST_F(PluginIT, ABadStepOrBadRecordsEndTheSession) {
  StartDaemon();
  AddTestPlugin("tp", "normal", "check_in");
  ASSERT_OK(Grant("tp"));
  v1::LiveSession s, next;
  ASSERT_OK(driver_->Start(Request("tp-bad-step"), &s));
  grpc::Status bad = driver_->Answer(s.name(), Done(), &next);
  EXPECT_CODE(bad, grpc::StatusCode::ABORTED);
  EXPECT_THAT(bad.error_message(),
              AllOf(HasSubstr("bad step"), HasSubstr("step.timed_turn.seconds")));

  // A session whose records are bad is refused whole: nothing of it is
  // stored.
  auto refused_whole = [&](const std::map<std::string, std::string>& options,
                           const std::string& why) {
    ASSERT_TRUE(Eventually([&] { return driver_->Start(Request("tp-echo"), &s).ok(); }));
    auto run = driver_->RunSession(Request("tp-echo", options));
    EXPECT_CODE(run.status, grpc::StatusCode::ABORTED);
    EXPECT_THAT(run.status.error_message(), AllOf(HasSubstr("bad records"), HasSubstr(why)));
    EXPECT_THAT(ListAllCheckIns(d_), IsEmpty());
    EXPECT_THAT(driver_->Sessions(), IsEmpty());
  };
  refused_whole({{"bad_records", "yes"}}, "check_in.low: is required");
  // Two check-ins for one day, each good alone: the second would replace the
  // first.
  refused_whole({{"records", "check_in,check_in"}}, "two check-ins for the same day");
}

// A session that would replace the day's check-in is refused at its last
// answer unless the person allowed it (FAILED_PRECONDITION, nothing
// stored); it waits at that step, so the same answer sent again with
// replace_check_in replaces the check-in. Allowed at the start, nothing is
// asked. Abandoned after the refusal, nothing of it is stored.
TEST_F(PluginIT, ASessionReplacesTheDaysCheckInOnlyWhenAllowed) {
  StartDaemon();
  AddTestPlugin("tp", "normal", "check_in");
  ASSERT_OK(Grant("tp"));
  const auto request = Request("tp-echo", {{"records", "check_in"}});
  ASSERT_OK(driver_->RunSession(request).status);
  ASSERT_THAT(ListAllCheckIns(d_), SizeIs(1));

  driver_->overrides["words"] = Text("second words");
  auto refused = driver_->RunSession(request);
  EXPECT_CODE(refused.status, grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(refused.status.error_message(),
              AllOf(HasSubstr("you have checked in for "), HasSubstr("nothing was stored"),
                    HasSubstr("replace_check_in")));
  ASSERT_THAT(ListAllCheckIns(d_), SizeIs(1));
  EXPECT_EQ(ListAllCheckIns(d_)[0].high(), "answer to words");
  EXPECT_THAT(driver_->Sessions(), SizeIs(1));

  v1::LiveSession done;
  v1::AnswerStepRequest again;
  again.set_session(refused.last.name());
  again.set_step_key(refused.last.step().key());
  *again.mutable_answer() = driver_->AutoAnswer(refused.last.step());
  again.set_replace_check_in(true);
  ASSERT_OK(driver_->exercises().AnswerStep(DaemonHarness::Context().get(), again, &done));
  EXPECT_TRUE(done.finished());
  ASSERT_THAT(ListAllCheckIns(d_), SizeIs(1));
  EXPECT_EQ(ListAllCheckIns(d_)[0].high(), "second words");
  EXPECT_THAT(driver_->Sessions(), SizeIs(2));

  driver_->overrides["words"] = Text("third words");
  auto allowed_request = request;
  allowed_request.set_replace_check_in(true);
  ASSERT_OK(driver_->RunSession(allowed_request).status);
  EXPECT_EQ(ListAllCheckIns(d_)[0].high(), "third words");

  driver_->overrides["words"] = Text("fourth words");
  auto abandoned = driver_->RunSession(request);
  EXPECT_CODE(abandoned.status, grpc::StatusCode::FAILED_PRECONDITION);
  v1::AbandonSessionRequest abandon;
  abandon.set_session(abandoned.last.name());
  google::protobuf::Empty empty;
  ASSERT_OK(driver_->exercises().AbandonSession(DaemonHarness::Context().get(), abandon, &empty));
  EXPECT_EQ(ListAllCheckIns(d_)[0].high(), "third words");
  EXPECT_THAT(driver_->Sessions(), SizeIs(3));
}

// Confined, and still able to make a temporary file: $TMPDIR is a folder of
// its own inside the one it may write to (the daemon's own TMPDIR, which
// Landlock would refuse, is not passed on).
// A newer version installed while the old process still runs (issue 20):
// the sessions that process serves are recorded under its version, not the
// one the manifest on disk now says.
// A plugin author installs 2.0.0 over 1.0.0 while a session of 1.0.0 is
// under way: the next session runs 2.0.0 at once, the one under way finishes
// on 1.0.0, each is recorded under the version that produced it, and the
// 1.0.0 process stops when its session has ended.
TEST_F(PluginIT, AnUpgradeServesNewSessionsWhileTheOldProcessFinishesItsOwn) {
  v1::LiveSession under_way;
  int old_pid = 0;
  ASSERT_NO_FATAL_FAILURE(BeginThenUpgrade("tp-echo", &under_way, &old_pid));
  auto upgraded = driver_->RunSession(Request("tp-echo"));
  ASSERT_OK(upgraded.status);
  EXPECT_EQ(upgraded.last.record().plugin_version(), "2.0.0");
  const int new_pid = driver_->Plugin("tp").pid();
  EXPECT_NE(new_pid, old_pid);
  EXPECT_TRUE(ProcessAlive(old_pid)) << "it still serves the session it began";

  auto finished = driver_->Continue(under_way);
  ASSERT_OK(finished.status);
  EXPECT_EQ(finished.last.record().plugin_version(), "1.0.0")
      << "the 1.0.0 process produced this session";
  EXPECT_TRUE(Eventually([&] { return !ProcessAlive(old_pid); }));
  EXPECT_TRUE(ProcessAlive(new_pid));
  EXPECT_EQ(driver_->Plugin("tp").failures(), 0);
  EXPECT_THAT(d_.StderrSinceStart(), HasSubstr("was replaced by 2.0.0 on disk"));
}

// A session that an older install is finishing goes wrong (a bad step): it
// is that process that is stopped, not the new install serving everyone
// else, and the new install counts no failure.
TEST_F(PluginIT, AnOldProcessThatMisbehavesIsStoppedAloneAfterAnUpgrade) {
  v1::LiveSession under_way;
  int old_pid = 0;
  ASSERT_NO_FATAL_FAILURE(BeginThenUpgrade("tp-bad-step", &under_way, &old_pid));
  ASSERT_OK(driver_->RunSession(Request("tp-echo")).status);
  const int new_pid = driver_->Plugin("tp").pid();
  ASSERT_NE(new_pid, old_pid);
  v1::LiveSession next;
  EXPECT_CODE(driver_->Answer(under_way.name(), Done(), &next), grpc::StatusCode::ABORTED);
  EXPECT_TRUE(Eventually([&] { return !ProcessAlive(old_pid); }));
  EXPECT_TRUE(ProcessAlive(new_pid));
  v1::PluginInfo info = driver_->Plugin("tp");
  EXPECT_EQ(info.pid(), new_pid);
  EXPECT_EQ(info.failures(), 0);
  EXPECT_OK(driver_->RunSession(Request("tp-echo")).status);
}

// The process that ran a session is gone and another version is installed:
// the session ends plainly rather than going on under two versions.
TEST_F(PluginIT, ASessionWhoseVersionIsGoneEndsPlainly) {
  v1::LiveSession under_way;
  int old_pid = 0;
  ASSERT_NO_FATAL_FAILURE(BeginThenUpgrade("tp-echo", &under_way, &old_pid));
  ASSERT_OK(driver_->RunSession(Request("tp-echo")).status);  // 2.0.0 takes over
  ASSERT_EQ(::kill(old_pid, SIGKILL), 0);
  // Reaped (not only a zombie): the daemon has seen it end.
  ASSERT_TRUE(Eventually([&] { return ::kill(old_pid, 0) != 0; }));
  v1::LiveSession next;
  grpc::Status s = driver_->Answer(under_way.name(), Done(), &next);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(s.error_message(),
              AllOf(HasSubstr("1.0.0, which ran this session, has stopped"),
                    HasSubstr("2.0.0 is installed now"), HasSubstr("start a new one")));
  ASSERT_OK(driver_->RunSession(Request("tp-echo")).status);
}

// A handler that fails (a Python one that raises) is the plugin's bug: the
// session ends with its message, which only the person sees (it may quote
// their answers); the daemon counts a failure, logs the code, and restarts
// the plugin after the backoff.
TEST_F(PluginIT, AHandlerThatFailsCountsAsAFailureAndKeepsTheAnswersOutOfTheLog) {
  StartDaemon();
  AddTestPlugin("tp");
  driver_->overrides["words"] = Text("my secret words");
  auto run = driver_->RunSession(Request("tp-echo", {{"fail", "finish"}}));
  EXPECT_EQ(run.status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_THAT(run.status.error_message(),
              AllOf(HasSubstr("failed Finish: the handler failed on my secret words"),
                    HasSubstr("Nothing of it was stored")));
  v1::PluginInfo info = driver_->Plugin("tp");
  EXPECT_EQ(info.failures(), 1);
  EXPECT_THAT(info.last_error(), HasSubstr("answered Finish with an error (INTERNAL)"));
  EXPECT_THAT(d_.StderrSinceStart(), HasSubstr("answered Finish with an error (INTERNAL)"));
  EXPECT_EQ(d_.StderrSinceStart().find("my secret words"), std::string::npos);
  driver_->overrides.clear();
  EXPECT_TRUE(Eventually([&] { return driver_->RunSession(Request("tp-echo")).status.ok(); }));
  EXPECT_EQ(driver_->Plugin("tp").failures(), 0);
}

TEST_F(PluginIT, PluginsRunConfined) {
  StartDaemon();
  AddTestPlugin("tp");
  auto run = driver_->RunSession(Request("tp-echo", {{"probe", "yes"}}));
  ASSERT_OK(run.status);
  EXPECT_THAT(run.last.record().summary(),
              AllOf(HasSubstr("network=blocked"), HasSubstr("nofile=64"), HasSubstr("cpu=120"),
                    HasSubstr("nproc=128"), HasSubstr("tmp=ok tmpmode=700 tmpinside=yes")));
}

// A plugin's stdin is /dev/null, its stderr never the daemon's terminal, and
// it has no controlling terminal; should it get hold of a terminal anyway,
// the seccomp filter refuses TIOCSTI, which would type into it (without the
// filter, /dev/null answers ENOTTY).
TEST_F(PluginIT, APluginCannotTypeIntoATerminal) {
  StartDaemon();
  AddTestPlugin("tp");
  auto run = driver_->RunSession(Request("tp-echo", {{"tiocsti", "yes"}}));
  ASSERT_OK(run.status);
  EXPECT_THAT(run.last.record().summary(), HasSubstr("tiocsti=EPERM"));
}

// The plugin runs in a PID namespace of its own: the daemon's pid names no
// process there, its parent (the namespace's init) cannot be killed, and its
// /proc is the namespace's, without the daemon. The daemon lives on.
TEST_F(PluginIT, APluginCannotSignalOrInspectTheDaemon) {
  StartDaemon();
  AddTestPlugin("tp");
  const std::string daemon = std::to_string(d_.pid());
  auto run = driver_->RunSession(Request(
      "tp-echo",
      {{"kill_pid", daemon}, {"kill_parent", "yes"}, {"read", "/proc/" + daemon + "/environ"}}));
  ASSERT_OK(run.status);  // the plugin sent kill -9 <daemon pid> during it
  EXPECT_THAT(run.last.record().summary(),
              AllOf(HasSubstr("kill=ESRCH"), HasSubstr("read=ENOENT")));
  EXPECT_THAT(run.last.record().summary(), ::testing::Not(HasSubstr("kill_parent=ok")))
      << "PID 1 of the namespace, not the daemon, is its parent; Landlock (ABI 6) refuses";
  // The init is a copy of the daemon (its environment too): not dumpable, so
  // the plugin cannot read it.
  auto init = driver_->RunSession(Request("tp-echo", {{"read", "/proc/1/environ"}}));
  ASSERT_OK(init.status);
  EXPECT_THAT(init.last.record().summary(), HasSubstr("read=EACCES"));
  EXPECT_TRUE(ProcessAlive(d_.pid()));
  v1::VaultStatus st;
  EXPECT_OK(d_.GetStatus(&st));
  ASSERT_OK(driver_->RunSession("tp-echo").status);
  EXPECT_THAT(d_.StderrSinceStart(),
              HasSubstr("plugins run in their own user, PID and mount namespaces"));
}

TEST_F(PluginIT, AnIdlePluginIsStopped) {
  StartDaemon("0.3");
  AddTestPlugin("tp");
  v1::LiveSession s, next;
  ASSERT_OK(driver_->Start(Request("tp-echo"), &s));
  int pid = driver_->Plugin("tp").pid();
  ASSERT_TRUE(ProcessAlive(pid));
  v1::AbandonSessionRequest abandon;
  abandon.set_session(s.name());
  google::protobuf::Empty empty;
  ASSERT_OK(driver_->exercises().AbandonSession(DaemonHarness::Context().get(), abandon, &empty));
  EXPECT_CODE(driver_->Answer(s.name(), Done(), &next), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Eventually([&] { return !ProcessAlive(pid); }));
  EXPECT_TRUE(Eventually([&] { return ChildPids(d_.pid()).empty(); }));
  EXPECT_EQ(driver_->Plugin("tp").state(), v1::PluginInfo::STATE_STOPPED);
  EXPECT_EQ(driver_->Plugin("tp").failures(), 0);
}

TEST_F(PluginIT, NoPluginOutlivesAKilledDaemon) {
  StartDaemon();
  AddTestPlugin("tp");
  ASSERT_OK(Grant("python-echo"));
  v1::LiveSession a, b;
  ASSERT_OK(driver_->Start(Request("tp-echo"), &a));
  ASSERT_OK(driver_->Start(Request("python-echo"), &b));
  std::set<int> children = ChildPids(d_.pid());
  ASSERT_THAT(children, SizeIs(2));
  // A grandchild of the plugin in a session (and process group) of its own,
  // out of reach of PR_SET_PDEATHSIG and of a process-group kill.
  const std::string escapee = "escapee" + std::to_string(::getpid() % 100000);
  auto run = driver_->RunSession(Request("tp-echo", {{"setsid_child", escapee}}));
  ASSERT_OK(run.status);
  ASSERT_THAT(run.last.record().summary(), HasSubstr("setsid_child=ok"));
  std::set<int> escapees;
  ASSERT_TRUE(Eventually([&] {
    escapees = PidsNamed(escapee);
    return !escapees.empty();
  }));
  d_.Kill();
  for (int pid : children) {
    EXPECT_TRUE(Eventually([&] { return !ProcessAlive(pid); })) << pid;
  }
  EXPECT_TRUE(Eventually([&] { return PidsNamed(escapee).empty(); }))
      << "the plugin's setsid grandchild outlived the daemon";
  for (int pid : PidsNamed(escapee)) ::kill(pid, SIGKILL);  // not left behind by a failure
}

TEST_F(PluginIT, SessionsNeedAnUnlockedVaultAndAKnownExercise) {
  StartDaemon();
  v1::LiveSession s;
  grpc::Status unknown = driver_->Start(Request("no-such-exercise"), &s);
  EXPECT_CODE(unknown, grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(unknown.error_message(), HasSubstr("no-such-exercise"));
  EXPECT_CODE(driver_->Start(Request(""), &s), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_CODE(driver_->Start(Request("appreciation", {{"Bad Key", "x"}}), &s),
              grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_OK(d_.Lock());
  EXPECT_CODE(driver_->Start(Request("appreciation"), &s), grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace attune::testing
