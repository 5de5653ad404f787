#include "daemon/api/reminder_scheduler.h"

#include <pthread.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <set>

#include "absl/strings/str_cat.h"
#include "daemon/api/checkin_service.h"
#include "daemon/base/hex.h"
#include "daemon/base/log.h"
#include "daemon/records/kinds.h"
#include "daemon/records/record_ops.h"
#include "daemon/records/reminder_times.h"
#include "daemon/store/merge.h"
#include "daemon/vault/view_crypto.h"
#include "google/protobuf/util/time_util.h"

namespace attune {
namespace {

constexpr char kFiredEntry[] = "fired";

// The events that change what is due: a reminder's, or the vault's.
bool Concerns(const v1::Event& e) {
  return e.has_vault_changed() ||
         (e.has_record_changed() &&
          e.record_changed().kind() == RecordKindOf(Kind::kReminder).field);
}
}  // namespace

ReminderScheduler::ReminderScheduler(ServiceContext ctx, Db* db)
    : ctx_(ctx), fired_table_(db, LocalTable::kReminders) {}

ReminderScheduler::~ReminderScheduler() { Stop(); }

std::optional<absl::Time> ReminderScheduler::NextDue(const v1::Reminder& reminder) const {
  auto schedule = ScheduleOf(reminder);
  if (!schedule.ok()) return std::nullopt;
  return NextDueAfter(*schedule, ctx_.clock->Now());
}

absl::StatusOr<ReminderScheduler::Ran> ReminderScheduler::RunDue() {
  absl::MutexLock lock(&run_mu_);
  Ran ran;
  // Stopping: the hub takes no more events, so nothing is marked handled
  // that could not be told (it fires at the next start instead).
  if (ctx_.events != nullptr && ctx_.events->closed()) return ran;
  auto keys_or = ctx_.vault->Keys();
  if (!keys_or.ok()) return ran;  // locked: nothing can be read, nothing is due
  const KeySet& keys = **keys_or;
  const absl::Time now = ctx_.clock->Now();
  const std::string me = ToHex(keys.member_id);
  const std::string fired_ad = absl::StrCat(std::string(CfName(Cf::kMeta)), "/reminders");

  // What was handled before, sealed with the data key.
  v1::RemindersFired fired;
  auto sealed = fired_table_.Get(kFiredEntry);
  if (!sealed.ok()) return sealed.status();
  if (sealed->has_value()) {
    auto plain = OpenValue(keys.data_key, fired_ad, kFiredEntry, **sealed);
    if (!plain.ok() || !fired.ParseFromString(*plain)) {
      LogWarning("the record of fired reminders does not open; starting it again");
      fired.Clear();
    }
  }

  v1::RemindersFired kept;
  absl::Status inner;
  auto s = ctx_.store->ForEach(
      keys, Kind::kReminder, [&](std::string_view id, const v1::RecordState& state) {
        if (!IsLive(state)) return true;
        const v1::Reminder& r = state.record().reminder();
        // Only its author's daemon acts on a reminder.
        if (r.author() != me || r.visibility() != v1::VISIBILITY_PRIVATE) return true;
        auto schedule = ScheduleOf(r);
        if (!schedule.ok()) return true;
        const std::string hex = ToHex(id);
        absl::Time handled = FromProto(r.create_time());
        if (auto it = fired.due_seconds().find(hex); it != fired.due_seconds().end()) {
          handled = std::max(handled, absl::FromUnixSeconds(it->second));
        }
        auto last = LastDueAtOrBefore(*schedule, now);
        if (last.has_value() && *last > handled) {
          bool skip = false;
          if (r.kind() == v1::REMINDER_KIND_CHECK_IN) {
            auto done = HasCheckIn(ctx_, keys, absl::FormatCivilTime(DueDay(*schedule, *last)));
            if (!done.ok()) {
              inner = done.status();
              return false;
            }
            skip = *done;
          } else if (r.kind() == v1::REMINDER_KIND_GOAL) {
            auto goal_id = ParseName("goal", r.goal(), kGoals);
            auto goal = goal_id.ok() ? ctx_.store->Get(keys, Kind::kGoal, *goal_id)
                                     : absl::StatusOr<std::optional<v1::RecordState>>(std::nullopt);
            skip = !goal.ok() || !goal->has_value() || !IsLive(**goal) ||
                   (*goal)->record().goal().archived();
          }
          if (!skip) {
            v1::ReminderDue due;
            due.set_name(MakeName(kReminders, id));
            due.set_kind(r.kind());
            *due.mutable_due_time() = ToProto(*last);
            due.set_late(now - *last > kReminderLateAfter);
            due.set_goal(r.goal());
            ran.fired.push_back(std::move(due));
          }
          handled = *last;
        }
        (*kept.mutable_due_seconds())[hex] = absl::ToUnixSeconds(handled);
        auto next = NextDueAfter(*schedule, now);
        if (next.has_value() && (!ran.next.has_value() || *next < *ran.next)) ran.next = next;
        return true;
      });
  if (!s.ok()) return s;
  if (!inner.ok()) return inner;

  // Kept before the events go out: a crash between the two loses a
  // reminder's one firing rather than repeating it forever.
  if (kept.SerializeAsString() != fired.SerializeAsString()) {
    std::string bytes;
    kept.SerializeToString(&bytes);
    if (auto w =
            fired_table_.Put(kFiredEntry, SealValue(keys.data_key, fired_ad, kFiredEntry, bytes));
        !w.ok()) {
      return w;
    }
  }
  if (ctx_.events != nullptr) {
    for (const v1::ReminderDue& due : ran.fired) {
      v1::Event event;
      *event.mutable_reminder_due() = due;
      ctx_.events->Emit(std::move(event));
    }
  }
  return ran;
}

void ReminderScheduler::Start() {
  int fd = ::timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) {
    LogError("reminders: cannot create a timer; no reminder will fire");
    return;
  }
  timer_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, fd);
  if (ctx_.events != nullptr) {
    cursor_ = ctx_.events->LastDelivered();
    // Called on the thread that delivers; the look runs on the io thread.
    hub_token_ = ctx_.events->Subscribe(
        [this] {
          boost::asio::post(io_, [this] {
            bool again = false;
            // Fallen behind what the hub keeps: look anyway.
            again |=
                !ctx_.events->Drain(&cursor_, [&](const v1::Event& e) { again |= Concerns(e); });
            if (again) Look();
          });
        },
        &Concerns);
  }
  started_ = true;
  boost::asio::post(io_, [this] { Look(); });
  WaitTimer();
  thread_ = std::thread([this] { io_.run(); });
  pthread_setname_np(thread_.native_handle(), "attuned-remind");
}

void ReminderScheduler::Wake() {
  if (started_) boost::asio::post(io_, [this] { Look(); });
}

void ReminderScheduler::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (hub_token_ != 0 && ctx_.events != nullptr) ctx_.events->Unsubscribe(hub_token_);
  io_.stop();
  if (thread_.joinable()) thread_.join();
  timer_.reset();
}

void ReminderScheduler::Look() {
  auto ran = RunDue();
  if (!ran.ok()) {
    LogWarning(absl::StrCat("reminders: ", ran.status().ToString()));
    Arm(ctx_.clock->Now() + absl::Minutes(1));  // try again, not in a loop
    return;
  }
  // The clock the timer runs on (the kernel's) may be a little ahead of the
  // daemon's clock (absl::Now estimates from the CPU's counter, and lags for
  // a moment after a resume or a clock set): a due time the daemon does not
  // see yet is tried again shortly, never in a spin.
  std::optional<absl::Time> next = ran->next;
  timespec kernel{};
  if (next.has_value() && ::clock_gettime(CLOCK_REALTIME, &kernel) == 0) {
    const absl::Time kernel_now = absl::TimeFromTimespec(kernel);
    if (*next <= kernel_now) next = kernel_now + absl::Milliseconds(100);
  }
  Arm(next);
}

void ReminderScheduler::Arm(std::optional<absl::Time> at) {
  if (timer_ == nullptr) return;
  itimerspec spec{};
  if (at.has_value()) {
    const absl::Time when = std::max(*at, absl::UnixEpoch() + absl::Seconds(1));
    spec.it_value = absl::ToTimespec(when);
  }
  // Absolute, and cancelled (ECANCELED on read) when the clock is set: a
  // jump of the wall clock wakes the loop, which looks again.
  // ECANCELED: the clock was set since the last read; the timer is armed
  // all the same (and the loop looks again when it reads).
  if (::timerfd_settime(timer_->native_handle(), TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &spec,
                        nullptr) != 0 &&
      errno != ECANCELED) {
    LogError(absl::StrCat("reminders: cannot set the timer (errno ", errno, ")"));
  }
}

void ReminderScheduler::WaitTimer() {
  timer_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [this](const boost::system::error_code& ec) {
                       if (ec) return;  // stopping
                       uint64_t expirations = 0;
                       // ECANCELED: the clock was set. Either way, look again.
                       (void)::read(timer_->native_handle(), &expirations, sizeof expirations);
                       Look();
                       WaitTimer();
                     });
}

}  // namespace attune
