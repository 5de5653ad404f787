// A real attuned against peers that misbehave: a device that never paired,
// and a paired device that sends tampered, forged, replayed and out-of-order
// ops. Each bad op is refused with a reason in the log, nothing of it is
// stored, and the daemon goes on serving and syncing.
#include <gmock/gmock.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <sodium.h>

#include "api_helpers.h"
#include "attune/v1/sync.grpc.pb.h"
#include "crafted_ops.h"
#include "daemon/base/hex.h"
#include "daemon/sync/invites.h"
#include "daemon/sync/membership.h"
#include "daemon/sync/tls_credentials.h"
#include "daemon/vault/device_id.h"
#include "daemon/vault/op_crypto.h"
#include "sync_support.h"
#include "tests/support/test_keys.h"

namespace attune::testing {
namespace {

using ::testing::HasSubstr;

std::shared_ptr<grpc::Channel> PeerChannel(const KeySet& me, const std::string& address,
                                           const std::string& expected) {
  auto identity = MakeTlsIdentity(me);
  EXPECT_TRUE(identity.ok());
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetSslTargetNameOverride(PeerTargetName(expected));
  return grpc::CreateCustomChannel(address, PeerChannelCredentials(*identity, expected), args);
}

// A shared check-in of `author` saying `high`; sealed and signed by
// `signer` instead when given (a stranger's signature over the claimed
// header).
v1::Op CheckInOp(const KeySet& author, uint64_t seq, const std::string& high,
                 const KeySet* signer = nullptr) {
  return CraftedCheckInOp(
      author, seq, 'c',
      [&](v1::OpHeader*, v1::OpBody* body) {
        body->mutable_record()->mutable_check_in()->set_high(high);
      },
      signer);
}

class PeerRefusalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(StartPeer(alex_, "Alex"));
    v1::Invite invite;
    v1::CreateInviteRequest request;
    ASSERT_OK(v1::SpaceService::NewStub(alex_.channel())
                  ->CreateInvite(DaemonHarness::Context().get(), request, &invite));
    auto code = DecodeInviteCode(invite.code());
    ASSERT_TRUE(code.ok());
    code_ = *code;
    address_ = code_.addresses(0);
  }

  // Pairs `mallory_` with Alex through the real Pair RPC; returns its keys in
  // Alex's space and the member certificates.
  void JoinAsMallory() {
    v1::PairRequest request;
    request.set_invite_id(code_.invite_id());
    request.set_joiner_device(mallory_->device_public_key);
    request.set_joiner_member(mallory_->member_id);
    request.set_joiner_display_name("Mallory");
    request.set_mac(InviteMac(code_.secret(), code_.inviter_device(), mallory_->device_public_key,
                              code_.invite_id()));
    auto channel = PeerChannel(*mallory_, address_, code_.inviter_device());
    ASSERT_OK(
        v1::PeerService::NewStub(channel)->Pair(DaemonHarness::Context().get(), request, &paired_));
    unsigned char curve_pk[32];
    SecretBytes curve_sk(32), space_key(32);
    ASSERT_EQ(
        crypto_sign_ed25519_pk_to_curve25519(
            curve_pk, reinterpret_cast<const unsigned char*>(mallory_->device_public_key.data())),
        0);
    ASSERT_EQ(
        crypto_sign_ed25519_sk_to_curve25519(curve_sk.data(), mallory_->device_secret_key.data()),
        0);
    ASSERT_EQ(crypto_box_seal_open(
                  space_key.data(),
                  reinterpret_cast<const unsigned char*>(paired_.sealed_space_key().data()),
                  paired_.sealed_space_key().size(), curve_pk, curve_sk.data()),
              0);
    member_ = KeysInSpace(*mallory_, paired_.space_id(), space_key);
  }

  v1::SyncMessage Hello(const KeySet& me) {
    v1::SyncMessage m;
    m.mutable_hello()->set_protocol_version(1);
    m.mutable_hello()->set_space_id(me.space_id);
    m.mutable_hello()->set_device(me.device_public_key);
    for (const auto& c : paired_.members()) *m.mutable_hello()->add_members() = c;
    return m;
  }

  int CheckInsOnAlex() { return static_cast<int>(ListAllCheckIns(alex_).size()); }

  // A sync stream to Alex as Mallory, past the Hellos.
  struct Stream {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReaderWriter<v1::SyncMessage, v1::SyncMessage>> rw;
  };
  void OpenStream(Stream* s) {
    s->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    s->rw = v1::PeerService::NewStub(PeerChannel(*member_, address_, code_.inviter_device()))
                ->Sync(&s->context);
    ASSERT_TRUE(s->rw->Write(Hello(*member_)));
    v1::SyncMessage reply;
    ASSERT_TRUE(s->rw->Read(&reply));
    ASSERT_TRUE(reply.has_hello());
  }
  void Send(Stream* s, const v1::Op& op) {
    v1::SyncMessage m;
    *m.mutable_ops()->add_ops() = op;
    ASSERT_TRUE(s->rw->Write(m));
  }
  bool Logged(const std::string& what) {
    return Await([&] { return alex_.StderrSinceStart().find(what) != std::string::npos; });
  }

  DaemonHarness alex_;
  v1::InviteCode code_;
  std::string address_;
  std::shared_ptr<const KeySet> mallory_ = NewKeys("Mallory");
  std::shared_ptr<KeySet> member_;
  v1::PairResponse paired_;
};

TEST_F(PeerRefusalTest, AnUnpairedDeviceIsRefusedBeforeAnyDataMoves) {
  auto stranger = NewKeys("Stranger");
  auto channel = PeerChannel(*stranger, address_, code_.inviter_device());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = v1::PeerService::NewStub(channel)->Sync(&context);
  v1::SyncMessage hello;
  hello.mutable_hello()->set_protocol_version(1);
  hello.mutable_hello()->set_space_id(stranger->space_id);
  hello.mutable_hello()->set_device(stranger->device_public_key);
  stream->Write(hello);
  v1::SyncMessage reply;
  EXPECT_FALSE(stream->Read(&reply)) << "the daemon must send nothing, not even a Hello";
  grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_TRUE(Await([&] {
    return alex_.StderrSinceStart().find("refused sync with device " +
                                         FormatDeviceId(stranger->device_public_key)) !=
           std::string::npos;
  }));
  v1::VaultStatus vs;
  EXPECT_OK(alex_.GetStatus(&vs));
}

TEST_F(PeerRefusalTest, AnExpiredInviteIsRefusedAndChangesNothing) {
  DaemonHarness sam;
  ASSERT_TRUE(StartPeer(sam, "Sam"));
  v1::InviteCode expired = code_;
  expired.set_expires_at_ms(static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())) - 1000);
  v1::JoinSpaceRequest request;
  request.set_code(EncodeInviteCode(expired));
  v1::JoinSpaceResponse response;
  grpc::Status s = v1::SpaceService::NewStub(sam.channel())
                       ->JoinSpace(DaemonHarness::Context().get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("expired"));
  v1::ListMembersResponse members;
  ASSERT_OK(v1::SpaceService::NewStub(sam.channel())
                ->ListMembers(DaemonHarness::Context().get(), {}, &members));
  EXPECT_EQ(members.members_size(), 1);  // still alone in its own space
}

TEST_F(PeerRefusalTest, WrongInviteSecretIsRefusedAndThreeBurnTheInvite) {
  v1::PairRequest request;
  request.set_invite_id(code_.invite_id());
  request.set_joiner_device(mallory_->device_public_key);
  request.set_joiner_member(mallory_->member_id);
  request.set_joiner_display_name("Mallory");
  request.set_mac(InviteMac(std::string(32, 'x'), code_.inviter_device(),
                            mallory_->device_public_key, code_.invite_id()));
  auto stub = v1::PeerService::NewStub(PeerChannel(*mallory_, address_, code_.inviter_device()));
  for (int i = 0; i < 3; ++i) {
    v1::PairResponse response;
    grpc::Status s = stub->Pair(DaemonHarness::Context().get(), request, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(s.error_message(), HasSubstr("does not match"));
    EXPECT_TRUE(response.sealed_space_key().empty());
  }
  // Burned: now even the right secret is refused.
  request.set_mac(InviteMac(code_.secret(), code_.inviter_device(), mallory_->device_public_key,
                            code_.invite_id()));
  v1::PairResponse response;
  EXPECT_EQ(stub->Pair(DaemonHarness::Context().get(), request, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ListMembersResponse members;
  ASSERT_OK(v1::SpaceService::NewStub(alex_.channel())
                ->ListMembers(DaemonHarness::Context().get(), {}, &members));
  EXPECT_EQ(members.members_size(), 1);
}

TEST_F(PeerRefusalTest, BadOpsAreRefusedGoodOnesStoredAndTheStreamGoesOn) {
  ASSERT_NO_FATAL_FAILURE(JoinAsMallory());
  auto stranger = KeysInSpace(*NewKeys("Stranger"), member_->space_id, member_->space_key);

  auto channel = PeerChannel(*member_, address_, code_.inviter_device());
  grpc::ClientContext context;
  auto stream = v1::PeerService::NewStub(channel)->Sync(&context);
  ASSERT_TRUE(stream->Write(Hello(*member_)));
  v1::SyncMessage reply;
  ASSERT_TRUE(stream->Read(&reply));
  ASSERT_TRUE(reply.has_hello());

  v1::SyncMessage batch;
  v1::Op good = CheckInOp(*member_, 1, "first, and fine");
  v1::Op tampered = CheckInOp(*member_, 2, "tampered");
  tampered.mutable_ciphertext()->at(5) ^= 0x01;
  v1::Op forged = CheckInOp(*member_, 2, "forged", stranger.get());
  v1::Op gap = CheckInOp(*member_, 5, "after a gap");
  for (const v1::Op* op : {&good, &tampered, &forged, &good, &gap}) {
    *batch.mutable_ops()->add_ops() = *op;
  }
  ASSERT_TRUE(stream->Write(batch));
  ASSERT_TRUE(Await([&] { return CheckInsOnAlex() == 1; }));
  std::string log;
  ASSERT_TRUE(Await([&] {
    log = alex_.StderrSinceStart();
    return log.find("sequence gap") != std::string::npos;
  })) << log;
  EXPECT_THAT(log, HasSubstr("signature does not verify"));

  // The stream goes on: the real seq 2 is taken.
  v1::SyncMessage next;
  *next.mutable_ops()->add_ops() = CheckInOp(*member_, 2, "second, and fine");
  ASSERT_TRUE(stream->Write(next));
  ASSERT_TRUE(Await([&] { return CheckInsOnAlex() == 2; }));
  std::vector<std::string> highs;
  for (const auto& c : ListAllCheckIns(alex_)) highs.push_back(c.high());
  EXPECT_THAT(highs, ::testing::UnorderedElementsAre("first, and fine", "second, and fine"));
  context.TryCancel();
  v1::VaultStatus vs;
  EXPECT_OK(alex_.GetStatus(&vs));
}

// A partner's device running modified code: it holds the space key and signs
// with a member's device key, and still changes nothing it did not write,
// whether Alex's daemon is unlocked when the op arrives or locked (then the
// op is stored unread, and skipped when folded at unlock).
TEST_F(PeerRefusalTest, APartnerChangesNothingAnotherMemberWroteAndNeverWritesAsThem) {
  v1::CreateJournalEntryRequest create;
  create.mutable_journal_entry()->set_body("Alex's own words");
  create.mutable_journal_entry()->set_visibility(v1::VISIBILITY_SHARED);
  v1::JournalEntry entry;
  ASSERT_OK(alex_.journal().CreateJournalEntry(DaemonHarness::Context().get(), create, &entry));
  const std::string alex_id = *FromHex(entry.name().substr(entry.name().find('/') + 1));
  v1::ListMembersResponse members;
  ASSERT_OK(v1::SpaceService::NewStub(alex_.channel())
                ->ListMembers(DaemonHarness::Context().get(), {}, &members));
  const std::string alex_member_hex = members.members(0).member_id();
  ASSERT_NO_FATAL_FAILURE(JoinAsMallory());

  auto edit_alexs = [&](uint64_t seq) {
    return CraftedCheckInOp(*member_, seq, 'e', [&](v1::OpHeader*, v1::OpBody* b) {
      b->set_kind(v1::Record::kJournalEntry);
      b->set_record_id(alex_id);
      b->clear_fields();
      b->add_fields(v1::JournalEntry::kBodyFieldNumber);
      v1::JournalEntry* j = b->mutable_record()->mutable_journal_entry();
      j->set_body("words put in Alex's mouth");
      j->set_author(alex_member_hex);
    });
  };
  auto delete_alexs = [&](uint64_t seq) {
    return CraftedCheckInOp(*member_, seq, 'd', [&](v1::OpHeader*, v1::OpBody* b) {
      b->set_kind(v1::Record::kJournalEntry);
      b->set_record_id(alex_id);
      b->set_tombstone(true);
    });
  };
  auto as_alex = [&](uint64_t seq) {
    return CraftedCheckInOp(*member_, seq, 'a', [&](v1::OpHeader*, v1::OpBody* b) {
      b->set_kind(v1::Record::kJournalEntry);
      b->clear_fields();
      for (int f : {2, 5, 8}) b->add_fields(f);
      v1::JournalEntry* j = b->mutable_record()->mutable_journal_entry();
      j->set_body("a private entry 'by Alex'");
      j->set_visibility(v1::VISIBILITY_PRIVATE);
      j->set_author(alex_member_hex);
    });
  };
  auto alexs_entry = [&]() {
    auto all = ListAllJournalEntries(alex_);
    std::vector<std::string> bodies;
    for (const auto& e : all) bodies.push_back(e.author() + ": " + e.body());
    return bodies;
  };
  const std::vector<std::string> before = {alex_member_hex + ": Alex's own words"};
  ASSERT_EQ(alexs_entry(), before);

  Stream stream;
  ASSERT_NO_FATAL_FAILURE(OpenStream(&stream));
  ASSERT_NO_FATAL_FAILURE(Send(&stream, CheckInOp(*member_, 1, "Mallory's own, fine")));
  ASSERT_TRUE(Await([&] { return CheckInsOnAlex() == 1; }));
  // Unlocked: each is refused whole (not stored), with its reason.
  for (const v1::Op& op : {edit_alexs(2), delete_alexs(2), as_alex(2)}) {
    ASSERT_NO_FATAL_FAILURE(Send(&stream, op));
  }
  EXPECT_TRUE(Logged("only a record's author may change it"));
  EXPECT_TRUE(Logged("op names an author other than the member of the device that signed it"));
  // Mallory's own next op still lands: nothing of the refused ones was kept.
  ASSERT_NO_FATAL_FAILURE(Send(&stream, CheckInOp(*member_, 2, "Mallory's second")));
  ASSERT_TRUE(Await([&] { return CheckInsOnAlex() == 2; }));
  EXPECT_EQ(alexs_entry(), before);

  // Locked: stored unread (the seqs are Mallory's to use), and never folded.
  auto shared_ops = [&] {
    v1::SyncStatus status;
    EXPECT_OK(v1::SyncService::NewStub(alex_.channel())
                  ->GetSyncStatus(DaemonHarness::Context().get(), {}, &status));
    return status.shared_ops();
  };
  ASSERT_OK(alex_.Lock());
  for (uint64_t seq : {3, 4, 5}) {
    v1::Op op = seq == 3 ? edit_alexs(seq) : seq == 4 ? as_alex(seq) : delete_alexs(seq);
    ASSERT_NO_FATAL_FAILURE(Send(&stream, op));
  }
  ASSERT_NO_FATAL_FAILURE(Send(&stream, CheckInOp(*member_, 6, "Mallory's third")));
  // Alex's settings and entry and Mallory's six ops, the last four unread.
  ASSERT_TRUE(Await([&] { return shared_ops() == 2 + 6; })) << "stored while locked";
  ASSERT_OK(alex_.Unlock("correct horse battery"));
  ASSERT_TRUE(Await([&] { return CheckInsOnAlex() == 3; }));
  EXPECT_EQ(alexs_entry(), before);
  stream.context.TryCancel();
  // And a view rebuilt from the log agrees.
  ASSERT_EQ(alex_.Stop(), 0);
  ASSERT_TRUE(alex_.Restart({"--peer-listen", "127.0.0.1:0", "--rebuild-views"}));
  ASSERT_OK(alex_.Unlock("correct horse battery"));
  EXPECT_EQ(alexs_entry(), before);
  EXPECT_EQ(CheckInsOnAlex(), 3);
}

// A partner's device running modified code says, in Hello, that it holds
// far more of Alex's own ops than Alex ever wrote. Were that taken on trust,
// Alex's device would wait for ops that do not exist and refuse every write.
// A claim without proof (no op shown, or one Alex's device did not sign)
// pauses nothing, then or after a restart.
TEST_F(PeerRefusalTest, APartnerCannotPauseWritesWithAClaimItCannotProve) {
  ASSERT_NO_FATAL_FAILURE(JoinAsMallory());
  const std::string alex_device = code_.inviter_device();
  auto write = [&](const std::string& body) {
    v1::CreateJournalEntryRequest create;
    create.mutable_journal_entry()->set_body(body);
    v1::JournalEntry entry;
    return alex_.journal().CreateJournalEntry(DaemonHarness::Context().get(), create, &entry);
  };
  struct Case {
    bool forged;
    std::string logged;
  };
  for (const Case& c : {Case{false, "no op shown"}, Case{true, "signature does not verify"}}) {
    SCOPED_TRACE(c.logged);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    auto stream =
        v1::PeerService::NewStub(PeerChannel(*member_, address_, alex_device))->Sync(&context);
    v1::SyncMessage hello = Hello(*member_);
    auto* claim = hello.mutable_hello()->add_version_vector();
    claim->set_device(alex_device);
    claim->set_seq(1000000);
    if (c.forged) {
      // Signed by Mallory's device over a header naming Alex's.
      *hello.mutable_hello()->mutable_your_head_op() = CraftedCheckInOp(
          *member_, 1000000, 'p',
          [&](v1::OpHeader* header, v1::OpBody*) { header->set_author_device(alex_device); });
    }
    ASSERT_TRUE(stream->Write(hello));
    v1::SyncMessage reply;
    ASSERT_TRUE(stream->Read(&reply));
    ASSERT_TRUE(reply.has_hello());
    ASSERT_TRUE(Logged(c.logged)) << alex_.StderrSinceStart();
    EXPECT_OK(write("written while Mallory claims"));
    context.TryCancel();
  }
  ASSERT_EQ(alex_.Stop(), 0);
  ASSERT_TRUE(alex_.Restart({"--peer-listen", "127.0.0.1:0"}));
  ASSERT_OK(alex_.Unlock("correct horse battery"));
  EXPECT_OK(write("written after a restart"));
}

// What a partner's device receives, opened with the space key as a modified
// device would: no private word of Alex's is in it. Alex shares an entry,
// then makes it private with a new body; keeps another entry private; and
// the un-share op tells the partner only that the entry is private now.
TEST_F(PeerRefusalTest, APartnerDecryptingEverySharedOpFindsNoPrivateText) {
  ASSERT_NO_FATAL_FAILURE(JoinAsMallory());
  v1::CreateJournalEntryRequest create;
  create.mutable_journal_entry()->set_body("shared for a while");
  create.mutable_journal_entry()->set_visibility(v1::VISIBILITY_SHARED);
  v1::JournalEntry entry;
  ASSERT_OK(alex_.journal().CreateJournalEntry(DaemonHarness::Context().get(), create, &entry));
  v1::UpdateJournalEntryRequest update;
  *update.mutable_journal_entry() = entry;
  update.mutable_journal_entry()->set_visibility(v1::VISIBILITY_PRIVATE);
  update.mutable_journal_entry()->set_title("SECRET title");
  update.mutable_journal_entry()->set_body("SECRET body, written as it became private");
  for (const char* path : {"visibility", "title", "body"}) {
    update.mutable_update_mask()->add_paths(path);
  }
  v1::JournalEntry updated;
  ASSERT_OK(alex_.journal().UpdateJournalEntry(DaemonHarness::Context().get(), update, &updated));
  v1::CreateJournalEntryRequest secret;
  secret.mutable_journal_entry()->set_body("SECRET from the start");
  secret.mutable_journal_entry()->set_visibility(v1::VISIBILITY_PRIVATE);
  v1::JournalEntry kept;
  ASSERT_OK(alex_.journal().CreateJournalEntry(DaemonHarness::Context().get(), secret, &kept));
  // An unset visibility is private too.
  v1::CreateCheckInRequest unset;
  unset.mutable_check_in()->set_day(UtcToday());
  unset.mutable_check_in()->set_high("SECRET high, visibility not chosen");
  unset.mutable_check_in()->set_low("SECRET low");
  unset.mutable_check_in()->set_connection_rating(3);
  v1::CheckIn unset_saved;
  ASSERT_OK(alex_.checkins().CreateCheckIn(DaemonHarness::Context().get(), unset, &unset_saved));
  EXPECT_EQ(unset_saved.visibility(), v1::VISIBILITY_PRIVATE);
  // Batches: each request keeps its own visibility, unset as private.
  v1::BatchCreateJournalEntriesRequest entries;
  entries.add_requests()->mutable_journal_entry()->set_body("SECRET in a batch");
  v1::JournalEntry* chosen = entries.add_requests()->mutable_journal_entry();
  chosen->set_body("SECRET in a batch, chosen private");
  chosen->set_visibility(v1::VISIBILITY_PRIVATE);
  v1::JournalEntry* batch_shared = entries.add_requests()->mutable_journal_entry();
  batch_shared->set_body("shared in a batch");
  batch_shared->set_visibility(v1::VISIBILITY_SHARED);
  v1::BatchCreateJournalEntriesResponse entries_saved;
  ASSERT_OK(alex_.journal().BatchCreateJournalEntries(DaemonHarness::Context().get(), entries,
                                                      &entries_saved));
  v1::BatchCreateCheckInsRequest check_ins;
  *check_ins.add_requests() = unset;
  check_ins.mutable_requests(0)->mutable_check_in()->set_day(AddDays(UtcToday(), -2));
  v1::BatchCreateCheckInsResponse check_ins_saved;
  ASSERT_OK(alex_.checkins().BatchCreateCheckIns(DaemonHarness::Context().get(), check_ins,
                                                 &check_ins_saved));
  ASSERT_OK(WriteCheckIn(alex_, AddDays(UtcToday(), -1), "END marker"));

  Stream stream;
  ASSERT_NO_FATAL_FAILURE(OpenStream(&stream));
  std::vector<std::string> bodies;
  bool unshared = false;
  bool end = false;
  while (!end) {
    v1::SyncMessage m;
    ASSERT_TRUE(stream.rw->Read(&m)) << "the stream ended before the END marker";
    for (const auto& op : m.ops().ops()) {
      v1::OpHeader header;
      auto body = OpenOp(op, *member_, &header);
      ASSERT_TRUE(body.ok()) << body.status();
      if (body->record().has_member_settings()) continue;  // Alex's (reveal together off)
      std::string text = body->DebugString();
      bodies.push_back(text);
      EXPECT_EQ(text.find("SECRET"), std::string::npos) << text;
      if (body->record().journal_entry().visibility() == v1::VISIBILITY_PRIVATE) {
        unshared = true;
        EXPECT_EQ(body->record().journal_entry().body(), "");
        EXPECT_EQ(body->fields_size(), 2) << text;
      }
      end |= text.find("END marker") != std::string::npos;
    }
  }
  EXPECT_TRUE(unshared) << "the partner must learn that the entry is private now";
  // create, un-share, the batch's shared entry, END
  EXPECT_EQ(bodies.size(), 4u) << ::testing::PrintToString(bodies);
  stream.context.TryCancel();
}

// A member's modified device sends certificates for 40 devices of its own
// and one that claims Alex's member id: at most kMaxDevicesPerMember devices
// per person are kept, and nobody adds a device as somebody else.
TEST_F(PeerRefusalTest, AMemberCannotFloodTheSpaceWithDevicesNorAddOneAsSomebodyElse) {
  v1::ListMembersResponse before;
  ASSERT_OK(v1::SpaceService::NewStub(alex_.channel())
                ->ListMembers(DaemonHarness::Context().get(), {}, &before));
  const std::string alex_member = *FromHex(before.members(0).member_id());
  ASSERT_NO_FATAL_FAILURE(JoinAsMallory());
  Stream stream;
  ASSERT_NO_FATAL_FAILURE(OpenStream(&stream));
  v1::SyncMessage flood;
  for (int i = 0; i <= 40; ++i) {
    auto extra = NewKeys("extra");
    v1::MemberCertBody body;
    body.set_space_id(member_->space_id);
    body.set_device(extra->device_public_key);
    body.set_member_id(i == 40 ? alex_member : member_->member_id);
    body.set_display_name(i == 40 ? "Alex (really Mallory)" : "Mallory's device");
    body.set_added_by(member_->device_public_key);
    body.set_added_at_ms(1);
    *flood.mutable_members()->add_members() = SignMemberCert(body, *member_);
  }
  ASSERT_TRUE(stream.rw->Write(flood));
  // A good op after them is taken: the certificates were looked at first.
  ASSERT_NO_FATAL_FAILURE(Send(&stream, CheckInOp(*member_, 1, "after the flood")));
  ASSERT_TRUE(Await([&] { return CheckInsOnAlex() == 1; }));
  v1::ListMembersResponse after;
  ASSERT_OK(v1::SpaceService::NewStub(alex_.channel())
                ->ListMembers(DaemonHarness::Context().get(), {}, &after));
  EXPECT_EQ(after.members_size(), 1 + static_cast<int>(kMaxDevicesPerMember));
  for (const auto& m : after.members()) EXPECT_NE(m.display_name(), "Alex (really Mallory)");
  stream.context.TryCancel();
}

}  // namespace
}  // namespace attune::testing
