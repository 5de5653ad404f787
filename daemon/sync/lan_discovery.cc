#include "daemon/sync/lan_discovery.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemon/base/log.h"

namespace attune {
namespace {

SecretBytes CopySecret(const SecretBytes& from) {
  SecretBytes out(from.size());
  std::memcpy(out.data(), from.data(), from.size());
  return out;
}

bool IsWildcard(const std::string& host) {
  return host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::";
}

std::string Errno(int e) { return std::strerror(e); }

}  // namespace

LanDiscovery::LanDiscovery(
    LanDiscoveryOptions options, const KeySet& keys, const Clock* clock,
    std::function<bool(const std::string&)> is_member,
    std::function<void(const std::string& device, const std::string& address)> on_heard)
    : options_(std::move(options)),
      device_(keys.device_public_key),
      secret_(CopySecret(keys.device_secret_key)),
      clock_(clock),
      on_heard_(std::move(on_heard)),
      checker_(keys.device_public_key, std::move(is_member)) {}

LanDiscovery::~LanDiscovery() { Stop(); }

absl::Status LanDiscovery::Start() {
  auto fail = [this](std::string why) {
    if (socket_ >= 0) ::close(socket_);
    socket_ = -1;
    absl::MutexLock lock(&mu_);
    status_.set_on(false);
    status_.set_note(why);
    return absl::UnavailableError(why);
  };
  socket_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (socket_ < 0) return fail(absl::StrCat("no UDP socket: ", Errno(errno)));
  int one = 1, zero = 0;
  unsigned char ttl = 1, loop = 1;
  // Several daemons on one machine (two people's accounts, or tests) share
  // the port; each gets every announcement.
  ::setsockopt(socket_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // Only the group this socket joins, not every group the machine joined.
  ::setsockopt(socket_, IPPROTO_IP, IP_MULTICAST_ALL, &zero, sizeof zero);
  ::setsockopt(socket_, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl);
  ::setsockopt(socket_, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop);
  // Bound to the group, not to every address: a datagram sent to this
  // machine's own address (from beyond the LAN, say) never reaches it.
  sockaddr_in bind_to{};
  bind_to.sin_family = AF_INET;
  bind_to.sin_port = htons(kLanPort);
  ::inet_pton(AF_INET, kLanGroup, &bind_to.sin_addr);
  if (::bind(socket_, reinterpret_cast<sockaddr*>(&bind_to), sizeof bind_to) != 0) {
    return fail(absl::StrCat("cannot use UDP port ", kLanPort, ": ", Errno(errno)));
  }
  if (::pipe2(stop_pipe_, O_CLOEXEC) != 0) return fail("no pipe");
  {
    absl::MutexLock lock(&mu_);
    status_.set_on(true);
  }
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void LanDiscovery::Stop() {
  if (thread_.joinable()) {
    char b = 0;
    (void)!::write(stop_pipe_[1], &b, 1);
    thread_.join();
  }
  for (int* fd : {&socket_, &stop_pipe_[0], &stop_pipe_[1]}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
  absl::MutexLock lock(&mu_);
  status_.set_on(false);
}

v1::LanDiscovery LanDiscovery::Status() const {
  absl::MutexLock lock(&mu_);
  return status_;
}

std::vector<LanDiscovery::Interface> LanDiscovery::Interfaces() const {
  std::vector<Interface> out;
  in_addr wanted{};
  const bool wildcard = IsWildcard(options_.listen_host);
  if (!wildcard && ::inet_pton(AF_INET, options_.listen_host.c_str(), &wanted) != 1) return out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    if ((a->ifa_flags & IFF_UP) == 0) continue;
    const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    if (wildcard) {
      if ((a->ifa_flags & IFF_LOOPBACK) != 0 || (a->ifa_flags & IFF_MULTICAST) == 0) continue;
    } else if (in->sin_addr.s_addr != wanted.s_addr) {
      continue;
    }
    char text[INET_ADDRSTRLEN];
    if (::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) == nullptr) continue;
    out.push_back({a->ifa_name, text});
  }
  ::freeifaddrs(list);
  return out;
}

void LanDiscovery::Run() {
  // Rounds go by the steady clock: a wall clock stepped back must not
  // silence this device for as long.
  using Steady = std::chrono::steady_clock;
  const auto interval = absl::ToChronoMilliseconds(options_.interval);
  const auto answer_gap = absl::ToChronoMilliseconds(options_.answer_gap);
  Steady::time_point next = Steady::time_point::min(), last_round = Steady::time_point::min();
  while (true) {
    const Steady::time_point now = Steady::now();
    if (answer_due_) {
      next =
          last_round == Steady::time_point::min() ? now : std::min(next, last_round + answer_gap);
      answer_due_ = false;
    }
    if (now >= next) {
      Announce();
      last_round = now;
      next = now + interval;
    }
    pollfd fds[2] = {{socket_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - Steady::now());
    const int wait_ms = static_cast<int>(std::clamp<int64_t>(wait.count(), 0, 1000));
    if (::poll(fds, 2, wait_ms) < 0 && errno != EINTR) {
      const std::string why = Errno(errno);
      absl::MutexLock lock(&mu_);
      status_.set_on(false);
      status_.set_note(absl::StrCat("stopped: ", why));
      return;
    }
    if ((fds[1].revents & POLLIN) != 0) return;
    if ((fds[0].revents & POLLIN) != 0) Receive();
  }
}

void LanDiscovery::Announce() {
  const std::vector<Interface> interfaces = Interfaces();
  std::vector<std::string> shown, problems;
  sockaddr_in group{};
  group.sin_family = AF_INET;
  group.sin_port = htons(kLanPort);
  ::inet_pton(AF_INET, kLanGroup, &group.sin_addr);
  uint64_t sent = 0;
  for (const Interface& i : interfaces) {
    in_addr local{};
    ::inet_pton(AF_INET, i.address.c_str(), &local);
    // Joined again each round: an interface that went away and came back
    // (a VPN, a USB adapter) has forgotten the group; one that kept it
    // answers EADDRINUSE.
    ip_mreq join{};
    join.imr_multiaddr = group.sin_addr;
    join.imr_interface = local;
    if (::setsockopt(socket_, IPPROTO_IP, IP_ADD_MEMBERSHIP, &join, sizeof join) != 0 &&
        errno != EADDRINUSE) {
      problems.push_back(absl::StrCat("cannot listen on ", i.name, ": ", Errno(errno)));
      continue;
    }
    shown.push_back(absl::StrCat(i.name, " ", i.address));
    if (options_.listen_port == 0) continue;
    // Rising even when the clock steps back a little, so receivers take
    // each one; a step back of more than a minute starts again from now
    // (receivers forget a time from their future).
    const auto now_ms = static_cast<uint64_t>(absl::ToUnixMillis(clock_->Now()));
    last_sent_ms_ = last_sent_ms_ > now_ms + 60'000 ? now_ms : std::max(now_ms, last_sent_ms_ + 1);
    std::string datagram =
        MakeAnnouncement(device_, secret_, i.address, options_.listen_port, last_sent_ms_);
    if (::setsockopt(socket_, IPPROTO_IP, IP_MULTICAST_IF, &local, sizeof local) != 0 ||
        ::sendto(socket_, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&group),
                 sizeof group) < 0) {
      problems.push_back(absl::StrCat("cannot announce on ", i.name, ": ", Errno(errno)));
      continue;
    }
    ++sent;
  }
  if (interfaces.empty()) {
    problems.push_back(
        IsWildcard(options_.listen_host)
            ? "no network interface that does multicast is up"
            : absl::StrCat("no IPv4 interface has the listen address ", options_.listen_host));
  }
  absl::MutexLock lock(&mu_);
  status_.clear_interfaces();
  for (auto& s : shown) status_.add_interfaces(s);
  status_.set_sent(status_.sent() + sent);
  status_.set_note(absl::StrJoin(problems, "; "));
}

void LanDiscovery::Receive() {
  // Drain what is queued; a bounded number per wake so Stop is never late.
  for (int n = 0; n < 256; ++n) {
    char buf[kMaxAnnouncementBytes + 1];
    sockaddr_in from{};
    socklen_t from_len = sizeof from;
    ssize_t got =
        ::recvfrom(socket_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (got < 0) return;  // EAGAIN: nothing more
    char source[INET_ADDRSTRLEN] = "";
    ::inet_ntop(AF_INET, &from.sin_addr, source, sizeof source);
    auto r = checker_.Check(std::string_view(buf, static_cast<size_t>(got)), source, clock_->Now());
    {
      absl::MutexLock lock(&mu_);
      switch (r.verdict) {
        case AnnouncementChecker::Verdict::kTaken:
          status_.set_heard(status_.heard() + 1);
          break;
        case AnnouncementChecker::Verdict::kOwn:
        case AnnouncementChecker::Verdict::kCopy:
          break;
        case AnnouncementChecker::Verdict::kStranger:
          status_.set_ignored_strangers(status_.ignored_strangers() + 1);
          break;
        case AnnouncementChecker::Verdict::kInvalid:
          status_.set_ignored_invalid(status_.ignored_invalid() + 1);
          status_.set_last_invalid(r.why);
          break;
      }
    }
    if (r.verdict != AnnouncementChecker::Verdict::kTaken) continue;
    const absl::Time now = clock_->Now();
    auto [it, first] = heard_at_.try_emplace(r.device, now);
    if (first || now - it->second > 2 * options_.interval) answer_due_ = true;
    it->second = now;
    on_heard_(r.device, r.address);
  }
}

}  // namespace attune
