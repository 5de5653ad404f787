// Reminders as a person uses them: attune remind add|list|remove on a real
// daemon, a reminder firing on the wall clock as a ReminderDue event, and a
// reminder staying on its person's device.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "api_helpers.h"
#include "daemon_harness.h"
#include "sync_support.h"

namespace attune::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ReminderIT, AddListAndRemoveWithTheCliAndBadInputIsNamed) {
  DaemonHarness alex;
  ASSERT_TRUE(StartPeer(alex, "Alex"));
  CliResult added =
      RunCli(alex, {"remind", "add", "checkin", "--at", "21:00", "--zone", "Europe/Lisbon"});
  ASSERT_EQ(added.exit_code, 0) << added.out;
  EXPECT_THAT(added.out, HasSubstr("the daily check-in, every day at 21:00 (Europe/Lisbon)"));
  CliResult custom = RunCli(alex, {"remind", "add", "custom", "Plan Saturday together", "--at",
                                   "9:30", "--on", "sat,sun", "--zone", "UTC"});
  ASSERT_EQ(custom.exit_code, 0) << custom.out;
  EXPECT_THAT(custom.out, HasSubstr("Plan Saturday together, sat,sun at 09:30 (UTC)"));

  CliResult list = RunCli(alex, {"remind", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.out;
  EXPECT_THAT(list.out, HasSubstr("09:30  sat,sun"));
  EXPECT_THAT(list.out, HasSubstr("21:00  every day"));

  for (const auto& [args, field] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"remind", "add", "checkin", "--at", "25:00"}, "reminder.time_of_day"},
           {{"remind", "add", "checkin", "--at", "21:00", "--zone", "Mars/Base"},
            "reminder.time_zone"},
           {{"remind", "add", "checkin", "--at", "21:00", "--on", "someday"}, "--on"},
           {{"remind", "add", "goal", "abcdef12", "--at", "21:00"}, "goal"}}) {
    CliResult bad = RunCli(alex, args);
    EXPECT_NE(bad.exit_code, 0) << bad.out;
    EXPECT_THAT(bad.out, HasSubstr(field)) << ::testing::PrintToString(args);
  }
  // The API refuses a shared reminder: it is its person's alone.
  auto reminders = v1::ReminderService::NewStub(alex.channel());
  v1::CreateReminderRequest shared;
  shared.mutable_reminder()->set_kind(v1::REMINDER_KIND_CHECK_IN);
  shared.mutable_reminder()->set_time_of_day("21:00");
  shared.mutable_reminder()->set_visibility(v1::VISIBILITY_SHARED);
  v1::Reminder made;
  auto ctx = DaemonHarness::Context();
  grpc::Status s = reminders->CreateReminder(ctx.get(), shared, &made);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("reminder.visibility"));

  const std::string id = list.out.substr(list.out.find('\n') + 1, 8);
  CliResult removed = RunCli(alex, {"remind", "remove", id});
  ASSERT_EQ(removed.exit_code, 0) << removed.out;
  CliResult after = RunCli(alex, {"--json", "remind", "list"});
  EXPECT_EQ(std::count(after.out.begin(), after.out.end(), '{') >= 2, true) << after.out;
  EXPECT_THAT(after.out, Not(HasSubstr(id)));
}

TEST(ReminderIT, AReminderFiresOnTheWallClockAndStaysOnItsPersonsDevice) {
  DaemonHarness alex, sam;
  ASSERT_TRUE(StartPeer(alex, "Alex"));
  ASSERT_TRUE(StartPeer(sam, "Sam"));
  ASSERT_EQ(PairWithCli(alex, sam).exit_code, 0);

  // Watch Alex's events from before the reminder exists.
  auto events = v1::EventService::NewStub(alex.channel());
  grpc::ClientContext watch;
  watch.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(3));
  v1::WatchRequest request;
  auto reader = events->Watch(&watch, request);
  v1::Event first;
  ASSERT_TRUE(reader->Read(&first));  // Live

  // Due at the start of a minute at least 20 s away (time enough to write
  // it on a loaded machine), in UTC.
  absl::Time due =
      absl::UnixEpoch() +
      absl::Ceil(absl::Now() + absl::Seconds(20) - absl::UnixEpoch(), absl::Minutes(1));
  const std::string at = absl::FormatTime("%H:%M", due, absl::UTCTimeZone());
  CliResult added =
      RunCli(alex, {"remind", "add", "custom", "Call Sam", "--at", at, "--zone", "UTC"});
  ASSERT_EQ(added.exit_code, 0) << added.out;

  v1::Event event;
  bool fired = false;
  while (reader->Read(&event)) {
    if (!event.has_reminder_due()) continue;
    fired = true;
    break;
  }
  ASSERT_TRUE(fired) << "no ReminderDue by " << absl::FormatTime(due);
  EXPECT_EQ(event.reminder_due().kind(), v1::REMINDER_KIND_CUSTOM);
  EXPECT_EQ(event.reminder_due().due_time().seconds(), absl::ToUnixSeconds(due));
  EXPECT_FALSE(event.reminder_due().late());
  EXPECT_GE(absl::FromUnixSeconds(event.time().seconds()) + absl::Seconds(1), due);
  watch.TryCancel();

  // `attune watch` names the words; Sam's device never holds the reminder.
  v1::GetReminderRequest get;
  get.set_name(event.reminder_due().name());
  v1::Reminder reminder;
  auto ctx = DaemonHarness::Context();
  ASSERT_OK(v1::ReminderService::NewStub(alex.channel())->GetReminder(ctx.get(), get, &reminder));
  EXPECT_EQ(reminder.text(), "Call Sam");
  // A shared entry written after the reminder reaches Sam: whatever Alex's
  // device sends by then has arrived, and Sam's device holds no reminder
  // (an export lists every record Sam's device can read).
  v1::CreateJournalEntryRequest marker;
  marker.mutable_journal_entry()->set_body("written after the reminder");
  marker.mutable_journal_entry()->set_visibility(v1::VISIBILITY_SHARED);
  v1::JournalEntry written;
  auto marker_ctx = DaemonHarness::Context();
  ASSERT_OK(alex.journal().CreateJournalEntry(marker_ctx.get(), marker, &written));
  ASSERT_TRUE(Await([&] { return ListAllJournalEntries(sam).size() == 1; }));
  CliResult exported = RunCli(sam, {"export", "--format", "json"});
  ASSERT_EQ(exported.exit_code, 0) << exported.out;
  EXPECT_THAT(exported.out, HasSubstr("written after the reminder"));
  EXPECT_THAT(exported.out, Not(HasSubstr("\"reminder\"")));
  EXPECT_THAT(exported.out, Not(HasSubstr("Call Sam")));
}

}  // namespace
}  // namespace attune::testing
