#include "daemon/sync/lan_announcement.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"
#include "attune/v1/sync.pb.h"

namespace attune {
namespace {

constexpr std::string_view kDomain = "attune-lan-v1";

std::string SignedBytes(std::string_view body) { return std::string(kDomain).append(body); }

}  // namespace

std::string MakeAnnouncement(const std::string& device, const SecretBytes& secret,
                             const std::string& address, uint16_t port, uint64_t sent_at_ms) {
  v1::LanAnnouncementBody body;
  body.set_device(device);
  body.set_address(address);
  body.set_port(port);
  body.set_sent_at_ms(sent_at_ms);
  v1::LanAnnouncement announcement;
  body.SerializeToString(announcement.mutable_body());
  std::string msg = SignedBytes(announcement.body());
  std::string* sig = announcement.mutable_signature();
  sig->resize(crypto_sign_BYTES);
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig->data()), nullptr,
                       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                       secret.data());
  return announcement.SerializeAsString();
}

AnnouncementChecker::Result AnnouncementChecker::Check(std::string_view datagram,
                                                       const std::string& source_ip,
                                                       absl::Time now) {
  Result r;
  auto invalid = [&r](std::string why) {
    r.verdict = Verdict::kInvalid;
    r.why = std::move(why);
    return r;
  };
  if (datagram.size() > kMaxAnnouncementBytes) return invalid("larger than an announcement");
  v1::LanAnnouncement announcement;
  v1::LanAnnouncementBody body;
  if (!announcement.ParseFromArray(datagram.data(), static_cast<int>(datagram.size())) ||
      !body.ParseFromString(announcement.body())) {
    return invalid("not an announcement");
  }
  if (body.device().size() != crypto_sign_PUBLICKEYBYTES ||
      announcement.signature().size() != crypto_sign_BYTES) {
    return invalid("malformed device id or signature");
  }
  // Cheap checks first: a stranger's announcement costs no signature check.
  if (body.device() == self_) {
    r.verdict = Verdict::kOwn;
    return r;
  }
  if (!is_member_(body.device())) {
    r.verdict = Verdict::kStranger;
    return r;
  }
  if (body.address() != source_ip) {
    return invalid(absl::StrCat("sent from ", source_ip, ", signed for another address"));
  }
  if (body.port() == 0 || body.port() > 65535) return invalid("no port");
  const int64_t now_ms = absl::ToUnixMillis(now);
  const int64_t sent = static_cast<int64_t>(body.sent_at_ms());
  const int64_t allowance = absl::ToInt64Milliseconds(kLanClockAllowance);
  if (body.sent_at_ms() > static_cast<uint64_t>(INT64_MAX) || sent < now_ms - allowance ||
      sent > now_ms + allowance) {
    return invalid("its time is more than 10 minutes from this device's clock");
  }
  auto last = last_taken_ms_.find(body.device());
  if (last != last_taken_ms_.end() && body.sent_at_ms() <= last->second) {
    return invalid("replayed (not newer than the last one taken from that device)");
  }
  const int64_t second = now_ms / 1000;
  if (second != budget_second_) {
    budget_second_ = second;
    verifies_in_second_ = 0;
  }
  if (++verifies_in_second_ > kLanVerifiesPerSecond) {
    return invalid("too many announcements this second");
  }
  std::string msg = SignedBytes(announcement.body());
  if (crypto_sign_verify_detached(
          reinterpret_cast<const unsigned char*>(announcement.signature().data()),
          reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
          reinterpret_cast<const unsigned char*>(body.device().data())) != 0) {
    return invalid("bad signature");
  }
  last_taken_ms_[body.device()] = body.sent_at_ms();
  r.verdict = Verdict::kTaken;
  r.device = body.device();
  r.address = absl::StrCat(body.address(), ":", body.port());
  return r;
}

}  // namespace attune
