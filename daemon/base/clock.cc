#include "daemon/base/clock.h"

#include "common/environment.h"

namespace attune {

SystemClock::SystemClock() {
  if (!absl::LoadTimeZone(MachineZoneName(), &zone_)) zone_ = absl::UTCTimeZone();
}

}  // namespace attune
