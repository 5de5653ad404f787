#include "common/environment.h"

#include <gtest/gtest.h>

namespace attune {
namespace {

TEST(ZoneNameFrom, PrefersTzThenLocaltimeThenUtc) {
  EXPECT_EQ(ZoneNameFrom("Europe/Lisbon", "/usr/share/zoneinfo/Asia/Tokyo"), "Europe/Lisbon");
  EXPECT_EQ(ZoneNameFrom(":America/New_York", ""), "America/New_York");
  EXPECT_EQ(ZoneNameFrom("", "/usr/share/zoneinfo/Asia/Tokyo"), "Asia/Tokyo");
  EXPECT_EQ(ZoneNameFrom(nullptr, "../usr/share/zoneinfo/Etc/UTC"), "Etc/UTC");
  EXPECT_EQ(ZoneNameFrom(nullptr, ""), "UTC");
  EXPECT_EQ(ZoneNameFrom(nullptr, "/var/lib/localtime"), "UTC");
}

// A $TZ this machine does not know is skipped by the daemon and the CLI
// alike, so both count days in the same zone.
TEST(ZoneNameFrom, SkipsZonesThisMachineCannotLoad) {
  EXPECT_EQ(ZoneNameFrom("Mars/Olympus_Mons", "/usr/share/zoneinfo/Asia/Tokyo"), "Asia/Tokyo");
  EXPECT_EQ(ZoneNameFrom("Mars/Olympus_Mons", "/usr/share/zoneinfo/Nowhere/City"), "UTC");
}

TEST(SocketPathFrom, EnvThenXdgThenTmp) {
  EXPECT_EQ(SocketPathFrom("/x/y.sock", "/run/user/1000", 1000), "/x/y.sock");
  EXPECT_EQ(SocketPathFrom("", "/run/user/1000", 1000), "/run/user/1000/attune/attuned.sock");
  EXPECT_EQ(SocketPathFrom(nullptr, nullptr, 1000), "/tmp/attune-1000/attuned.sock");
  EXPECT_EQ(SocketPathFrom(nullptr, "", 7), "/tmp/attune-7/attuned.sock");
}

}  // namespace
}  // namespace attune
