#include "daemon/base/clock.h"

#include <cstdlib>
#include <filesystem>

namespace attune {

std::string MachineZoneName() {
  absl::TimeZone zone;
  const char* tz = std::getenv("TZ");
  if (tz != nullptr && *tz != '\0') {
    std::string name = *tz == ':' ? tz + 1 : tz;
    if (absl::LoadTimeZone(name, &zone)) return name;
  }
  std::error_code ec;
  std::string target = std::filesystem::read_symlink("/etc/localtime", ec).string();
  auto pos = target.find("zoneinfo/");
  if (!ec && pos != std::string::npos) {
    std::string name = target.substr(pos + 9);
    if (absl::LoadTimeZone(name, &zone)) return name;
  }
  return "UTC";
}

SystemClock::SystemClock() {
  if (!absl::LoadTimeZone(MachineZoneName(), &zone_)) zone_ = absl::UTCTimeZone();
}

}  // namespace attune
