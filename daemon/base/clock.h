// daemon/base/ is what every daemon layer may use: the clock, hex and
// base32, the log, the home and private folders.
//
// Time as the daemon sees it, injectable so tests can control it.
#ifndef ATTUNE_DAEMON_BASE_CLOCK_H_
#define ATTUNE_DAEMON_BASE_CLOCK_H_

#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace attune {

// A source of wall-clock time. Implementations must be thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  // The time zone the daemon falls back to when a client names none.
  virtual absl::TimeZone LocalZone() const = 0;
};

// The real clock and the machine's local zone.
class SystemClock : public Clock {
 public:
  SystemClock();
  absl::Time Now() const override { return absl::Now(); }
  absl::TimeZone LocalZone() const override { return zone_; }

 private:
  absl::TimeZone zone_;
};

// A clock that only moves when told to. Thread-safe: a test may move it
// while the code under test reads it from other threads.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time now, absl::TimeZone zone = absl::UTCTimeZone())
      : now_(now), zone_(zone) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  absl::TimeZone LocalZone() const override { return zone_; }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  const absl::TimeZone zone_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_BASE_CLOCK_H_
