#include "daemon/api/reminder_scheduler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "daemon/api/checkin_service.h"
#include "daemon/base/clock.h"
#include "daemon/records/authorship.h"
#include "daemon/records/kinds.h"
#include "daemon/records/record_checks.h"
#include "daemon/records/record_ops.h"
#include "daemon/records/reminder_times.h"
#include "daemon/store/db.h"
#include "daemon/store/event_hub.h"
#include "daemon/store/record_store.h"
#include "daemon/vault/vault.h"
#include "tests/support/temp_store.h"
#include "tests/support/test_keys.h"

namespace attune {
namespace {

using ::attune::testing::MemoryVaultPersistence;
using ::attune::testing::TempDir;

absl::Time At(const char* zone_name, int y, int mo, int d, int h, int mi) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(zone_name, &zone));
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), zone);
}

// Reminders on an injected clock: a real store, vault and event hub in a
// temporary folder; RunDue called as the timer would call it.
class ReminderSchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = ::attune::testing::OpenTestDb(dir_.path() + "/db");
    store_ = std::make_unique<RecordStore>(db_.get(), &clock_);
    auto keys = vault_.Init("correct horse", "Sam", MinimumKdf());
    ASSERT_TRUE(keys.ok()) << keys.status();
    keys_ = *keys;
    ASSERT_TRUE(store_->OnUnlock(*keys_).ok());
    auto hub = EventHub::Open(db_.get(), &clock_, {});
    ASSERT_TRUE(hub.ok());
    hub_ = std::move(*hub);
    ctx_ = ServiceContext{&vault_, store_.get(), &clock_, nullptr, nullptr, hub_.get(), nullptr};
    scheduler_ = std::make_unique<ReminderScheduler>(ctx_, db_.get());
  }

  std::string Add(v1::ReminderKind kind, const std::string& time, const std::string& zone,
                  std::vector<int> weekdays = {}) {
    v1::Reminder r;
    r.set_kind(kind);
    r.set_time_of_day(time);
    r.set_time_zone(zone);
    if (kind == v1::REMINDER_KIND_CUSTOM) r.set_text("call mum");
    for (int d : weekdays) r.add_weekdays(d);
    EXPECT_TRUE(CheckReminder(&r).ok());
    const std::string id = NewRecordIdOf(keys_->member_id);
    auto state = CreateRecord(ctx_, *keys_, Kind::kReminder, id, &r, Mutation::Require::kAbsent);
    EXPECT_TRUE(state.ok()) << state.status();
    return MakeName(kReminders, id);
  }

  ReminderScheduler::Ran Run() {
    auto ran = scheduler_->RunDue();
    EXPECT_TRUE(ran.ok()) << ran.status();
    return ran.ok() ? *ran : ReminderScheduler::Ran{};
  }

  TempDir dir_;
  FakeClock clock_{At("UTC", 2026, 12, 1, 10, 0)};
  std::unique_ptr<Db> db_;
  std::unique_ptr<RecordStore> store_;
  MemoryVaultPersistence persistence_;
  Vault vault_{&persistence_};
  std::shared_ptr<const KeySet> keys_;
  std::unique_ptr<EventHub> hub_;
  ServiceContext ctx_;
  std::unique_ptr<ReminderScheduler> scheduler_;
};

TEST_F(ReminderSchedulerTest, FiresOnceAtItsTimeAndSaysWhenTheNextIsDue) {
  const std::string name = Add(v1::REMINDER_KIND_CUSTOM, "21:00", "UTC");
  const uint64_t before = hub_->LastDelivered();
  clock_.Set(At("UTC", 2026, 12, 1, 20, 59));
  auto ran = Run();
  EXPECT_TRUE(ran.fired.empty());
  ASSERT_TRUE(ran.next.has_value());
  EXPECT_EQ(*ran.next, At("UTC", 2026, 12, 1, 21, 0));

  clock_.Set(At("UTC", 2026, 12, 1, 21, 0));
  ran = Run();
  ASSERT_EQ(ran.fired.size(), 1u);
  EXPECT_EQ(ran.fired[0].name(), name);
  EXPECT_FALSE(ran.fired[0].late());
  EXPECT_EQ(ran.fired[0].due_time().seconds(), absl::ToUnixSeconds(At("UTC", 2026, 12, 1, 21, 0)));
  EXPECT_EQ(*ran.next, At("UTC", 2026, 12, 2, 21, 0));
  // The event reached the hub.
  std::vector<v1::Event> events;
  ASSERT_TRUE(hub_->ReadAfter(before, 100, &events));
  ASSERT_FALSE(events.empty());
  EXPECT_TRUE(events.back().has_reminder_due());

  clock_.Advance(absl::Seconds(30));
  EXPECT_TRUE(Run().fired.empty()) << "one due time fires once";
}

TEST_F(ReminderSchedulerTest, ARestartNeitherRepeatsNorLosesADueTime) {
  Add(v1::REMINDER_KIND_CUSTOM, "21:00", "UTC");
  clock_.Set(At("UTC", 2026, 12, 1, 21, 0));
  ASSERT_EQ(Run().fired.size(), 1u);
  // A new scheduler on the same store: what was handled is remembered.
  scheduler_ = std::make_unique<ReminderScheduler>(ctx_, db_.get());
  clock_.Set(At("UTC", 2026, 12, 1, 21, 5));
  EXPECT_TRUE(Run().fired.empty());
  clock_.Set(At("UTC", 2026, 12, 2, 21, 0));
  EXPECT_EQ(Run().fired.size(), 1u);
}

TEST_F(ReminderSchedulerTest, DueTimesMissedWhileDownFireOnceMarkedLate) {
  Add(v1::REMINDER_KIND_CUSTOM, "21:00", "UTC");
  // Down (or locked) from day 1 10:00 to day 4 12:00: three due times
  // passed; one event, for the latest.
  clock_.Set(At("UTC", 2026, 12, 4, 12, 0));
  auto ran = Run();
  ASSERT_EQ(ran.fired.size(), 1u);
  EXPECT_TRUE(ran.fired[0].late());
  EXPECT_EQ(ran.fired[0].due_time().seconds(), absl::ToUnixSeconds(At("UTC", 2026, 12, 3, 21, 0)));
  EXPECT_TRUE(Run().fired.empty());
}

TEST_F(ReminderSchedulerTest, NothingFiresForATimeBeforeTheReminderWasMade) {
  clock_.Set(At("UTC", 2026, 12, 1, 22, 0));
  Add(v1::REMINDER_KIND_CUSTOM, "21:00", "UTC");
  auto ran = Run();
  EXPECT_TRUE(ran.fired.empty());
  EXPECT_EQ(*ran.next, At("UTC", 2026, 12, 2, 21, 0));
}

TEST_F(ReminderSchedulerTest, AWallClockJumpNeitherRepeatsNorFloods) {
  Add(v1::REMINDER_KIND_CUSTOM, "21:00", "UTC");
  clock_.Set(At("UTC", 2026, 12, 1, 21, 0));
  ASSERT_EQ(Run().fired.size(), 1u);
  // Back an hour: 21:00 comes again on the clock, but was handled.
  clock_.Set(At("UTC", 2026, 12, 1, 20, 0));
  auto back = Run();
  EXPECT_TRUE(back.fired.empty());
  clock_.Set(At("UTC", 2026, 12, 1, 21, 0));
  EXPECT_TRUE(Run().fired.empty());
  // Forward ten days: one late event.
  clock_.Set(At("UTC", 2026, 12, 11, 23, 0));
  auto ahead = Run();
  ASSERT_EQ(ahead.fired.size(), 1u);
  EXPECT_TRUE(ahead.fired[0].late());
}

TEST_F(ReminderSchedulerTest, TheCheckInReminderIsSkippedOnADayAlreadyCheckedIn) {
  Add(v1::REMINDER_KIND_CHECK_IN, "21:00", "UTC");
  v1::CheckIn c;
  c.set_day("2026-12-01");
  c.set_time_zone("UTC");
  c.set_high("a walk");
  c.set_low("a short night");
  c.set_connection_rating(4);
  ASSERT_TRUE(WriteCheckIn(ctx_, *keys_, c, false).ok());
  clock_.Set(At("UTC", 2026, 12, 1, 21, 0));
  auto ran = Run();
  EXPECT_TRUE(ran.fired.empty());
  EXPECT_EQ(*ran.next, At("UTC", 2026, 12, 2, 21, 0));
  clock_.Set(At("UTC", 2026, 12, 2, 21, 0));
  EXPECT_EQ(Run().fired.size(), 1u) << "the next day has no check-in";
}

TEST_F(ReminderSchedulerTest, DaylightSavingChangesFollowTheReminderZone) {
  // Berlin springs forward on 2026-03-29 at 02:00 (to 03:00): 02:30 does
  // not exist that night and falls due at the change.
  clock_.Set(At("UTC", 2026, 3, 28, 12, 0));
  Add(v1::REMINDER_KIND_CUSTOM, "02:30", "Europe/Berlin");
  auto ran = Run();
  ASSERT_TRUE(ran.next.has_value());
  EXPECT_EQ(*ran.next, At("UTC", 2026, 3, 29, 1, 0));
  clock_.Set(*ran.next);
  ran = Run();
  EXPECT_EQ(ran.fired.size(), 1u);
  EXPECT_EQ(*ran.next, At("Europe/Berlin", 2026, 3, 30, 2, 30));
  EXPECT_EQ(*ran.next, At("UTC", 2026, 3, 30, 0, 30)) << "summer time: UTC+2";

  // It falls back on 2026-10-25 at 03:00 (to 02:00): 02:30 comes twice and
  // fires once, at the first.
  clock_.Set(At("UTC", 2026, 10, 24, 12, 0));
  Run();  // the missed due times: one late event
  ran = Run();
  ASSERT_TRUE(ran.next.has_value());
  EXPECT_EQ(*ran.next, At("UTC", 2026, 10, 25, 0, 30));
  clock_.Set(At("UTC", 2026, 10, 25, 0, 30));
  EXPECT_EQ(Run().fired.size(), 1u);
  clock_.Set(At("UTC", 2026, 10, 25, 1, 30));  // 02:30 on the clock again
  ran = Run();
  EXPECT_TRUE(ran.fired.empty());
  EXPECT_EQ(*ran.next, At("UTC", 2026, 10, 26, 1, 30)) << "winter time: UTC+1";
}

TEST_F(ReminderSchedulerTest, OnlyTheChosenWeekdaysAndNothingWhileLocked) {
  // Sundays only; 2026-12-06 is a Sunday.
  Add(v1::REMINDER_KIND_CUSTOM, "19:00", "UTC", {7});
  auto ran = Run();
  EXPECT_EQ(*ran.next, At("UTC", 2026, 12, 6, 19, 0));
  vault_.Lock();
  clock_.Set(At("UTC", 2026, 12, 6, 19, 0));
  ran = Run();
  EXPECT_TRUE(ran.fired.empty());
  EXPECT_FALSE(ran.next.has_value()) << "locked: nothing can be read";
  ASSERT_TRUE(vault_.Unlock("correct horse").ok());
  clock_.Set(At("UTC", 2026, 12, 6, 19, 10));
  ran = Run();
  ASSERT_EQ(ran.fired.size(), 1u);
  EXPECT_TRUE(ran.fired[0].late());
  EXPECT_EQ(*ran.next, At("UTC", 2026, 12, 13, 19, 0));
}

TEST(ReminderChecksTest, BadRemindersAreRefusedNamingTheField) {
  auto refused = [](v1::Reminder r) { return std::string(CheckReminder(&r).message()); };
  v1::Reminder ok;
  ok.set_kind(v1::REMINDER_KIND_CHECK_IN);
  ok.set_time_of_day("21:00");
  ok.set_time_zone("Europe/Lisbon");
  EXPECT_TRUE(CheckReminder(&ok).ok());
  EXPECT_EQ(ok.visibility(), v1::VISIBILITY_PRIVATE);
  v1::Reminder r = ok;
  r.set_kind(v1::REMINDER_KIND_UNSPECIFIED);
  EXPECT_THAT(refused(r), ::testing::HasSubstr("reminder.kind"));
  r = ok;
  r.set_time_of_day("9pm");
  EXPECT_THAT(refused(r), ::testing::HasSubstr("reminder.time_of_day"));
  r = ok;
  r.set_time_of_day("24:00");
  EXPECT_THAT(refused(r), ::testing::HasSubstr("reminder.time_of_day"));
  r = ok;
  r.set_time_zone("Mars/Olympus");
  EXPECT_THAT(refused(r), ::testing::HasSubstr("reminder.time_zone"));
  r = ok;
  r.add_weekdays(3);
  r.add_weekdays(3);
  EXPECT_THAT(refused(r), ::testing::HasSubstr("reminder.weekdays"));
  r = ok;
  r.set_visibility(v1::VISIBILITY_SHARED);
  EXPECT_THAT(refused(r), ::testing::HasSubstr("reminder.visibility"));
  r = ok;
  r.set_kind(v1::REMINDER_KIND_CUSTOM);
  EXPECT_THAT(refused(r), ::testing::HasSubstr("reminder.text"));
  r = ok;
  r.set_kind(v1::REMINDER_KIND_GOAL);
  EXPECT_THAT(refused(r), ::testing::HasSubstr("reminder.goal"));
}

}  // namespace
}  // namespace attune
