#include "daemon/sync/lan_announcement.h"

#include <gtest/gtest.h>

#include <functional>

#include "attune/v1/sync.pb.h"
#include "tests/support/test_keys.h"

namespace attune {
namespace {

using Verdict = AnnouncementChecker::Verdict;
using ::attune::testing::NewKeys;

class LanAnnouncementTest : public ::testing::Test {
 protected:
  // This device (Alex's phone), Alex's laptop and Sam's device (members),
  // a stranger.
  std::shared_ptr<const KeySet> self_ = NewKeys("Alex");
  std::shared_ptr<const KeySet> laptop_ = NewKeys("Alex");
  std::shared_ptr<const KeySet> sam_ = NewKeys("Sam");
  std::shared_ptr<const KeySet> stranger_ = NewKeys("Eve");
  absl::Time now_ = absl::FromUnixMillis(1'800'000'000'000);
  AnnouncementChecker checker_{self_->device_public_key, [this](const std::string& d) {
                                 return d == laptop_->device_public_key ||
                                        d == sam_->device_public_key ||
                                        d == self_->device_public_key;
                               }};

  std::string From(const KeySet& k, const std::string& address, absl::Duration age = {}) {
    return MakeAnnouncement(k.device_public_key, k.device_secret_key, address, 27441,
                            static_cast<uint64_t>(absl::ToUnixMillis(now_ - age)));
  }
};

TEST_F(LanAnnouncementTest, AMemberIsFoundWhereItSentFrom) {
  auto r = checker_.Check(From(*laptop_, "192.168.1.20"), "192.168.1.20", now_);
  ASSERT_EQ(r.verdict, Verdict::kTaken) << r.why;
  EXPECT_EQ(r.device, laptop_->device_public_key);
  EXPECT_EQ(r.address, "192.168.1.20:27441");
}

// `announcement` with its signature replaced by garbage.
std::string Unsigned(const std::string& announcement) {
  v1::LanAnnouncement a;
  a.ParseFromString(announcement);
  a.set_signature(std::string(a.signature().size(), 'x'));
  return a.SerializeAsString();
}

TEST_F(LanAnnouncementTest, OwnAndStrangersAreSetApartWithoutASignatureCheck) {
  // Their signatures are garbage: a check would call them invalid.
  EXPECT_EQ(checker_.Check(Unsigned(From(*self_, "10.0.0.2")), "10.0.0.2", now_).verdict,
            Verdict::kOwn);
  EXPECT_EQ(checker_.Check(Unsigned(From(*stranger_, "10.0.0.3")), "10.0.0.3", now_).verdict,
            Verdict::kStranger);
  EXPECT_EQ(checker_.Check(Unsigned(From(*laptop_, "10.0.0.4")), "10.0.0.4", now_).why,
            "bad signature");
}

TEST_F(LanAnnouncementTest, AReplayFromAnotherHostIsIgnored) {
  std::string heard = From(*laptop_, "192.168.1.20");
  auto r = checker_.Check(heard, "192.168.1.66", now_);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  EXPECT_NE(r.why.find("sent from 192.168.1.66"), std::string::npos) << r.why;
}

TEST_F(LanAnnouncementTest, TheSameAnnouncementOrAnOlderOneIsTakenOnce) {
  std::string first = From(*laptop_, "192.168.1.20", absl::Seconds(30));
  std::string second = From(*laptop_, "192.168.1.20");
  ASSERT_EQ(checker_.Check(second, "192.168.1.20", now_).verdict, Verdict::kTaken);
  // The same one again (heard on a second interface, or replayed) is a copy:
  // not taken, not counted as an attack.
  EXPECT_EQ(checker_.Check(second, "192.168.1.20", now_).verdict, Verdict::kCopy);
  auto older = checker_.Check(first, "192.168.1.20", now_);
  EXPECT_EQ(older.verdict, Verdict::kInvalid);
  EXPECT_NE(older.why.find("replayed"), std::string::npos) << older.why;
}

TEST_F(LanAnnouncementTest, AClockWithinTenMinutesIsTakenAndOneFurtherOffIsNot) {
  EXPECT_EQ(checker_.Check(From(*laptop_, "10.0.0.5", absl::Minutes(9)), "10.0.0.5", now_).verdict,
            Verdict::kTaken);
  EXPECT_EQ(checker_.Check(From(*sam_, "10.0.0.6", -absl::Minutes(9)), "10.0.0.6", now_).verdict,
            Verdict::kTaken);
  auto stale = checker_.Check(From(*laptop_, "10.0.0.5", absl::Minutes(11)), "10.0.0.5", now_);
  EXPECT_NE(stale.why.find("10 minutes"), std::string::npos) << stale.why;
}

TEST_F(LanAnnouncementTest, AnAddressThatIsNoIPv4AddressIsIgnored) {
  std::string odd = From(*laptop_, std::string("10.0.0.5\0junk", 13));
  EXPECT_EQ(checker_.Check(odd, "10.0.0.5", now_).why, "its address is no IPv4 address");
  EXPECT_EQ(checker_.Check(From(*laptop_, "\xff\xfe"), "10.0.0.5", now_).why,
            "its address is no IPv4 address");
}

TEST_F(LanAnnouncementTest, AStaleOrFutureAnnouncementIsIgnored) {
  EXPECT_EQ(checker_.Check(From(*laptop_, "10.0.0.5", absl::Minutes(11)), "10.0.0.5", now_).verdict,
            Verdict::kInvalid);
  EXPECT_EQ(
      checker_.Check(From(*laptop_, "10.0.0.5", -absl::Minutes(11)), "10.0.0.5", now_).verdict,
      Verdict::kInvalid);
}

// `announcement` with its body changed by `change` and its signature kept.
std::string Altered(const std::string& announcement,
                    const std::function<void(v1::LanAnnouncementBody*)>& change) {
  v1::LanAnnouncement a;
  v1::LanAnnouncementBody body;
  a.ParseFromString(announcement);
  body.ParseFromString(a.body());
  change(&body);
  a.set_body(body.SerializeAsString());
  return a.SerializeAsString();
}

TEST_F(LanAnnouncementTest, AForgedAnnouncementOfAMemberIsIgnored) {
  // Signed by the stranger, naming the laptop.
  std::string forged = Altered(From(*stranger_, "10.0.0.9"), [&](v1::LanAnnouncementBody* b) {
    b->set_device(laptop_->device_public_key);
  });
  auto r = checker_.Check(forged, "10.0.0.9", now_);
  EXPECT_EQ(r.verdict, Verdict::kInvalid);
  EXPECT_EQ(r.why, "bad signature");
  // A genuine one changed in flight (another port).
  std::string moved =
      Altered(From(*laptop_, "10.0.0.9"), [](v1::LanAnnouncementBody* b) { b->set_port(4444); });
  EXPECT_EQ(checker_.Check(moved, "10.0.0.9", now_).why, "bad signature");
}

TEST_F(LanAnnouncementTest, GarbageIsIgnored) {
  EXPECT_EQ(checker_.Check("not a datagram we know", "10.0.0.1", now_).verdict, Verdict::kInvalid);
  EXPECT_EQ(checker_.Check(std::string(600, 'x'), "10.0.0.1", now_).verdict, Verdict::kInvalid);
  EXPECT_EQ(checker_.Check("", "10.0.0.1", now_).verdict, Verdict::kInvalid);
}

TEST_F(LanAnnouncementTest, AFloodCostsBoundedSignatureChecks) {
  // Forged announcements naming a member, each newer than the last: only
  // kLanVerifiesPerDevicePerSecond of them are checked in one second, and
  // another member's genuine one is still taken in that second.
  const std::string signed_by_stranger = From(*stranger_, "10.0.0.9");
  int bad_signature = 0, unchecked = 0;
  for (int i = 0; i < 200; ++i) {
    std::string forged = Altered(signed_by_stranger, [&](v1::LanAnnouncementBody* b) {
      b->set_device(laptop_->device_public_key);
      b->set_sent_at_ms(b->sent_at_ms() + 1 + static_cast<uint64_t>(i));
    });
    auto r = checker_.Check(forged, "10.0.0.9", now_);
    (r.why == "bad signature" ? bad_signature : unchecked)++;
  }
  EXPECT_EQ(bad_signature, kLanVerifiesPerDevicePerSecond);
  EXPECT_EQ(unchecked, 200 - kLanVerifiesPerDevicePerSecond);
  EXPECT_EQ(checker_.Check(From(*sam_, "10.0.0.7"), "10.0.0.7", now_).verdict, Verdict::kTaken);
  // The named member's genuine one is taken again in the next second.
  EXPECT_EQ(checker_.Check(From(*laptop_, "10.0.0.9"), "10.0.0.9", now_ + absl::Seconds(1)).verdict,
            Verdict::kTaken);
}

}  // namespace
}  // namespace attune
