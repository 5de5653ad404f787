// Reveal together on two real daemons, paired with the CLI: a partner's
// check-in for a day is there but sealed until one's own for that day is
// written; the partner's store holds nothing of its words before (read with
// every key the partner's vault has); a check-in whose author's device is
// offline opens when that device is next online; either partner can turn
// reveal together off, and then what was sealed opens.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "api_helpers.h"
#include "attune/v1/api.pb.h"
#include "daemon_harness.h"
#include "disk_reader.h"
#include "sync_support.h"

namespace attune::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPassphrase[] = "correct horse battery";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

grpc::Status CheckIn(DaemonHarness& d, const std::string& day, const std::string& high,
                     v1::Visibility visibility = v1::VISIBILITY_SHARED) {
  v1::CreateCheckInRequest request;
  request.mutable_check_in()->set_day(day);
  request.mutable_check_in()->set_time_zone("UTC");
  request.mutable_check_in()->set_high(high);
  request.mutable_check_in()->set_low(absl::StrCat(high, ", the low"));
  request.mutable_check_in()->add_emotions()->set_label("hopeful");
  request.mutable_check_in()->set_connection_rating(4);
  request.mutable_check_in()->set_visibility(visibility);
  request.set_replace(true);
  v1::CheckIn out;
  return d.checkins().CreateCheckIn(DaemonHarness::Context().get(), request, &out);
}

// The check-in `author_name` wrote for `day`, as `d` shows it; an empty one
// (no name) when `d` holds none.
v1::CheckIn CheckInOf(DaemonHarness& d, const std::string& author, const std::string& day) {
  for (const v1::CheckIn& c : ListAllCheckIns(d, day, day)) {
    if (c.author() == author) return c;
  }
  return v1::CheckIn();
}

std::string MemberIdOf(DaemonHarness& d) {
  v1::VaultStatus status;
  EXPECT_OK(d.vault().GetStatus(DaemonHarness::Context().get(), {}, &status));
  return status.member_id();
}

v1::SpaceSettings SettingsOf(DaemonHarness& d) {
  v1::SpaceSettings settings;
  EXPECT_OK(v1::SpaceService::NewStub(d.channel())
                ->GetSpaceSettings(DaemonHarness::Context().get(), {}, &settings));
  return settings;
}

class RevealTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(StartPeer(alex_, "Alex", {}, /*reveal_together=*/true));
    ASSERT_TRUE(StartPeer(sam_, "Sam", {}, /*reveal_together=*/true));
    CliResult joined = PairWithCli(alex_, sam_);
    ASSERT_EQ(joined.exit_code, 0) << joined.out;
    alex_id_ = MemberIdOf(alex_);
    sam_id_ = MemberIdOf(sam_);
  }

  DaemonHarness alex_, sam_;
  std::string alex_id_, sam_id_;
};

TEST_F(RevealTest, APartnersCheckInOpensOnlyOnceYoursForThatDayIsWritten) {
  const std::string today = UtcToday();
  EXPECT_TRUE(SettingsOf(alex_).reveal_together());
  ASSERT_OK(CheckIn(sam_, today, "SEALED-CANARY walked to the lake"));
  // Alex's device holds it, and says so, without its words.
  ASSERT_TRUE(Await([&] { return !CheckInOf(alex_, sam_id_, today).name().empty(); }));
  v1::CheckIn waiting = CheckInOf(alex_, sam_id_, today);
  EXPECT_EQ(waiting.reveal(), v1::REVEAL_WAITING_FOR_YOURS);
  EXPECT_EQ(waiting.high(), "");
  EXPECT_EQ(waiting.low(), "");
  EXPECT_EQ(waiting.emotions_size(), 0);
  EXPECT_EQ(waiting.connection_rating(), 0);
  EXPECT_EQ(waiting.day(), today);
  CliResult shown = RunCli(alex_, {"checkin", "show", today});
  EXPECT_EQ(shown.exit_code, 0) << shown.out;
  EXPECT_THAT(shown.out, HasSubstr("Sam checked in; write yours for this day to see it"));
  EXPECT_THAT(shown.out, Not(HasSubstr("SEALED-CANARY")));
  // Nor do search, insights or an export show them.
  CliResult searched = RunCli(alex_, {"search", "lake"});
  EXPECT_THAT(searched.out, Not(HasSubstr("SEALED-CANARY")));
  const std::string exported = alex_.data_dir() + ".export.json";
  CliResult exported_run = RunCli(alex_, {"export", "--format", "json", "-o", exported});
  EXPECT_EQ(exported_run.exit_code, 0) << exported_run.out;
  EXPECT_EQ(ReadFile(exported).find("SEALED-CANARY"), std::string::npos);

  // What Alex's own keys open on Alex's disk: not a word of it.
  ASSERT_EQ(alex_.Stop(), 0);
  const OnDisk disk = ReadDisk(alex_.data_dir(), kPassphrase);
  EXPECT_GT(disk.opened, 0);
  const std::string& readable = disk.text;
  EXPECT_THAT(readable, HasSubstr("sealed_content"));
  EXPECT_THAT(readable, Not(HasSubstr("check_in_key")));  // no key of Sam's released yet
  EXPECT_EQ(readable.find("SEALED-CANARY"), std::string::npos);
  EXPECT_EQ(readable.find("walked to the lake"), std::string::npos);
  ASSERT_TRUE(alex_.Restart({"--peer-listen", "127.0.0.1:0"}));
  ASSERT_OK(alex_.Unlock(kPassphrase));

  // Alex checks in: each opens to the other.
  ASSERT_OK(CheckIn(alex_, today, "Alex cooked for friends"));
  ASSERT_TRUE(Await([&] { return CheckInOf(alex_, sam_id_, today).reveal() == v1::REVEAL_OPEN; }));
  v1::CheckIn open = CheckInOf(alex_, sam_id_, today);
  EXPECT_EQ(open.high(), "SEALED-CANARY walked to the lake");
  EXPECT_EQ(open.connection_rating(), 4);
  ASSERT_EQ(open.emotions_size(), 1);
  ASSERT_TRUE(Await([&] { return CheckInOf(sam_, alex_id_, today).reveal() == v1::REVEAL_OPEN; }));
  EXPECT_EQ(CheckInOf(sam_, alex_id_, today).high(), "Alex cooked for friends");
  // Search finds the opened words now.
  ASSERT_TRUE(Await([&] {
    return RunCli(alex_, {"search", "lake"}).out.find("SEALED-CANARY") != std::string::npos;
  }));
  // A later change to an opened check-in opens too (its new version's key
  // is released at once), the whole of it or one field.
  ASSERT_OK(CheckIn(sam_, today, "SEALED-CANARY walked to the lake, and swam"));
  ASSERT_TRUE(Await([&] {
    return CheckInOf(alex_, sam_id_, today).high() == "SEALED-CANARY walked to the lake, and swam";
  }));
  v1::UpdateCheckInRequest update;
  *update.mutable_check_in() = CheckInOf(sam_, sam_id_, today);
  update.mutable_check_in()->set_note("a note added later");
  update.mutable_update_mask()->add_paths("note");
  v1::CheckIn updated;
  ASSERT_OK(sam_.checkins().UpdateCheckIn(DaemonHarness::Context().get(), update, &updated));
  EXPECT_EQ(updated.high(), "SEALED-CANARY walked to the lake, and swam");
  EXPECT_EQ(updated.note(), "a note added later");
  ASSERT_TRUE(
      Await([&] { return CheckInOf(alex_, sam_id_, today).note() == "a note added later"; }));
  EXPECT_EQ(CheckInOf(alex_, sam_id_, today).high(), "SEALED-CANARY walked to the lake, and swam");
  EXPECT_EQ(CheckInOf(alex_, sam_id_, today).reveal(), v1::REVEAL_OPEN);
}

// Sam shares a check-in, then takes it back (private): Alex's device no
// longer counts it, so Alex's check-in for that day stays sealed for Sam.
TEST_F(RevealTest, APartnersCheckInTakenBackOpensNothing) {
  const std::string day = AddDays(UtcToday(), -5);
  ASSERT_OK(CheckIn(sam_, day, "Sam, shared for a moment"));
  ASSERT_TRUE(Await([&] { return !CheckInOf(alex_, sam_id_, day).name().empty(); }));
  v1::UpdateCheckInRequest update;
  *update.mutable_check_in() = CheckInOf(sam_, sam_id_, day);
  update.mutable_check_in()->set_visibility(v1::VISIBILITY_PRIVATE);
  update.mutable_update_mask()->add_paths("visibility");
  v1::CheckIn updated;
  ASSERT_OK(sam_.checkins().UpdateCheckIn(DaemonHarness::Context().get(), update, &updated));
  EXPECT_EQ(updated.high(), "Sam, shared for a moment");
  ASSERT_TRUE(Await([&] { return CheckInOf(alex_, sam_id_, day).name().empty(); }));
  ASSERT_OK(CheckIn(alex_, day, "Alex, after Sam took it back"));
  // A day both share, written after it: once its key reaches Sam, Alex's
  // device has looked at the earlier day too (in the same look or before,
  // and a look releases days in order).
  const std::string next = AddDays(UtcToday(), -4);  // after `day`: its key comes later
  ASSERT_OK(CheckIn(sam_, next, "Sam, another day"));
  ASSERT_TRUE(Await([&] { return !CheckInOf(alex_, sam_id_, next).name().empty(); }));
  ASSERT_OK(CheckIn(alex_, next, "Alex, another day"));
  ASSERT_TRUE(Await([&] { return CheckInOf(sam_, alex_id_, next).reveal() == v1::REVEAL_OPEN; }));
  const v1::CheckIn held = CheckInOf(sam_, alex_id_, day);
  EXPECT_EQ(held.reveal(), v1::REVEAL_YOURS_IS_PRIVATE);
  EXPECT_EQ(held.high(), "");
}

TEST_F(RevealTest, APrivateCheckInOpensNothingAndSaysSo) {
  const std::string day = AddDays(UtcToday(), -1);
  ASSERT_OK(CheckIn(sam_, day, "Sam's shared day"));
  ASSERT_OK(CheckIn(alex_, day, "Alex keeps this one", v1::VISIBILITY_PRIVATE));
  ASSERT_TRUE(Await(
      [&] { return CheckInOf(alex_, sam_id_, day).reveal() == v1::REVEAL_YOURS_IS_PRIVATE; }));
  CliResult shown = RunCli(alex_, {"checkin", "show", day});
  EXPECT_THAT(shown.out, HasSubstr("yours for this day is private"));
  // Sharing it opens both.
  ASSERT_OK(CheckIn(alex_, day, "Alex shares it after all"));
  ASSERT_TRUE(Await([&] { return CheckInOf(alex_, sam_id_, day).reveal() == v1::REVEAL_OPEN; }));
  ASSERT_TRUE(
      Await([&] { return CheckInOf(sam_, alex_id_, day).high() == "Alex shares it after all"; }));
}

TEST_F(RevealTest, ACheckInOfAnOfflineAuthorOpensWhenTheirDeviceIsNextOnline) {
  const std::string day = AddDays(UtcToday(), -2);
  ASSERT_OK(CheckIn(sam_, day, "Sam wrote, then went offline"));
  ASSERT_TRUE(Await([&] { return !CheckInOf(alex_, sam_id_, day).name().empty(); }));
  ASSERT_EQ(sam_.Stop(), 0);
  // Alex checks in while Sam's only device is off: Sam's stays sealed, and
  // Alex is told why.
  ASSERT_OK(CheckIn(alex_, day, "Alex, while Sam was away"));
  ASSERT_TRUE(Await(
      [&] { return CheckInOf(alex_, sam_id_, day).reveal() == v1::REVEAL_WAITING_FOR_AUTHOR; }));
  EXPECT_EQ(CheckInOf(alex_, sam_id_, day).high(), "");
  CliResult shown = RunCli(alex_, {"checkin", "show", day});
  EXPECT_THAT(shown.out, HasSubstr("it opens when one of Sam's devices has seen yours"));
  // Sam's device comes back: it sees Alex's check-in and releases its key.
  ASSERT_TRUE(sam_.Restart({"--peer-listen", "127.0.0.1:0"}));
  ASSERT_OK(sam_.Unlock(kPassphrase));
  ASSERT_TRUE(
      Await([&] { return CheckInOf(alex_, sam_id_, day).high() == "Sam wrote, then went offline"; },
            std::chrono::seconds(60)));
  ASSERT_TRUE(
      Await([&] { return CheckInOf(sam_, alex_id_, day).high() == "Alex, while Sam was away"; }));
}

TEST_F(RevealTest, EitherPartnerCanTurnItOffAndWhatWasSealedOpens) {
  const std::string day = AddDays(UtcToday(), -3);
  ASSERT_OK(CheckIn(alex_, day, "Alex, sealed for now"));
  ASSERT_TRUE(Await(
      [&] { return CheckInOf(sam_, alex_id_, day).reveal() == v1::REVEAL_WAITING_FOR_YOURS; }));
  CliResult off = RunCli(sam_, {"reveal-together", "off"});
  ASSERT_EQ(off.exit_code, 0) << off.out;
  EXPECT_THAT(off.out, HasSubstr("Reveal together is off (turned off by Sam)"));
  // Alex's device learns it, and opens what it sealed.
  ASSERT_TRUE(Await([&] { return !SettingsOf(alex_).reveal_together(); }));
  EXPECT_THAT(SettingsOf(alex_).reveal_together_off_by(), ::testing::ElementsAre("Sam"));
  ASSERT_TRUE(
      Await([&] { return CheckInOf(sam_, alex_id_, day).high() == "Alex, sealed for now"; }));
  // New check-ins are not sealed while it is off.
  const std::string next = AddDays(UtcToday(), -4);
  ASSERT_OK(CheckIn(alex_, next, "Alex, open at once"));
  ASSERT_TRUE(
      Await([&] { return CheckInOf(sam_, alex_id_, next).high() == "Alex, open at once"; }));
  EXPECT_EQ(CheckInOf(sam_, alex_id_, next).reveal(), v1::REVEAL_UNSPECIFIED);
  // Only Sam can take Sam's turning-off back.
  CliResult alex_on = RunCli(alex_, {"--json", "reveal-together", "on"});
  ASSERT_EQ(alex_on.exit_code, 0) << alex_on.out;
  EXPECT_FALSE(SettingsOf(alex_).reveal_together());
  ASSERT_EQ(RunCli(sam_, {"reveal-together", "on"}).exit_code, 0);
  ASSERT_TRUE(Await([&] { return SettingsOf(alex_).reveal_together(); }));
}

}  // namespace
}  // namespace attune::testing
