// A hybrid logical clock: wall milliseconds in the high 48 bits, a counter in
// the low 16. Readings from one clock strictly increase even if the wall
// clock steps back, and stay close to wall time.
#ifndef ATTUNE_DAEMON_STORE_HLC_H_
#define ATTUNE_DAEMON_STORE_HLC_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "daemon/base/clock.h"

namespace attune {

class HybridClock {
 public:
  // `clock` must outlive this object.
  explicit HybridClock(const Clock* clock) : clock_(clock) {}

  // A reading greater than every earlier reading and every observed one.
  uint64_t Now();
  // Moves the clock past a reading seen from elsewhere (an op, the log).
  void Observe(uint64_t reading);

  static uint64_t WallMillis(uint64_t reading) { return reading >> 16; }

 private:
  const Clock* const clock_;
  absl::Mutex mu_;
  uint64_t last_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_STORE_HLC_H_
