// Linking one's own devices (attune device link / attune device join): two
// people with two devices each, four real daemons on loopback. A person's
// private entries reach that person's other device and no one else's, which
// the test checks on every partner device's disk; shared ones reach all four.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "api_helpers.h"
#include "daemon/vault/device_id.h"
#include "disk_reader.h"
#include "sync_support.h"

namespace attune::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

grpc::Status WriteEntry(DaemonHarness& d, const std::string& body, v1::Visibility visibility,
                        v1::JournalEntry* out) {
  v1::CreateJournalEntryRequest request;
  request.mutable_journal_entry()->set_title("a note");
  request.mutable_journal_entry()->set_body(body);
  request.mutable_journal_entry()->set_visibility(visibility);
  return d.journal().CreateJournalEntry(DaemonHarness::Context().get(), request, out);
}

std::set<std::string> Bodies(DaemonHarness& d) { return JournalBodies(d); }
v1::ListMembersResponse Members(DaemonHarness& d) { return MembersOf(d); }

// Shared ops `d` holds, all authors (works while locked).
uint64_t SharedOps(DaemonHarness& d) { return SyncStatusOf(d).shared_ops(); }

class DeviceLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(StartPeer(alex_laptop_, "Alex"));
    ASSERT_TRUE(StartPeer(sam_laptop_, "Sam"));
    // A device to be linked has written nothing: not even the setting
    // StartPeer writes (its person's setting reaches it by sync).
    ASSERT_TRUE(StartPeer(alex_phone_, "phone", {}, /*reveal_together=*/true));
    ASSERT_TRUE(StartPeer(sam_phone_, "phone", {}, /*reveal_together=*/true));
    CliResult paired = PairWithCli(alex_laptop_, sam_laptop_);
    ASSERT_EQ(paired.exit_code, 0) << paired.out;
    CliResult alex = LinkWithCli(alex_laptop_, alex_phone_);
    ASSERT_EQ(alex.exit_code, 0) << alex.out;
    EXPECT_THAT(alex.out, HasSubstr("one of Alex's devices"));
    CliResult sam = LinkWithCli(sam_laptop_, sam_phone_);
    ASSERT_EQ(sam.exit_code, 0) << sam.out;
    // Every device knows all four.
    for (DaemonHarness* d : All()) {
      ASSERT_TRUE(Await([&] { return Members(*d).members_size() == 4; }))
          << RunCli(*d, {"members"}).out;
      // Never in the clear on any disk or in any log.
      d->NoteSecret("alex-private-canary");
      d->NoteSecret("sam-private-canary");
    }
  }

  std::vector<DaemonHarness*> All() {
    return {&alex_laptop_, &alex_phone_, &sam_laptop_, &sam_phone_};
  }

  // Stops `d` and reads its disk with its passphrase.
  OnDisk Disk(DaemonHarness& d) {
    EXPECT_EQ(d.Stop(), 0) << d.StderrSinceStart();
    return ReadDisk(d.data_dir(), kPeerPassphrase);
  }

  DaemonHarness alex_laptop_, alex_phone_, sam_laptop_, sam_phone_;
};

TEST_F(DeviceLinkTest, PrivateRecordsReachOnlyTheAuthorsOtherDeviceSharedOnesReachAll) {
  // attune members groups devices by person, this device's person first.
  CliResult members = RunCli(alex_phone_, {"members"});
  ASSERT_EQ(members.exit_code, 0) << members.out;
  EXPECT_EQ(members.out.find("Alex (you)\n"), 0u) << members.out;
  EXPECT_LT(members.out.find("  (this device)"), members.out.find("Sam\n")) << members.out;
  EXPECT_THAT(members.out, Not(HasSubstr("phone")));  // a linked device takes its person's name

  v1::JournalEntry alex_private, ignored;
  ASSERT_OK(WriteEntry(alex_laptop_, "alex-shared", v1::VISIBILITY_SHARED, &ignored));
  ASSERT_OK(WriteEntry(sam_phone_, "sam-private-canary", v1::VISIBILITY_UNSPECIFIED, &ignored));
  ASSERT_OK(WriteEntry(sam_laptop_, "sam-shared", v1::VISIBILITY_SHARED, &ignored));
  // Sam's laptop is locked while Alex writes: a locked daemon keeps what
  // arrives unread (it cannot try to open it), so a private op of Alex's
  // that reached it would stay on its disk.
  ASSERT_OK(sam_laptop_.Lock());
  ASSERT_OK(WriteEntry(alex_phone_, "alex-private-canary", v1::VISIBILITY_PRIVATE, &alex_private));

  // Each person's other device has their private entry, and can change it:
  // it is theirs. The change reaches the device that wrote it.
  ASSERT_TRUE(Await([&] { return Bodies(alex_laptop_).count("alex-private-canary") == 1; }))
      << alex_laptop_.StderrSinceStart();
  v1::UpdateJournalEntryRequest edit;
  edit.mutable_journal_entry()->set_name(alex_private.name());
  edit.mutable_journal_entry()->set_body("alex-private-canary, edited on the laptop");
  edit.mutable_update_mask()->add_paths("body");
  ASSERT_OK(
      alex_laptop_.journal().UpdateJournalEntry(DaemonHarness::Context().get(), edit, &ignored));
  ASSERT_TRUE(Await(
      [&] { return Bodies(alex_phone_).count("alex-private-canary, edited on the laptop") == 1; }));
  // Two shared markers from Alex's laptop, each until Sam's locked laptop
  // holds every shared op Alex's does: whatever the laptop would have sent
  // of Alex's private ops went ahead of the second one on its stream.
  for (const char* marker : {"alex-marker-1", "alex-marker-2"}) {
    ASSERT_OK(WriteEntry(alex_laptop_, marker, v1::VISIBILITY_SHARED, &ignored));
    ASSERT_TRUE(Await([&] { return SharedOps(sam_laptop_) == SharedOps(alex_laptop_); }));
  }
  ASSERT_OK(sam_laptop_.Unlock(kPeerPassphrase));
  ASSERT_TRUE(Await([&] { return Bodies(sam_laptop_).count("sam-private-canary") == 1; }));

  // Shared entries reach all four; then, after a shared marker each phone
  // writes last, nothing private of one person is on the other's devices.
  const std::set<std::string> shared = {"alex-shared", "sam-shared"};
  ASSERT_OK(WriteEntry(alex_phone_, "alex-marker", v1::VISIBILITY_SHARED, &ignored));
  ASSERT_OK(WriteEntry(sam_phone_, "sam-marker", v1::VISIBILITY_SHARED, &ignored));
  for (DaemonHarness* d : All()) {
    ASSERT_TRUE(Await([&] {
      auto bodies = Bodies(*d);
      return bodies.count("alex-shared") && bodies.count("sam-shared") &&
             bodies.count("alex-marker") && bodies.count("sam-marker");
    })) << d->data_dir();
  }
  auto sam_laptop_sees = Bodies(sam_laptop_);
  EXPECT_EQ(sam_laptop_sees.count("alex-private-canary"), 0u);
  EXPECT_EQ(Bodies(alex_laptop_).count("sam-private-canary"), 0u);

  // From the other side: the partner's disks hold no private op of the
  // other person at all, not even sealed.
  const std::set<std::string> alex_devices = {DeviceIdOf(alex_laptop_), DeviceIdOf(alex_phone_)};
  const std::set<std::string> sam_devices = {DeviceIdOf(sam_laptop_), DeviceIdOf(sam_phone_)};
  auto ids = [](const std::set<std::string>& raw_authors) {
    std::set<std::string> out;
    for (const auto& raw : raw_authors) out.insert(FormatDeviceId(raw));
    return out;
  };
  for (auto [d, own, others] : {std::tuple{&alex_laptop_, &alex_devices, &sam_devices},
                                {&alex_phone_, &alex_devices, &sam_devices},
                                {&sam_laptop_, &sam_devices, &alex_devices},
                                {&sam_phone_, &sam_devices, &alex_devices}}) {
    OnDisk disk = Disk(*d);
    SCOPED_TRACE(d->data_dir());
    EXPECT_EQ(disk.opened, disk.ops) << "an op this device's keys cannot open";
    for (const auto& author : ids(disk.private_authors)) {
      EXPECT_TRUE(own->count(author)) << "a private op of another person's device " << author;
    }
    const bool alex = own == &alex_devices;
    EXPECT_THAT(disk.text, HasSubstr(alex ? "alex-private-canary" : "sam-private-canary"));
    EXPECT_THAT(disk.text, Not(HasSubstr(alex ? "sam-private-canary" : "alex-private-canary")));
    (void)others;
  }
}

// What goes wrong says what to do: a partner's code used to link, a link
// code used to pair, and a device that already wrote something.
TEST(DeviceLinkRefusalTest, AWrongCodeOrADeviceWithRecordsIsRefusedPlainly) {
  DaemonHarness alex, phone, used;
  ASSERT_TRUE(StartPeer(alex, "Alex"));
  ASSERT_TRUE(StartPeer(phone, "phone", {}, /*reveal_together=*/true));
  ASSERT_TRUE(StartPeer(used, "used"));  // wrote its person's setting

  CliResult invite = RunCli(alex, {"pair", "invite", "--no-qr"});
  ASSERT_EQ(invite.exit_code, 0) << invite.out;
  const std::string partner_code = InviteCodeIn(invite.out);
  CliResult wrong = RunCli(phone, {"device", "join", partner_code});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_THAT(wrong.out, HasSubstr("attune pair join"));

  CliResult link = RunCli(alex, {"device", "link", "--no-qr"});
  ASSERT_EQ(link.exit_code, 0) << link.out;
  EXPECT_THAT(link.out, HasSubstr("never give this code to anyone else"));
  const std::string link_code = InviteCodeIn(link.out);
  CliResult as_partner = RunCli(phone, {"pair", "join", link_code});
  EXPECT_NE(as_partner.exit_code, 0);
  EXPECT_THAT(as_partner.out, HasSubstr("attune device join"));
  CliResult with_records = RunCli(used, {"device", "join", link_code});
  EXPECT_NE(with_records.exit_code, 0);
  EXPECT_THAT(with_records.out, HasSubstr("only a device that has written nothing"));

  // The code is still good for the device it was made for.
  CliResult joined = RunCli(phone, {"device", "join", link_code, "--json"});
  ASSERT_EQ(joined.exit_code, 0) << joined.out;
  EXPECT_THAT(joined.out, HasSubstr("\"ownDevice\": true"));
  v1::ListMembersResponse members = Members(phone);
  ASSERT_EQ(members.members_size(), 2);
  EXPECT_EQ(members.members(0).member_id(), members.members(1).member_id());
}

}  // namespace
}  // namespace attune::testing
