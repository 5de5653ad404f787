// Bad input to exercises and from plugins (tests/BAD_INPUT.md): a person's
// wrong answers, a plugin's replies out of shape, grants of unknown kinds.
#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "bad_input_support.h"
#include "tests/support/test_plugin.h"

namespace attune::testing {
namespace {

class ExerciseBadInputTest : public BadInputTest {
 protected:
  void SetUp() override {
    plugins_ = d_.root() + "/user-plugins";
    fs::create_directories(plugins_);
    ASSERT_NE(MakeTestPlugin(plugins_, "tp", "normal", "check_in", "1.0.0", "tp-"), "");
    StartAndInit({"--plugins-dir", plugins_, "--plugins-dir", ATTUNE_TEST_PLUGINS_DIR,
                  "--plugin-restart-backoff", "0.05"});
    WriteOneOfEach();
    driver_ = std::make_unique<ExerciseDriver>(d_.channel(), std::vector<std::string>{"calm"});
    for (const char* plugin : {"tp", "python-echo"}) {
      v1::GrantPermissionsRequest grant;
      grant.set_plugin(plugin);
      v1::PluginInfo info;
      ASSERT_OK(driver_->plugins().GrantPermissions(Ctx().get(), grant, &info));
    }
  }
  // Starts a session, waiting out the backoff of a plugin stopped for
  // misbehaving just before.
  grpc::Status StartAfterBackoff(const v1::StartSessionRequest& r, v1::LiveSession* out) {
    grpc::Status s;
    Eventually([&] {
      s = driver_->Start(r, out);
      return s.error_code() != Code::UNAVAILABLE ||
             s.error_message().find("tried again in") == std::string::npos;
    });
    return s;
  }
  v1::StartSessionRequest Request(const std::string& exercise) {
    v1::StartSessionRequest r;
    r.set_exercise(exercise);
    return r;
  }
  std::string plugins_;
  std::unique_ptr<ExerciseDriver> driver_;
};

TEST_F(ExerciseBadInputTest, StartAnswerAbandonAndListRefuseBadInput) {
  // A session at its text step ("words": required, at most 100 characters).
  v1::LiveSession live, next;
  ASSERT_OK(driver_->Start(Request("tp-echo"), &live));
  ASSERT_OK(driver_->Answer(live.name(), Done(), &next));
  ASSERT_EQ(next.step().key(), "words");
  const std::string session = live.name();
  auto start = [&](std::function<void(v1::StartSessionRequest*)> edit) {
    return [this, edit] {
      v1::StartSessionRequest r = Request("tp-echo");
      edit(&r);
      v1::LiveSession out;
      return driver_->Start(r, &out);
    };
  };
  auto answer = [&](std::string name, std::function<void(v1::AnswerStepRequest*)> edit) {
    return [this, name, edit] {
      v1::AnswerStepRequest r;
      r.set_session(name);
      edit(&r);
      v1::LiveSession out;
      return driver_->exercises().AnswerStep(Ctx().get(), r, &out);
    };
  };
  auto abandon = [&](std::string name) {
    return [this, name] {
      v1::AbandonSessionRequest r;
      r.set_session(name);
      google::protobuf::Empty out;
      return driver_->exercises().AbandonSession(Ctx().get(), r, &out);
    };
  };
  auto sessions = [&](int size, std::string token) {
    return [this, size, token] {
      v1::ListExerciseSessionsRequest r;
      r.set_page_size(size);
      r.set_page_token(token);
      v1::ListExerciseSessionsResponse out;
      return driver_->exercises().ListExerciseSessions(Ctx().get(), r, &out);
    };
  };
  ExpectAllRefused(
      d_,
      {
          {"21 options", start([](v1::StartSessionRequest* r) {
             for (int i = 0; i < 21; ++i) (*r->mutable_options())["o" + std::to_string(i)] = "1";
           }),
           Code::INVALID_ARGUMENT, "options: at most 20"},
          {"option value of 65", start([](v1::StartSessionRequest* r) {
             (*r->mutable_options())["note"] = std::string(65, 'v');
           }),
           Code::INVALID_ARGUMENT, "options[note]"},
          {"option key with a space",
           start([](v1::StartSessionRequest* r) { (*r->mutable_options())["a b"] = "1"; }),
           Code::INVALID_ARGUMENT, "must be 1 to 64 of a-z"},
          {"partner name of 65",
           start([](v1::StartSessionRequest* r) { r->set_partner_name(std::string(65, 'p')); }),
           Code::INVALID_ARGUMENT, "partner_name"},
          {"unknown visibility", start([](v1::StartSessionRequest* r) {
             r->set_visibility(static_cast<v1::Visibility>(8));
           }),
           Code::INVALID_ARGUMENT, "visibility: must be VISIBILITY_PRIVATE or VISIBILITY_SHARED"},
          {"answer without an answer", answer(session, [](v1::AnswerStepRequest*) {}),
           Code::INVALID_ARGUMENT, "answer: is required"},
          {"answer of 101 characters (the step takes 100)",
           answer(session,
                  [](v1::AnswerStepRequest* r) {
                    r->mutable_answer()->set_text(std::string(101, 'w'));
                  }),
           Code::INVALID_ARGUMENT, "answer.text"},
          {"answer that is not UTF-8",
           [this, session] {
             v1::AnswerStepRequest r;
             r.set_session(session);
             r.mutable_answer()->set_text("@");
             return CallRaw(d_.channel(), "/attune.v1.ExerciseService/AnswerStep", r, "@", "\xc3");
           },
           Code::INTERNAL, ""},
          {"negative elapsed seconds",
           answer(session,
                  [](v1::AnswerStepRequest* r) {
                    r->mutable_answer()->set_text("fine");
                    r->mutable_answer()->set_elapsed_seconds(-1);
                  }),
           Code::INVALID_ARGUMENT, "answer.elapsed_seconds"},
          {"answer to a session that never was",
           answer("sessions/" + kUnknownId,
                  [](v1::AnswerStepRequest* r) { r->mutable_answer()->set_done(true); }),
           Code::NOT_FOUND, "not found"},
          {"abandon of a malformed name", abandon("sessions/"), Code::INVALID_ARGUMENT, "session:"},
          {"abandon of a session that never was", abandon("sessions/" + kUnknownId),
           Code::NOT_FOUND, "not found"},
          {"page size 1001", sessions(1001, ""), Code::INVALID_ARGUMENT, "page_size"},
          {"page token not handed out", sessions(0, "***"), Code::INVALID_ARGUMENT, "page_token"},
      });
  // The session is still at its step and finishes well.
  ASSERT_OK(driver_->Answer(session, Text("fine words"), &next, "words"));
  ASSERT_OK(driver_->Answer(session, Rating(4), &next));
  EXPECT_TRUE(next.finished());
}

TEST_F(ExerciseBadInputTest, PluginRepliesOutOfShapeEndTheSessionAndStoreNothing) {
  auto shaped = [&](std::string shape) {
    return [this, shape] {
      v1::StartSessionRequest r = Request("python-echo");
      (*r.mutable_options())["shape"] = shape;
      v1::LiveSession out;
      return StartAfterBackoff(r, &out);
    };
  };
  ExpectAllRefused(d_, {
                           {"a plugin that fails Start (an exercise without steps)",
                            [this] {
                              v1::LiveSession out;
                              return StartAfterBackoff(Request("tp-empty"), &out);
                            },
                            Code::ABORTED, "the session could not start: plugin tp failed Start"},
                           {"Start answered with complete", shaped("complete_at_start"),
                            Code::ABORTED, "answered Start with complete instead of a first step"},
                           {"a step and complete at once", shaped("both"), Code::ABORTED,
                            "answered with both a step and complete"},
                           {"neither a step nor complete", shaped("neither"), Code::ABORTED,
                            "answered with neither a step nor complete"},
                       });
  // A plugin that never runs out of steps is cut off after 500.
  const std::string before = Snapshot(d_);
  v1::LiveSession first;
  ASSERT_OK(StartAfterBackoff(Request("tp-endless"), &first));
  v1::AbandonSessionRequest abandon;
  abandon.set_session(first.name());
  google::protobuf::Empty empty;
  ASSERT_OK(driver_->exercises().AbandonSession(Ctx().get(), abandon, &empty));
  auto run = driver_->RunSession(Request("tp-endless"));
  EXPECT_CODE(run.status, Code::ABORTED);
  EXPECT_THAT(run.status.error_message(), HasSubstr("went on for more than 500 steps"));
  EXPECT_EQ(run.steps.size(), 500u);
  EXPECT_EQ(Snapshot(d_), before);
  // The plugins are back after their backoff, and a good session stores.
  v1::StartSessionRequest good = Request("python-echo");
  v1::LiveSession live;
  ASSERT_OK(StartAfterBackoff(good, &live));
  v1::AbandonSessionRequest drop;
  drop.set_session(live.name());
  ASSERT_OK(driver_->exercises().AbandonSession(Ctx().get(), drop, &empty));
  ASSERT_OK(driver_->RunSession(good).status);
  ExpectAGoodWrite();
}

// What a plugin prints (stdout after its handshake line, and stderr) goes
// to its own log file, never the daemon's log: not even a person's answer
// that the plugin prints. In that file, lines are short and control
// characters escaped, so a plugin can neither forge lines nor drive the
// terminal of whoever reads it.
TEST_F(ExerciseBadInputTest, PluginOutputGoesToItsOwnLogShortAndEscaped) {
  v1::StartSessionRequest r = Request("tp-echo");
  // Escaped: the plugin turns "\\x1b" and "\\r" back into the bytes (an
  // option may not carry control characters itself).
  (*r.mutable_options())["print"] = "\\x1b[2J\\rforged 2026-01-01T00:00:00Z attuned I ";
  (*r.mutable_options())["print_times"] = "100";
  (*r.mutable_options())["eprint"] = "yes";  // the answer, on stderr
  driver_->overrides["words"] = Text("a private answer");
  auto run = driver_->RunSession(r);
  ASSERT_OK(run.status);
  const std::string daemon_log = d_.StderrSinceStart();
  const std::string marker = "what it prints goes to ";
  size_t at = daemon_log.find(marker);
  ASSERT_NE(at, std::string::npos) << daemon_log;
  at += marker.size();
  const std::string path = daemon_log.substr(at, daemon_log.find('\n', at) - at);
  std::string log;
  ASSERT_TRUE(Eventually([&] {
    std::ifstream in(path);
    log.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return log.find("a private answer") != std::string::npos &&
           log.find("\\x1b[2J") != std::string::npos;
  })) << path
      << ":\n"
      << log;
  EXPECT_THAT(log, HasSubstr(" tp 1.0.0 pid "));
  EXPECT_THAT(log, HasSubstr(" stderr: "));
  EXPECT_EQ(log.find('\x1b'), std::string::npos) << "an escape character reached the log";
  EXPECT_EQ(log.find('\r'), std::string::npos) << "a carriage return reached the log";
  size_t longest = 0;
  for (size_t from = 0, nl; from < log.size(); from = nl + 1) {
    nl = log.find('\n', from);
    if (nl == std::string::npos) nl = log.size();
    longest = std::max(longest, nl - from);
  }
  EXPECT_LT(longest, 1200u) << "a 5,000-character line was written whole";
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // The daemon's own log holds none of it.
  const std::string after = d_.StderrSinceStart();
  EXPECT_EQ(after.find("a private answer"), std::string::npos) << after;
  EXPECT_EQ(after.find("forged"), std::string::npos) << after;
  ExpectAGoodWrite();
}

TEST_F(ExerciseBadInputTest, PluginGrantsRefuseUnknownPluginsAndKinds) {
  auto change = [&](bool grant, std::string plugin, std::vector<std::string> kinds) {
    return [this, grant, plugin, kinds] {
      v1::PluginInfo out;
      if (grant) {
        v1::GrantPermissionsRequest r;
        r.set_plugin(plugin);
        for (const auto& k : kinds) r.add_kinds(k);
        return driver_->plugins().GrantPermissions(Ctx().get(), r, &out);
      }
      v1::RevokePermissionsRequest r;
      r.set_plugin(plugin);
      for (const auto& k : kinds) r.add_kinds(k);
      return driver_->plugins().RevokePermissions(Ctx().get(), r, &out);
    };
  };
  ExpectAllRefused(d_, {
                           {"grant to no plugin", change(true, "", {}), Code::INVALID_ARGUMENT,
                            "plugin: is required"},
                           {"grant of a kind that does not exist", change(true, "tp", {"diary"}),
                            Code::INVALID_ARGUMENT, "kinds: \"diary\" is not a record kind"},
                           {"grant of a kind not asked for", change(true, "tp", {"appreciation"}),
                            Code::INVALID_ARGUMENT, "does not ask to write appreciation"},
                           {"grant to a plugin not installed", change(true, "nobody", {}),
                            Code::NOT_FOUND, "nobody"},
                           {"revoke from no plugin", change(false, "", {}), Code::INVALID_ARGUMENT,
                            "plugin: is required"},
                           {"revoke of a kind that does not exist", change(false, "tp", {"diary"}),
                            Code::INVALID_ARGUMENT, "is not a record kind"},
                           {"revoke from a plugin not installed", change(false, "nobody", {}),
                            Code::NOT_FOUND, "nobody"},
                       });
  v1::PluginInfo info;
  v1::GrantPermissionsRequest ok;
  ok.set_plugin("tp");
  ASSERT_OK(driver_->plugins().GrantPermissions(Ctx().get(), ok, &info));
  EXPECT_THAT(info.granted_permissions(), ::testing::ElementsAre("check_in"));
}

// ---------------------------------------------------------------------------
// The peer service: Pair and Sync from a device that misbehaves
// ---------------------------------------------------------------------------

}  // namespace
}  // namespace attune::testing
