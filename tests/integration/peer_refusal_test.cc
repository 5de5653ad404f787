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
#include "daemon/sync/invites.h"
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
        body->mutable_record()->mutable_check_in()->set_author("f00d");
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
    ASSERT_OK(v1::Peer::NewStub(channel)->Pair(DaemonHarness::Context().get(), request, &paired_));
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
  auto stream = v1::Peer::NewStub(channel)->Sync(&context);
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
  auto stub = v1::Peer::NewStub(PeerChannel(*mallory_, address_, code_.inviter_device()));
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
  auto stream = v1::Peer::NewStub(channel)->Sync(&context);
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

}  // namespace
}  // namespace attune::testing
