// The reminder scheduler: sends ReminderDue events (api.proto,
// ReminderService) when this person's reminders fall due.
//
// It sleeps until the next due time on a timer of the wall clock (a Linux
// timerfd on CLOCK_REALTIME, absolute, that also wakes when the clock is
// set, so a clock jump is noticed without a tick) driven by a Boost.Asio
// loop on its own thread, and wakes early for what changes the schedule:
// a reminder written or deleted (here or by sync), the vault unlocked or
// locked (the event hub tells it). Reminders are sealed records, so it
// works only while the vault is unlocked; what fell due meanwhile fires at
// the unlock, once per reminder (its latest due time), marked late.
//
// Which due times were handled is kept per device in meta, sealed with the
// data key (v1::RemindersFired), so a restart neither repeats nor loses
// one. Thread-safe.
#ifndef ATTUNE_DAEMON_API_REMINDER_SCHEDULER_H_
#define ATTUNE_DAEMON_API_REMINDER_SCHEDULER_H_

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "attune/v1/api.pb.h"
#include "daemon/records/resource.h"
#include "daemon/store/meta.h"

namespace attune {

// A due time handled this much after it fell due is "late" (the daemon was
// stopped or the vault locked), not a timer that woke a little late.
inline constexpr absl::Duration kReminderLateAfter = absl::Minutes(2);

class ReminderScheduler {
 public:
  // `ctx` (vault, store, clock, events) and `db` outlive the scheduler.
  ReminderScheduler(ServiceContext ctx, Db* db);
  ~ReminderScheduler();  // Stop()

  // Fires what is due at the clock's now: each reminder whose latest due
  // time at or before now was not handled yet (and came after the
  // reminder was made) sends one ReminderDue, unless it is a check-in
  // reminder for a day the person has checked in or a goal reminder whose
  // goal is gone; then records it handled. Returns the events sent and the
  // next due time of any reminder (nullopt: none, or the vault is locked).
  // The timer thread calls it; tests call it with a FakeClock.
  struct Ran {
    std::vector<v1::ReminderDue> fired;
    std::optional<absl::Time> next;
  };
  absl::StatusOr<Ran> RunDue() ABSL_LOCKS_EXCLUDED(run_mu_);

  // When each of the person's reminders falls due next (for ListReminders).
  std::optional<absl::Time> NextDue(const v1::Reminder& reminder) const;

  // Starts the timer thread (after the event hub is open). Call once.
  void Start();
  // Looks again now (a reminder was written here).
  void Wake();
  // Stops the thread. Idempotent.
  void Stop();

 private:
  void Arm(std::optional<absl::Time> at);
  void WaitTimer();
  void Look();

  ServiceContext ctx_;
  LocalSettings fired_table_;
  absl::Mutex run_mu_;  // one RunDue at a time

  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> timer_;  // the timerfd
  std::thread thread_;
  uint64_t hub_token_ = 0;
  uint64_t cursor_ = 0;               // io thread only: the last event looked at
  std::atomic<bool> started_{false};  // Wake may run on any thread
  bool stopped_ = false;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_API_REMINDER_SCHEDULER_H_
