#include "daemon/store/hlc.h"

#include <algorithm>

namespace attune {

uint64_t HybridClock::Now() {
  uint64_t wall = static_cast<uint64_t>(absl::ToUnixMillis(clock_->Now())) << 16;
  absl::MutexLock lock(&mu_);
  last_ = std::max(last_ + 1, wall);
  return last_;
}

void HybridClock::Observe(uint64_t reading) {
  absl::MutexLock lock(&mu_);
  last_ = std::max(last_, reading);
}

}  // namespace attune
