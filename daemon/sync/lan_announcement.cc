#include "daemon/sync/lan_announcement.h"

#include <arpa/inet.h>
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
  in_addr parsed{};
  if (body.address().size() > 15 || body.address().find('\0') != std::string::npos ||
      inet_pton(AF_INET, body.address().c_str(), &parsed) != 1) {
    return invalid("its address is no IPv4 address");
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
  // One taken "from the future" (before this clock was set right) would
  // shut the device out: forget it.
  if (last != last_taken_ms_.end() && static_cast<int64_t>(last->second) > now_ms + allowance) {
    last_taken_ms_.erase(last);
    last = last_taken_ms_.end();
  }
  if (last != last_taken_ms_.end() && body.sent_at_ms() == last->second) {
    r.verdict = Verdict::kCopy;  // not checked again: a forged copy is no better than a true one
    return r;
  }
  if (last != last_taken_ms_.end() && body.sent_at_ms() < last->second) {
    return invalid("replayed (older than the last one taken from that device)");
  }
  const int64_t second = now_ms / 1000;
  if (second != budget_second_) {
    budget_second_ = second;
    verifies_in_second_ = 0;
    device_verifies_in_second_.clear();
  }
  if (verifies_in_second_ >= kLanVerifiesPerSecond ||
      device_verifies_in_second_[body.device()] >= kLanVerifiesPerDevicePerSecond) {
    return invalid("too many announcements this second");
  }
  ++verifies_in_second_;
  ++device_verifies_in_second_[body.device()];
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
