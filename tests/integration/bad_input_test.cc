// Bad input at the client API's doors, the CLI's, and attuned's own flags
// and environment (tests/BAD_INPUT.md lists them): each refusal has the right
// code and a message that names what is wrong, nothing is stored (everything
// a person can read back, and the count of ops written, is the same before
// and after), and the daemon goes on serving (the next call succeeds).
#include "bad_input_support.h"

namespace attune::testing {
namespace {

TEST_F(BadInputTest, VaultInitRefusesBadFieldsAndStaysUninitialised) {
  ASSERT_TRUE(d_.Start());
  auto init = [&](std::string passphrase, std::string name, int kdf) {
    return [this, passphrase, name, kdf] {
      v1::InitRequest r;
      r.set_passphrase(passphrase);
      r.set_display_name(name);
      r.set_kdf_cost(static_cast<v1::KdfCost>(kdf));
      v1::VaultStatus out;
      return d_.vault().Init(Ctx().get(), r, &out);
    };
  };
  auto unlock = [&](std::string passphrase) {
    return [this, passphrase] { return d_.Unlock(passphrase); };
  };
  ExpectAllRefused(
      d_, {
              {"passphrase of 7 characters", init("1234567", "Alex", 3), Code::INVALID_ARGUMENT,
               "passphrase: must be at least 8"},
              {"empty passphrase", init("", "Alex", 3), Code::INVALID_ARGUMENT, "passphrase"},
              {"empty display name", init(kPassphrase, "", 3), Code::INVALID_ARGUMENT,
               "display_name: must be 1 to 64"},
              {"display name of 65", init(kPassphrase, std::string(65, 'a'), 3),
               Code::INVALID_ARGUMENT, "display_name"},
              {"unknown kdf_cost", init(kPassphrase, "Alex", 99), Code::INVALID_ARGUMENT,
               "kdf_cost: unknown value"},
              {"unlock before init", unlock(kPassphrase), Code::FAILED_PRECONDITION, "attune init"},
          });
  v1::VaultStatus st;
  ASSERT_OK(d_.GetStatus(&st));
  EXPECT_EQ(st.state(), v1::VaultStatus::STATE_UNINITIALIZED);
  ASSERT_OK(d_.InitVault(kPassphrase));
  ExpectAGoodWrite();
}

// Names and texts reach terminals (attune members, attune journal show, a
// partner's devices): a control character that a terminal could obey is
// refused at the API, naming the field; line feeds and tabs only where a
// text may have lines.
TEST_F(BadInputTest, TextsWithControlCharactersAreRefusedNamingTheField) {
  ASSERT_TRUE(d_.Start());
  auto init = [this](std::string name) {
    return [this, name] {
      v1::InitRequest r;
      r.set_passphrase(kPassphrase);
      r.set_display_name(name);
      r.set_kdf_cost(v1::KDF_COST_TEST_ONLY_MINIMUM);
      v1::VaultStatus out;
      return d_.vault().Init(Ctx().get(), r, &out);
    };
  };
  const std::string control = "must not contain control characters";
  ExpectAllRefused(d_, {
                           {"a display name with ESC", init("Alex\x1b[2K\x1b[1A"),
                            Code::INVALID_ARGUMENT, "display_name: " + control},
                           {"a display name with a line break", init("Alex\nroot"),
                            Code::INVALID_ARGUMENT, "display_name: " + control},
                           {"a display name with a C1 CSI",
                            init("Alex\xc2\x9b"
                                 "2K"),
                            Code::INVALID_ARGUMENT, "display_name: " + control},
                       });
  ASSERT_OK(d_.InitVault(kPassphrase));
  WriteOneOfEach();
  auto journal = [](std::string title, std::string body) {
    v1::CreateJournalEntryRequest r;
    r.mutable_journal_entry()->set_title(title);
    r.mutable_journal_entry()->set_body(body);
    return r;
  };
  auto check_in = [](std::string high) {
    v1::CreateCheckInRequest r;
    r.mutable_check_in()->set_high(high);
    r.mutable_check_in()->set_low("low");
    r.mutable_check_in()->set_connection_rating(3);
    return r;
  };
  v1::CreateGoalRequest goal;
  goal.mutable_goal()->set_title("Walk\x1b]0;owned\x07");
  goal.mutable_goal()->set_target_per_period(1);
  goal.mutable_goal()->set_period(v1::GOAL_PERIOD_WEEK);
  goal.mutable_goal()->set_periods(2);
  v1::LogProgressRequest progress;
  progress.set_parent(goal_.name());
  progress.mutable_progress()->set_note("done\rerased");
  auto& j = d_.journal();
  ExpectAllRefused(
      d_,
      {
          {"a journal body with ESC",
           Calling(j, &v1::JournalService::Stub::CreateJournalEntry,
                   journal("t", "text\x1b[2Kmore")),
           Code::INVALID_ARGUMENT, "journal_entry.body: " + control + " (U+001B"},
          {"a journal title with a line break",
           Calling(j, &v1::JournalService::Stub::CreateJournalEntry, journal("two\nlines", "body")),
           Code::INVALID_ARGUMENT, "journal_entry.title: " + control},
          {"a journal body with DEL",
           Calling(j, &v1::JournalService::Stub::CreateJournalEntry, journal("t", "a\x7f")),
           Code::INVALID_ARGUMENT, "journal_entry.body: " + control + " (U+007F"},
          {"a check-in high with a carriage return",
           Calling(d_.checkins(), &v1::CheckInService::Stub::CreateCheckIn,
                   check_in("fine\rterrible")),
           Code::INVALID_ARGUMENT, "check_in.high: " + control + " (U+000D"},
          {"a goal title with an OSC sequence",
           Calling(d_.goals(), &v1::GoalService::Stub::CreateGoal, goal), Code::INVALID_ARGUMENT,
           "goal.title: " + control},
          {"a progress note with a carriage return",
           Calling(d_.goals(), &v1::GoalService::Stub::LogProgress, progress),
           Code::INVALID_ARGUMENT, "progress.note: " + control},
      });
  // Lines and tabs in a body are fine.
  v1::JournalEntry entry;
  ASSERT_OK(j.CreateJournalEntry(Ctx().get(), journal("t", "line one\n\tline two"), &entry));
  ExpectAGoodWrite();
}

TEST_F(BadInputTest, VaultUnlockRefusesWrongPassphrasesAndStaysLocked) {
  StartAndInit();
  WriteOneOfEach();
  ASSERT_OK(d_.Lock());
  auto unlock = [&](std::string passphrase) {
    return [this, passphrase] { return d_.Unlock(passphrase); };
  };
  ExpectAllRefused(
      d_, {
              {"empty passphrase", unlock(""), Code::UNAUTHENTICATED, "wrong passphrase"},
              {"a 100 KiB passphrase", unlock(std::string(100 << 10, 'p')), Code::UNAUTHENTICATED,
               "wrong passphrase"},
              {"passphrase with a NUL", unlock(std::string("bad\0input", 9)), Code::UNAUTHENTICATED,
               "wrong passphrase"},
          });
  ASSERT_OK(d_.Unlock(kPassphrase));
  EXPECT_EQ(ListAllJournalEntries(d_).size(), 1u);
  ExpectAGoodWrite();
}

// ---------------------------------------------------------------------------
// JournalService
// ---------------------------------------------------------------------------

TEST_F(BadInputTest, JournalCallsRefuseBadFieldsNamesAndPages) {
  StartAndInit();
  WriteOneOfEach();
  using Stub = v1::JournalService::Stub;
  Stub& stub = d_.journal();
  auto create = [&](std::function<void(v1::JournalEntry*)> edit) {
    v1::CreateJournalEntryRequest r;
    r.mutable_journal_entry()->set_body("a body");
    edit(r.mutable_journal_entry());
    return Calling(stub, &Stub::CreateJournalEntry, r);
  };
  auto get = [&](std::string name) { return CallingWithName(stub, &Stub::GetJournalEntry, name); };
  auto list = [&](int size, std::string token) {
    v1::ListJournalEntriesRequest r;
    r.set_page_size(size);
    r.set_page_token(token);
    return Calling(stub, &Stub::ListJournalEntries, r);
  };
  auto update = [&](std::string name, std::vector<std::string> paths,
                    std::function<void(v1::JournalEntry*)> edit) {
    return CallingUpdate(stub, &Stub::UpdateJournalEntry,
                         &v1::UpdateJournalEntryRequest::mutable_journal_entry, name, paths, edit);
  };
  auto del = [&](std::string name) {
    return CallingWithName(stub, &Stub::DeleteJournalEntry, name);
  };
  const std::string name = entry_.name();
  auto none = [](v1::JournalEntry*) {};
  ExpectAllRefused(
      d_,
      {
          {"title of 201 characters",
           create([](v1::JournalEntry* e) { e->set_title(std::string(201, 't')); }),
           Code::INVALID_ARGUMENT, "journal_entry.title: is 201 characters long"},
          {"empty body", create([](v1::JournalEntry* e) { e->set_body(""); }),
           Code::INVALID_ARGUMENT, "journal_entry.body: is required"},
          {"blank body", create([](v1::JournalEntry* e) { e->set_body(" \n\t "); }),
           Code::INVALID_ARGUMENT, "journal_entry.body: is required"},
          {"body over 64 KiB",
           create([](v1::JournalEntry* e) { e->set_body(std::string((64 << 10) + 1, 'b')); }),
           Code::INVALID_ARGUMENT, "journal_entry.body: is 65537 bytes long"},
          {"body with a NUL",
           create([](v1::JournalEntry* e) { e->set_body(std::string("a\0b", 3)); }),
           Code::INVALID_ARGUMENT, "NUL"},
          {"title that is not UTF-8",
           [this] {
             v1::CreateJournalEntryRequest r;
             r.mutable_journal_entry()->set_title("@@");
             r.mutable_journal_entry()->set_body("a body");
             return CallRaw(d_.channel(), "/attune.v1.JournalService/CreateJournalEntry", r, "@@",
                            "\xff\xfe");
           },
           Code::INTERNAL, ""},
          {"unknown feeling",
           create([](v1::JournalEntry* e) { e->add_emotions()->set_label("zorbled"); }),
           Code::INVALID_ARGUMENT, "journal_entry.emotions"},
          {"intensity 6", create([](v1::JournalEntry* e) {
             auto* l = e->add_emotions();
             l->set_label("calm");
             l->set_intensity(6);
           }),
           Code::INVALID_ARGUMENT, "intensity must be 1"},
          {"the same feeling twice", create([](v1::JournalEntry* e) {
             e->add_emotions()->set_label("calm");
             e->add_emotions()->set_label("calm");
           }),
           Code::INVALID_ARGUMENT, "is named twice"},
          {"unknown visibility",
           create([](v1::JournalEntry* e) { e->set_visibility(static_cast<v1::Visibility>(9)); }),
           Code::INVALID_ARGUMENT,
           "journal_entry.visibility: must be VISIBILITY_PRIVATE or VISIBILITY_SHARED"},
          {"get with an empty name", get(""), Code::INVALID_ARGUMENT, "name:"},
          {"get with another collection", get("checkIns/" + kUnknownId), Code::INVALID_ARGUMENT,
           "journalEntries/{32 hex digits}"},
          {"get with a short id", get("journalEntries/abc"), Code::INVALID_ARGUMENT, "name:"},
          {"get of an entry that never was", get("journalEntries/" + kUnknownId), Code::NOT_FOUND,
           "not found"},
          {"page size -1", list(-1, ""), Code::INVALID_ARGUMENT, "page_size: must be 1 to 1000"},
          {"page size 1001", list(1001, ""), Code::INVALID_ARGUMENT, "page_size"},
          {"page token not handed out", list(0, "!!not a token!!"), Code::INVALID_ARGUMENT,
           "page_token"},
          {"update without a mask", update(name, {}, none), Code::INVALID_ARGUMENT,
           "update_mask: name at least one field"},
          {"update of a malformed name", update("journalEntries/xyz", {"title"}, none),
           Code::INVALID_ARGUMENT, "journal_entry.name"},
          {"update to an empty body", update(name, {"body"}, none), Code::INVALID_ARGUMENT,
           "journal_entry.body: is required"},
          {"update of create_time", update(name, {"create_time"}, none), Code::INVALID_ARGUMENT,
           "cannot be changed"},
          {"update of an entry that never was",
           update("journalEntries/" + kUnknownId, {"title"}, none), Code::NOT_FOUND, "not found"},
          {"delete of a malformed name", del("journalEntries/"), Code::INVALID_ARGUMENT, "name:"},
          {"delete of an entry that never was", del("journalEntries/" + kUnknownId),
           Code::NOT_FOUND, "not found"},
      });
  ExpectAGoodWrite();
}

// ---------------------------------------------------------------------------
// CheckInService (the field checks of CreateCheckIn are in daemon_api_test)
// ---------------------------------------------------------------------------

TEST_F(BadInputTest, CheckInCallsRefuseBadFieldsNamesRangesAndPages) {
  StartAndInit();
  WriteOneOfEach();
  using Stub = v1::CheckInService::Stub;
  Stub& stub = d_.checkins();
  auto create = [&](std::function<void(v1::CheckIn*)> edit) {
    v1::CreateCheckInRequest r;
    v1::CheckIn* c = r.mutable_check_in();
    c->set_day(UtcToday());
    c->set_time_zone("UTC");
    c->set_high("high");
    c->set_low("low");
    c->set_connection_rating(3);
    edit(c);
    return Calling(stub, &Stub::CreateCheckIn, r);
  };
  auto get = [&](std::string name) { return CallingWithName(stub, &Stub::GetCheckIn, name); };
  auto list = [&](std::string start, std::string end, int size, std::string token) {
    v1::ListCheckInsRequest r;
    r.set_start_day(start);
    r.set_end_day(end);
    r.set_page_size(size);
    r.set_page_token(token);
    return Calling(stub, &Stub::ListCheckIns, r);
  };
  auto update = [&](std::string name, std::vector<std::string> paths,
                    std::function<void(v1::CheckIn*)> edit) {
    return CallingUpdate(stub, &Stub::UpdateCheckIn, &v1::UpdateCheckInRequest::mutable_check_in,
                         name, paths, edit);
  };
  auto del = [&](std::string name) { return CallingWithName(stub, &Stub::DeleteCheckIn, name); };
  const std::string name = check_in_.name();
  auto none = [](v1::CheckIn*) {};
  ExpectAllRefused(
      d_,
      {
          {"a day after tomorrow",
           create([](v1::CheckIn* c) { c->set_day(AddDays(UtcToday(), 2)); }),
           Code::INVALID_ARGUMENT, "is in the future"},
          {"a day in the year 1999", create([](v1::CheckIn* c) { c->set_day("1999-12-31"); }),
           Code::INVALID_ARGUMENT, "outside 2000-01-01..2200-12-31"},
          {"a day in another format", create([](v1::CheckIn* c) { c->set_day("31.12.2025"); }),
           Code::INVALID_ARGUMENT, "check_in.day"},
          {"empty low", create([](v1::CheckIn* c) { c->set_low(""); }), Code::INVALID_ARGUMENT,
           "check_in.low: is required"},
          {"note of 2001 characters",
           create([](v1::CheckIn* c) { c->set_note(std::string(2001, 'n')); }),
           Code::INVALID_ARGUMENT, "check_in.note: is 2001 characters long"},
          {"eleven feelings", create([](v1::CheckIn* c) {
             for (const char* l : {"calm", "glad", "proud", "hopeful", "tender", "content",
                                   "grateful", "relieved", "playful", "curious", "safe"}) {
               c->add_emotions()->set_label(l);
             }
           }),
           Code::INVALID_ARGUMENT, "at most 10 feelings"},
          {"unknown visibility",
           create([](v1::CheckIn* c) { c->set_visibility(static_cast<v1::Visibility>(5)); }),
           Code::INVALID_ARGUMENT, "check_in.visibility"},
          {"a second check-in for a day, without replace",
           create([](v1::CheckIn* c) { c->set_day(AddDays(UtcToday(), -1)); }),
           Code::FAILED_PRECONDITION,
           "you have checked in for " + AddDays(UtcToday(), -1) +
               " already; pass replace to replace it"},
          {"get with another collection", get("goals/" + kUnknownId), Code::INVALID_ARGUMENT,
           "checkIns/{32 hex digits}"},
          {"get of a check-in that never was", get("checkIns/" + kUnknownId), Code::NOT_FOUND,
           "not found"},
          {"list from a day that is not one", list("2025-13-01", "", 0, ""), Code::INVALID_ARGUMENT,
           "start_day"},
          {"list to a word", list("", "yesterday", 0, ""), Code::INVALID_ARGUMENT, "end_day"},
          {"list ending before it starts", list("2025-03-02", "2025-03-01", 0, ""),
           Code::INVALID_ARGUMENT, "end_day: 2025-03-01 is before start_day"},
          {"page size 5000", list("", "", 5000, ""), Code::INVALID_ARGUMENT, "page_size"},
          {"page token not handed out", list("", "", 0, "%%%"), Code::INVALID_ARGUMENT,
           "page_token"},
          {"update without a mask", update(name, {}, none), Code::INVALID_ARGUMENT, "update_mask"},
          {"update of the day", update(name, {"day"}, none), Code::INVALID_ARGUMENT,
           "update_mask: \"day\" cannot be changed"},
          {"update to rating 0", update(name, {"connection_rating"}, none), Code::INVALID_ARGUMENT,
           "check_in.connection_rating: must be 1 to 5, not 0"},
          {"update of a malformed name", update("checkIns/zz", {"note"}, none),
           Code::INVALID_ARGUMENT, "check_in.name"},
          {"update of a check-in that never was", update("checkIns/" + kUnknownId, {"note"}, none),
           Code::NOT_FOUND, "not found"},
          {"delete of a malformed name", del("checkins/" + kUnknownId), Code::INVALID_ARGUMENT,
           "name:"},
          {"delete of a check-in that never was", del("checkIns/" + kUnknownId), Code::NOT_FOUND,
           "not found"},
      });
  ExpectAGoodWrite();
}

// ---------------------------------------------------------------------------
// AppreciationService
// ---------------------------------------------------------------------------

TEST_F(BadInputTest, AppreciationListRefusesBadPages) {
  StartAndInit();
  WriteOneOfEach();
  using Stub = v1::AppreciationService::Stub;
  auto stub = v1::AppreciationService::NewStub(d_.channel());
  auto list = [&](int size, std::string token) {
    v1::ListAppreciationsRequest r;
    r.set_page_size(size);
    r.set_page_token(token);
    return Calling(*stub, &Stub::ListAppreciations, r);
  };
  ExpectAllRefused(
      d_, {
              {"page size 5000", list(5000, ""), Code::INVALID_ARGUMENT, "page_size"},
              {"page size -1", list(-1, ""), Code::INVALID_ARGUMENT, "page_size"},
              {"page token not handed out", list(0, "%%%"), Code::INVALID_ARGUMENT, "page_token"},
          });
  auto get = [&](std::string name) {
    v1::GetAppreciationRequest r;
    r.set_name(name);
    return Calling(*stub, &Stub::GetAppreciation, r);
  };
  ExpectAllRefused(d_,
                   {
                       {"get: empty name", get(""), Code::INVALID_ARGUMENT, "name"},
                       {"get: another collection", get("journalEntries/" + std::string(32, 'a')),
                        Code::INVALID_ARGUMENT, "name"},
                       {"get: not hex", get("appreciations/xyz"), Code::INVALID_ARGUMENT, "name"},
                       {"get: none by that name", get("appreciations/" + std::string(32, 'a')),
                        Code::NOT_FOUND, "appreciations/"},
                   });
  ExpectAGoodWrite();
}

// ---------------------------------------------------------------------------
// GoalService
// ---------------------------------------------------------------------------

TEST_F(BadInputTest, GoalCallsRefuseBadFieldsNamesAndProgress) {
  StartAndInit();
  WriteOneOfEach();
  using Stub = v1::GoalService::Stub;
  Stub& stub = d_.goals();
  auto create = [&](std::function<void(v1::Goal*)> edit) {
    v1::CreateGoalRequest r;
    v1::Goal* g = r.mutable_goal();
    g->set_title("A goal");
    g->set_target_per_period(1);
    g->set_period(v1::GOAL_PERIOD_DAY);
    g->set_periods(7);
    g->set_time_zone("UTC");
    edit(g);
    return Calling(stub, &Stub::CreateGoal, r);
  };
  auto by_name = [&](std::string method, std::string name) {
    if (method == "get") return CallingWithName(stub, &Stub::GetGoal, name);
    if (method == "delete") return CallingWithName(stub, &Stub::DeleteGoal, name);
    if (method == "status") return CallingWithName(stub, &Stub::GetGoalStatus, name);
    v1::ArchiveGoalRequest r;  // "archive"
    r.set_name(name);
    r.set_archived(true);
    return Calling(stub, &Stub::ArchiveGoal, r);
  };
  auto list = [&](int size, std::string token) {
    v1::ListGoalsRequest r;
    r.set_page_size(size);
    r.set_page_token(token);
    return Calling(stub, &Stub::ListGoals, r);
  };
  auto update = [&](std::string name, std::vector<std::string> paths,
                    std::function<void(v1::Goal*)> edit) {
    return CallingUpdate(stub, &Stub::UpdateGoal, &v1::UpdateGoalRequest::mutable_goal, name, paths,
                         edit);
  };
  auto undo = [&](std::string parent, std::string progress_name) {
    v1::UndoProgressRequest r;
    r.set_parent(parent);
    r.set_name(progress_name);
    return Calling(stub, &Stub::UndoProgress, r);
  };
  auto progress = [&](std::string parent, std::string day, std::string note) {
    v1::LogProgressRequest r;
    r.set_parent(parent);
    r.mutable_progress()->set_day(day);
    r.mutable_progress()->set_note(note);
    return Calling(stub, &Stub::LogProgress, r);
  };
  const std::string name = goal_.name();
  const std::string unknown = "goals/" + kUnknownId;
  auto none = [](v1::Goal*) {};
  std::vector<Case> cases = {
      {"empty title", create([](v1::Goal* g) { g->set_title(""); }), Code::INVALID_ARGUMENT,
       "goal.title: is required"},
      {"target 0", create([](v1::Goal* g) { g->set_target_per_period(0); }), Code::INVALID_ARGUMENT,
       "goal.target_per_period: must be 1 to 100"},
      {"target 101", create([](v1::Goal* g) { g->set_target_per_period(101); }),
       Code::INVALID_ARGUMENT, "goal.target_per_period"},
      {"no period", create([](v1::Goal* g) { g->set_period(v1::GOAL_PERIOD_UNSPECIFIED); }),
       Code::INVALID_ARGUMENT, "goal.period: must be DAY, WEEK or MONTH"},
      {"0 periods", create([](v1::Goal* g) { g->set_periods(0); }), Code::INVALID_ARGUMENT,
       "goal.periods: must be 1 to 520"},
      {"521 periods", create([](v1::Goal* g) { g->set_periods(521); }), Code::INVALID_ARGUMENT,
       "goal.periods"},
      {"start on 30 February", create([](v1::Goal* g) { g->set_start_day("2026-02-30"); }),
       Code::INVALID_ARGUMENT, "goal.start_day: 2026-02-30 is not a day of the calendar"},
      {"unknown time zone", create([](v1::Goal* g) { g->set_time_zone("Atlantis/Capital"); }),
       Code::INVALID_ARGUMENT, "goal.time_zone"},
      {"exercise id with capitals",
       create([](v1::Goal* g) { g->set_exercise("Reflective Listening"); }), Code::INVALID_ARGUMENT,
       "goal.exercise: an exercise id uses a-z"},
      {"exercise id with a leading '-' (a manifest may not declare one)",
       create([](v1::Goal* g) { g->set_exercise("-listening"); }), Code::INVALID_ARGUMENT,
       "goal.exercise: an exercise id uses a-z, 0-9 and '-' only, and neither starts nor ends "
       "with '-'"},
      {"exercise id of 65", create([](v1::Goal* g) { g->set_exercise(std::string(65, 'x')); }),
       Code::INVALID_ARGUMENT, "goal.exercise: at most 64"},
      {"exercise no installed plugin offers",
       create([](v1::Goal* g) { g->set_exercise("no-such-exercise"); }), Code::INVALID_ARGUMENT,
       "goal.exercise: no installed plugin offers \"no-such-exercise\" (installed: "},
      {"update to an exercise no installed plugin offers",
       update(name, {"exercise"}, [](v1::Goal* g) { g->set_exercise("no-such-exercise"); }),
       Code::INVALID_ARGUMENT, "goal.exercise: no installed plugin offers \"no-such-exercise\""},
      {"undo on a malformed parent", undo("goals/", ""), Code::INVALID_ARGUMENT, "parent:"},
      {"undo on a goal that never was", undo(unknown, ""), Code::NOT_FOUND, "not found"},
      {"undo of a progress of another goal", undo(name, unknown + "/progress/" + kUnknownId),
       Code::INVALID_ARGUMENT, "name:"},
      {"undo of a progress that never was", undo(name, name + "/progress/" + kUnknownId),
       Code::NOT_FOUND, "not found"},
      {"undo with no progress of one's own", undo(name, ""), Code::NOT_FOUND,
       "you have logged no progress on goals/"},
      {"unknown visibility",
       create([](v1::Goal* g) { g->set_visibility(static_cast<v1::Visibility>(3)); }),
       Code::INVALID_ARGUMENT, "goal.visibility"},
      {"page size -2", list(-2, ""), Code::INVALID_ARGUMENT, "page_size"},
      {"page token not handed out", list(0, "\x01"), Code::INVALID_ARGUMENT, "page_token"},
      {"update without a mask", update(name, {}, none), Code::INVALID_ARGUMENT, "update_mask"},
      {"update clearing the start day", update(name, {"start_day"}, none), Code::INVALID_ARGUMENT,
       "goal.start_day: is required"},
      {"update to target 0", update(name, {"target_per_period"}, none), Code::INVALID_ARGUMENT,
       "goal.target_per_period"},
      {"update of the time zone", update(name, {"time_zone"}, none), Code::INVALID_ARGUMENT,
       "cannot be changed"},
      {"update of a goal that never was",
       update(unknown, {"title"}, [](v1::Goal* g) { g->set_title("x"); }), Code::NOT_FOUND,
       "not found"},
      {"progress for a malformed parent", progress("journalEntries/" + kUnknownId, "", ""),
       Code::INVALID_ARGUMENT, "parent:"},
      {"progress for a goal that never was", progress(unknown, "", ""), Code::NOT_FOUND,
       "not found"},
      {"progress on a day that is not one", progress(name, "soon", ""), Code::INVALID_ARGUMENT,
       "progress.day"},
      {"progress note of 2001", progress(name, "", std::string(2001, 'n')), Code::INVALID_ARGUMENT,
       "progress.note"},
  };
  for (const char* method : {"get", "delete", "archive", "status"}) {
    cases.push_back({std::string(method) + " of a malformed name", by_name(method, "goals/"),
                     Code::INVALID_ARGUMENT, "name:"});
    cases.push_back({std::string(method) + " of a goal that never was", by_name(method, unknown),
                     Code::NOT_FOUND, "not found"});
  }
  ExpectAllRefused(d_, cases);
  ExpectAGoodWrite();
}

// ---------------------------------------------------------------------------
// SpaceService and invite codes
// ---------------------------------------------------------------------------

TEST_F(BadInputTest, SpaceCallsRefuseBadTtlsCodesAndDeviceIds) {
  StartAndInit({"--peer-listen", "127.0.0.1:0"});
  WriteOneOfEach();
  auto space = v1::SpaceService::NewStub(d_.channel());
  auto invite = [&](int ttl) {
    return [&space, ttl] {
      v1::CreateInviteRequest r;
      r.set_ttl_seconds(ttl);
      v1::Invite out;
      return space->CreateInvite(Ctx().get(), r, &out);
    };
  };
  auto join = [&](std::string code, std::vector<std::string> addresses = {}) {
    return [&space, code, addresses] {
      v1::JoinSpaceRequest r;
      r.set_code(code);
      for (const auto& a : addresses) r.add_addresses(a);
      v1::JoinSpaceResponse out;
      return space->JoinSpace(DaemonHarness::Context(std::chrono::seconds(30)).get(), r, &out);
    };
  };
  auto safety = [&](std::string device) {
    return [&space, device] {
      v1::GetSafetyNumberRequest r;
      r.set_device_id(device);
      v1::SafetyNumber out;
      return space->GetSafetyNumber(Ctx().get(), r, &out);
    };
  };
  // A real invite of this very device, and codes made from it.
  v1::Invite own;
  ASSERT_OK(space->CreateInvite(Ctx().get(), v1::CreateInviteRequest(), &own));
  auto code = DecodeInviteCode(own.code());
  ASSERT_TRUE(code.ok());
  auto stranger = NewKeys("Stranger");
  v1::InviteCode elsewhere = *code;
  elsewhere.set_inviter_device(stranger->device_public_key);
  elsewhere.clear_addresses();
  elsewhere.add_addresses("127.0.0.1:1");  // nobody listens on port 1
  v1::InviteCode no_address = elsewhere;
  no_address.clear_addresses();
  // An address that is not host:port: this daemon's own client socket.
  v1::InviteCode local_socket = elsewhere;
  local_socket.clear_addresses();
  local_socket.add_addresses("unix:" + d_.socket_path());
  // The short form: one character changed (its check catches it).
  std::string short_typo = own.short_code();
  short_typo[2] = short_typo[2] == 'A' ? 'B' : 'A';
  std::string device_id = FormatDeviceId(stranger->device_public_key);
  std::string typo = device_id;
  typo[3] = typo[3] == 'A' ? 'B' : 'A';
  ExpectAllRefused(
      d_,
      {
          {"ttl -1", invite(-1), Code::INVALID_ARGUMENT, "ttl_seconds: must be 10 to 86400"},
          {"ttl 5 s", invite(5), Code::INVALID_ARGUMENT, "ttl_seconds"},
          {"ttl over a day", invite(86401), Code::INVALID_ARGUMENT, "ttl_seconds"},
          {"empty code", join(""), Code::INVALID_ARGUMENT, "code: not an Attune invite"},
          {"code without its prefix", join(own.code().substr(14)), Code::INVALID_ARGUMENT,
           "it starts with attune-invite-"},
          {"code with a character outside base32", join("attune-invite-0189!"),
           Code::INVALID_ARGUMENT, "'0' is not a character invite codes use"},
          {"code cut short", join(own.code().substr(0, own.code().size() - 12)),
           Code::INVALID_ARGUMENT, "code: this invite code is damaged: a character is wrong"},
          {"code of 3000 characters", join("attune-invite-" + std::string(3000, 'a')),
           Code::INVALID_ARGUMENT, "not an Attune invite"},
          {"code with no address", join(EncodeInviteCode(no_address)), Code::INVALID_ARGUMENT,
           "from another version of Attune or incomplete"},
          {"this device's own invite", join(own.code()), Code::INVALID_ARGUMENT,
           "this device's own invite"},
          {"an inviter nobody can reach", join(EncodeInviteCode(elsewhere)), Code::UNAVAILABLE,
           "could not reach the inviter at 127.0.0.1:1"},
          {"an address that is a local Unix socket", join(EncodeInviteCode(local_socket)),
           Code::UNAVAILABLE, "could not reach the inviter at unix:"},
          {"short code of 6 characters", join("7K3M-9Q", {"127.0.0.1:1"}), Code::INVALID_ARGUMENT,
           "short form of 20 characters in five groups of four; this has 6"},
          {"short code with a U", join("7K3M-9QX2-H4TB-R2PC-KV8U", {"127.0.0.1:1"}),
           Code::INVALID_ARGUMENT, "'U' is not in a short invite code"},
          {"short code with a character mistyped", join(short_typo, {"127.0.0.1:1"}),
           Code::INVALID_ARGUMENT, "this short invite code is damaged"},
          {"short code without an address", join(own.short_code()), Code::INVALID_ARGUMENT,
           "needs the inviter's address beside it"},
          {"short code with an address that is not host:port",
           join(own.short_code(), {"unix:/tmp/x"}), Code::INVALID_ARGUMENT,
           "'unix:/tmp/x' is not host:port"},
          {"this device's own short code", join(own.short_code(), {"127.0.0.1:1"}),
           Code::INVALID_ARGUMENT, "this device's own invite"},
          {"device id of letters outside base32", safety("device#1"), Code::INVALID_ARGUMENT,
           "device id: only letters A-Z"},
          {"device id with a typo", safety(typo), Code::INVALID_ARGUMENT, "does not match (typo?)"},
          {"device id that is not a member", safety(device_id), Code::NOT_FOUND, "not a member"},
          {"no device id and no other member", safety(""), Code::FAILED_PRECONDITION, "pair first"},
      });
  ASSERT_OK(d_.Lock());
  ExpectAllRefused(
      d_, {
              {"invite while locked", invite(0), Code::FAILED_PRECONDITION, "attune unlock"},
              {"join while locked", join(own.code()), Code::FAILED_PRECONDITION, "attune unlock"},
          });
  ASSERT_OK(d_.Unlock(kPassphrase));
  v1::Invite again;
  EXPECT_OK(space->CreateInvite(Ctx().get(), v1::CreateInviteRequest(), &again));
}

TEST_F(BadInputTest, InvitesNeedAPeerListenAddress) {
  StartAndInit({"--peer-listen", ""});
  ExpectAllRefused(d_, {{"invite without --peer-listen",
                         [this] {
                           v1::Invite out;
                           return v1::SpaceService::NewStub(d_.channel())
                               ->CreateInvite(Ctx().get(), v1::CreateInviteRequest(), &out);
                         },
                         Code::FAILED_PRECONDITION, "start attuned with --peer-listen"}});
  ExpectAGoodWrite();
}

// ---------------------------------------------------------------------------
// ExerciseService and PluginService
// ---------------------------------------------------------------------------

TEST_F(BadInputTest, TheCliRefusesBadUsageAndWritesNothing) {
  StartAndInit();
  WriteOneOfEach();
  const std::string before = Snapshot(d_);
  struct CliCase {
    std::vector<std::string> args;
    int exit_code;
    std::string says;
  } cases[] = {
      {{"frobnicate"}, 2, "unknown command 'frobnicate'; the commands are: init, unlock"},
      {{"jornal", "list"}, 2, "unknown command 'jornal'; did you mean journal?"},
      {{"journal", "lst"}, 2, "unknown command 'lst'; did you mean list"},
      {{"journal", "list", "--no-such-flag"}, 2, "--no-such-flag"},
      {{"checkin", "--feeling", "grateful:3"}, 2, "unknown option '--feeling' for attune checkin"},
      {{"checkin", "--high", "h", "--low", "l", "--rating", "9"}, 2, "rating"},
      {{"checkin", "--high", "h", "--low", "l", "--rating", "3", "--day", "someday"}, 2, "someday"},
      // WriteOneOfEach checked in for yesterday; there is no terminal to ask.
      {{"checkin", "--high", "h", "--low", "l", "--rating", "3", "--day", AddDays(UtcToday(), -1)},
       1,
       "you have checked in for " + AddDays(UtcToday(), -1) +
           " already, and there is no terminal to ask whether to replace it: nothing was stored "
           "(pass --replace to replace it)"},
      {{"journal", "show", "not-an-id"}, 2, "not-an-id"},
      {{"goal", "add", "Walk", "--times", "0", "--per", "week", "--for", "4"}, 2, "times"},
      {{"pair", "join", "attune-invite-broken"}, 2, "code"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.args));
    CliResult r = RunCli(d_, c.args);
    EXPECT_EQ(r.exit_code, c.exit_code) << r.out;
    EXPECT_THAT(r.out, HasSubstr(c.says));
    EXPECT_EQ(Snapshot(d_), before);
  }
  // A passphrase file that is not there (the vault locked, so it is read).
  ASSERT_OK(d_.Lock());
  const std::string locked = Snapshot(d_);
  CliResult missing = RunCli(d_, {"unlock", "--passphrase-file", "/nonexistent/attune-pass"});
  EXPECT_EQ(missing.exit_code, 1) << missing.out;  // NOT_FOUND: failed, not bad usage
  EXPECT_THAT(missing.out, HasSubstr("/nonexistent/attune-pass"));
  EXPECT_EQ(Snapshot(d_), locked);
  ASSERT_OK(d_.Unlock(kPassphrase));
  // No daemon behind the socket: exit code 3.
  DaemonHarness nobody;
  CliResult r = RunCli(nobody, {"status"});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  ExpectAGoodWrite();
}

// A passphrase file others could read (or point elsewhere) is refused before
// its content goes anywhere: the vault stays locked, and the message names
// the file and the fix.
TEST_F(BadInputTest, ThePassphraseFileMustBeReadableByItsOwnerOnly) {
  StartAndInit();
  ASSERT_OK(d_.Lock());
  const std::string locked = Snapshot(d_);
  const std::string file = d_.root() + "/pass";
  std::ofstream(file) << kPassphrase << "\n";
  for (mode_t mode : {0644, 0640, 0604}) {
    SCOPED_TRACE(mode);
    ASSERT_EQ(::chmod(file.c_str(), mode), 0);
    CliResult r = RunCli(d_, {"unlock", "--passphrase-file", file});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_THAT(r.out, HasSubstr("can be read by other users"));
    EXPECT_THAT(r.out, HasSubstr("chmod 600 " + file));
    EXPECT_EQ(Snapshot(d_), locked);
  }
  // A symbolic link another user owns, to a private file: refused too.
  ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
  const std::string link = d_.root() + "/pass-link";
  ASSERT_EQ(::symlink(file.c_str(), link.c_str()), 0);
  if (::geteuid() == 0) {
    ASSERT_EQ(::lchown(link.c_str(), 65534, 65534), 0);
    CliResult r = RunCli(d_, {"unlock", "--passphrase-file", link});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_THAT(r.out, HasSubstr("symbolic link owned by another user"));
    EXPECT_EQ(Snapshot(d_), locked);
    // A file another user owns (who wrote the passphrase, so knows it).
    ASSERT_EQ(::chown(file.c_str(), 65534, 65534), 0);
    r = RunCli(d_, {"unlock", "--passphrase-file", file});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_THAT(r.out, HasSubstr("belongs to another user"));
    EXPECT_EQ(Snapshot(d_), locked);
    ASSERT_EQ(::chown(file.c_str(), 0, 0), 0);
    ASSERT_EQ(::lchown(link.c_str(), 0, 0), 0);
  }
  // Mode 0600 (or a link of one's own to it) unlocks.
  CliResult r = RunCli(d_, {"unlock", "--passphrase-file", link});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  ExpectAGoodWrite();
}

TEST_F(BadInputTest, AttunedRefusesBadFlagsAndPlacesAndTheRunningOneCarriesOn) {
  StartAndInit();
  WriteOneOfEach();
  const std::string before = Snapshot(d_);
  const std::string file = d_.root() + "/a-file";
  std::ofstream(file) << "not a folder\n";
  const std::string other = d_.root() + "/other";
  struct FlagCase {
    std::string what;
    std::vector<std::string> args;
    std::string says;
  } cases[] = {
      {"an unknown flag", {"--no-such-flag"}, "--no-such-flag"},
      {"a negative idle timeout", {"--plugin-idle-timeout", "-1"}, "plugin-idle-timeout"},
      {"a call timeout that is a word", {"--plugin-call-timeout", "soon"}, "plugin-call-timeout"},
      {"a data folder that is a file",
       {"--data-dir", file, "--socket", other + ".sock"},
       "cannot create folder " + file},
      {"a socket that is a regular file",
       {"--data-dir", other + "-data", "--socket", file},
       "exists and is not a socket"},
      {"a socket another daemon serves",
       {"--data-dir", other + "-data3", "--socket", d_.socket_path()},
       "another process is serving"},
      {"an advertised address that is not host:port",
       {"--data-dir", other + "-data4", "--socket", other + "4.sock", "--peer-advertise",
        "nowhere"},
       "is not host:port"},
      {"a socket path too long for a Unix socket",
       {"--data-dir", other + "-data2", "--socket", d_.root() + "/" + std::string(120, 's')},
       "cannot listen on"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    ProcessResult r = d_.RunToExit(c.args);
    EXPECT_FALSE(r.timed_out) << "it kept running";
    EXPECT_NE(r.exit_status, 0) << r.output;
    EXPECT_THAT(r.output, HasSubstr(c.says));
    EXPECT_EQ(Snapshot(d_), before);
  }
  ExpectAGoodWrite();
}

// attuned reads no configuration file; from its environment it takes
// XDG_DATA_HOME, XDG_RUNTIME_DIR and HOME for its default places, and TZ.
TEST_F(BadInputTest, BadEnvironmentValuesAreRefusedOrFallBack) {
  StartAndInit();
  const std::string file = d_.root() + "/not-a-folder";
  std::ofstream(file) << "x\n";
  struct SavedEnv {
    std::map<std::string, std::optional<std::string>> saved;
    void Set(const std::string& name, const std::string& value) {
      const char* old = std::getenv(name.c_str());
      if (!saved.count(name)) saved[name] = old ? std::optional<std::string>(old) : std::nullopt;
      ::setenv(name.c_str(), value.c_str(), 1);
    }
    ~SavedEnv() {
      for (const auto& [name, value] : saved) {
        if (value) {
          ::setenv(name.c_str(), value->c_str(), 1);
        } else {
          ::unsetenv(name.c_str());
        }
      }
    }
  };
  {
    SavedEnv env;
    // The default data folder under a file: refused at start, with the path.
    env.Set("XDG_DATA_HOME", file);
    env.Set("XDG_RUNTIME_DIR", d_.root() + "/runtime");
    ProcessResult r = d_.RunToExit({});
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_status, 1) << r.output;
    EXPECT_THAT(r.output, HasSubstr("cannot create folder " + file + "/attune"));
  }
  // An unknown TZ is not an error: the daemon's zone falls back to the
  // machine's (/etc/localtime), then UTC, and says which it used.
  DaemonHarness tz;
  {
    SavedEnv env;
    env.Set("TZ", "Nowhere/Imaginary");
    ASSERT_TRUE(tz.Start());
  }
  ASSERT_OK(tz.InitVault(kPassphrase));
  v1::CreateCheckInRequest c;
  c.mutable_check_in()->set_high("h");
  c.mutable_check_in()->set_low("l");
  c.mutable_check_in()->set_connection_rating(3);
  v1::CheckIn out;
  ASSERT_OK(tz.checkins().CreateCheckIn(Ctx().get(), c, &out));
  EXPECT_NE(out.time_zone(), "Nowhere/Imaginary");
  EXPECT_FALSE(out.time_zone().empty());
  ExpectAGoodWrite();
}

// A plugin executable started by hand (without the daemon's handshake
// environment) says what it is and exits, serving nothing.
TEST(PluginEnvironmentTest, APluginStartedByHandSaysSoAndExits) {
  std::string command = std::string("env -i '") + ATTUNE_TEST_PLUGIN_PATH + "' 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buffer[512];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  int status = ::pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status << "\n" << out;
  EXPECT_THAT(out, HasSubstr("not meant to be run by hand"));
}

}  // namespace
}  // namespace attune::testing
