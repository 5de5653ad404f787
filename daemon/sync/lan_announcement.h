// LAN announcements (sync.proto, LanAnnouncement): the signed datagram a
// daemon multicasts so devices of its space on the same network can dial it,
// and the checks every receiver makes before it believes one.
#ifndef ATTUNE_DAEMON_SYNC_LAN_ANNOUNCEMENT_H_
#define ATTUNE_DAEMON_SYNC_LAN_ANNOUNCEMENT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "daemon/vault/secret.h"

namespace attune {

// Where announcements go: an administratively scoped IPv4 group (never
// routed off the site), sent with a TTL of 1 (never past the first router).
inline constexpr char kLanGroup[] = "239.255.27.44";
inline constexpr uint16_t kLanPort = 27442;
inline constexpr size_t kMaxAnnouncementBytes = 512;
// How far an announcement's time may be from the receiver's clock.
inline constexpr absl::Duration kLanClockAllowance = absl::Minutes(10);
// Signature checks per second a receiver spends on announcements naming one
// member device, and on all of them; past either, the rest of that second's
// are dropped unchecked (a flood costs a bounded share of one core, and a
// flood naming one device does not keep the others from being found).
inline constexpr int kLanVerifiesPerDevicePerSecond = 4;
inline constexpr int kLanVerifiesPerSecond = 128;

// The serialized LanAnnouncement of `device` (raw 32-byte key, its secret
// key `secret`) listening at `address`:`port`, sent at `sent_at_ms`.
std::string MakeAnnouncement(const std::string& device, const SecretBytes& secret,
                             const std::string& address, uint16_t port, uint64_t sent_at_ms);

// Checks the announcements one receiver hears. Not thread-safe: one
// receiving thread owns it.
class AnnouncementChecker {
 public:
  enum class Verdict {
    kTaken,     // a member device, where it listens now
    kOwn,       // this device's own, looped back
    kCopy,      // the one last taken, again (heard on a second interface)
    kStranger,  // a device that is not a member of this space
    kInvalid,   // malformed, forged, from another source, stale or replayed
  };
  struct Result {
    Verdict verdict = Verdict::kInvalid;
    std::string device;   // raw device key (kTaken)
    std::string address;  // "ip:port" to dial (kTaken)
    std::string why;      // what failed (kInvalid)
  };

  // `self`: this device's raw key; `is_member`: whether a raw device key is
  // a member of this space.
  AnnouncementChecker(std::string self, std::function<bool(const std::string&)> is_member)
      : self_(std::move(self)), is_member_(std::move(is_member)) {}

  // `datagram` as received from `source_ip` (dotted IPv4) at `now`.
  Result Check(std::string_view datagram, const std::string& source_ip, absl::Time now);

 private:
  const std::string self_;
  const std::function<bool(const std::string&)> is_member_;
  // Per member device, the send time of the last announcement taken (at
  // most one entry per member).
  std::map<std::string, uint64_t> last_taken_ms_;
  // Signature checks in the current second, in all and per device.
  int64_t budget_second_ = 0;
  int verifies_in_second_ = 0;
  std::map<std::string, int> device_verifies_in_second_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_LAN_ANNOUNCEMENT_H_
