// Bad input at the peer port (tests/BAD_INPUT.md): malformed pairing, a
// wrong Hello, forged member certificates, bad ops one by one.
#include "bad_input_support.h"
#include "tests/support/test_plugin.h"

namespace attune::testing {
namespace {

class PeerBadInputTest : public BadInputTest {
 protected:
  void SetUp() override {
    StartAndInit({"--peer-listen", "127.0.0.1:0"});
    v1::Invite invite;
    ASSERT_OK(v1::SpaceService::NewStub(d_.channel())
                  ->CreateInvite(Ctx().get(), v1::CreateInviteRequest(), &invite));
    auto code = DecodeInviteCode(invite.code());
    ASSERT_TRUE(code.ok());
    code_ = *code;
  }
  std::shared_ptr<grpc::Channel> Channel(const KeySet& me) {
    auto identity = MakeTlsIdentity(me);
    EXPECT_TRUE(identity.ok());
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetSslTargetNameOverride(PeerTargetName(code_.inviter_device()));
    return grpc::CreateCustomChannel(
        code_.addresses(0), PeerChannelCredentials(*identity, code_.inviter_device()), args);
  }
  v1::PairRequest GoodPair(const KeySet& me) {
    v1::PairRequest r;
    r.set_invite_id(code_.invite_id());
    r.set_joiner_device(me.device_public_key);
    r.set_joiner_member(me.member_id);
    r.set_joiner_display_name("Mallory");
    r.set_mac(
        InviteMac(code_.secret(), code_.inviter_device(), me.device_public_key, code_.invite_id()));
    return r;
  }
  // Pairs `me_` for real; returns its keys in the daemon's space.
  std::shared_ptr<KeySet> Join(v1::PairResponse* paired) {
    EXPECT_OK(v1::PeerService::NewStub(Channel(*me_))->Pair(Ctx().get(), GoodPair(*me_), paired));
    unsigned char curve_pk[32];
    SecretBytes curve_sk(32), space_key(32);
    EXPECT_EQ(crypto_sign_ed25519_pk_to_curve25519(
                  curve_pk, reinterpret_cast<const unsigned char*>(me_->device_public_key.data())),
              0);
    EXPECT_EQ(crypto_sign_ed25519_sk_to_curve25519(curve_sk.data(), me_->device_secret_key.data()),
              0);
    EXPECT_EQ(crypto_box_seal_open(
                  space_key.data(),
                  reinterpret_cast<const unsigned char*>(paired->sealed_space_key().data()),
                  paired->sealed_space_key().size(), curve_pk, curve_sk.data()),
              0);
    return KeysInSpace(*me_, paired->space_id(), space_key);
  }
  v1::InviteCode code_;
  std::shared_ptr<const KeySet> me_ = NewKeys("Mallory");
};

TEST_F(PeerBadInputTest, PairRefusesMalformedRequestsAndAJoinerWhoIsNotItsTlsKey) {
  auto stub = v1::PeerService::NewStub(Channel(*me_));
  auto pair = [&](std::function<void(v1::PairRequest*)> edit) {
    return [this, &stub, edit] {
      v1::PairRequest r = GoodPair(*me_);
      edit(&r);
      v1::PairResponse out;
      return stub->Pair(Ctx().get(), r, &out);
    };
  };
  auto other = NewKeys("Other");
  ExpectAllRefused(
      d_,
      {
          {"invite id of 15 bytes",
           pair([](v1::PairRequest* r) { r->set_invite_id(std::string(15, 'i')); }),
           Code::INVALID_ARGUMENT, "malformed pairing request"},
          {"member id of 3 bytes", pair([](v1::PairRequest* r) { r->set_joiner_member("abc"); }),
           Code::INVALID_ARGUMENT, "malformed pairing request"},
          {"empty display name", pair([](v1::PairRequest* r) { r->set_joiner_display_name(""); }),
           Code::INVALID_ARGUMENT, "malformed pairing request"},
          {"display name of 65",
           pair([](v1::PairRequest* r) { r->set_joiner_display_name(std::string(65, 'n')); }),
           Code::INVALID_ARGUMENT, "malformed pairing request"},
          {"display name with an escape sequence",
           pair([](v1::PairRequest* r) { r->set_joiner_display_name("Sam\x1b[2K\x1b[1AAlex"); }),
           Code::INVALID_ARGUMENT, "malformed pairing request"},
          {"a joiner key that is not its TLS key",
           pair([&](v1::PairRequest* r) { r->set_joiner_device(other->device_public_key); }),
           Code::PERMISSION_DENIED, "the joiner's key is not its TLS key"},
          {"an invite id never handed out",
           pair([](v1::PairRequest* r) { r->set_invite_id(std::string(16, 'u')); }),
           Code::PERMISSION_DENIED, "unknown or was used already"},
      });
  // None of these used up the invite: the right request still pairs.
  v1::PairResponse paired;
  ASSERT_OK(stub->Pair(Ctx().get(), GoodPair(*me_), &paired));
  v1::ListMembersResponse members;
  ASSERT_OK(v1::SpaceService::NewStub(d_.channel())
                ->ListMembers(Ctx().get(), v1::ListMembersRequest(), &members));
  EXPECT_EQ(members.members_size(), 2);
}

TEST_F(PeerBadInputTest, PairIsRefusedWhileLocked) {
  ASSERT_OK(d_.Lock());
  ExpectAllRefused(
      d_,
      {{"pair while locked",
        [this] {
          v1::PairResponse out;
          return v1::PeerService::NewStub(Channel(*me_))->Pair(Ctx().get(), GoodPair(*me_), &out);
        },
        Code::FAILED_PRECONDITION, "attune unlock"}});
  ASSERT_OK(d_.Unlock(kPassphrase));
  v1::PairResponse paired;
  EXPECT_OK(v1::PeerService::NewStub(Channel(*me_))->Pair(Ctx().get(), GoodPair(*me_), &paired));
}

// The first message of a Sync stream: a Hello that is wrong in one way.
grpc::Status SyncWithFirstMessage(std::shared_ptr<grpc::Channel> channel,
                                  const v1::SyncMessage& first, bool* got_reply) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = v1::PeerService::NewStub(channel)->Sync(&context);
  stream->Write(first);
  stream->WritesDone();
  v1::SyncMessage reply;
  *got_reply = stream->Read(&reply);
  return stream->Finish();
}

TEST_F(PeerBadInputTest, SyncRefusesAWrongHelloBeforeAnyDataMoves) {
  v1::PairResponse paired;
  auto member = Join(&paired);
  auto hello = [&](std::function<void(v1::Hello*)> edit) {
    v1::SyncMessage m;
    v1::Hello* h = m.mutable_hello();
    h->set_protocol_version(1);
    h->set_space_id(member->space_id);
    h->set_device(member->device_public_key);
    for (const auto& c : paired.members()) *h->add_members() = c;
    edit(h);
    return m;
  };
  v1::SyncMessage ops_first;
  ops_first.mutable_ops();
  struct SyncCase {
    std::string what;
    v1::SyncMessage first;
    Code code;
    std::string says;
  };
  std::vector<SyncCase> cases = {
      {"protocol version 2", hello([](v1::Hello* h) { h->set_protocol_version(2); }),
       Code::FAILED_PRECONDITION, "peer speaks sync protocol 2"},
      {"a Hello naming another device",
       hello([&](v1::Hello* h) { h->set_device(me_->device_public_key + "x"); }),
       Code::PERMISSION_DENIED, "names another device than TLS proved"},
      {"a Hello of another space", hello([](v1::Hello* h) { h->set_space_id("elsewhere"); }),
       Code::PERMISSION_DENIED, "in another space"},
      {"ops before any Hello", ops_first, Code::UNAVAILABLE, "sent no Hello"},
  };
  const std::string before = Snapshot(d_);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    bool got_reply = true;
    grpc::Status s = SyncWithFirstMessage(Channel(*member), c.first, &got_reply);
    EXPECT_FALSE(got_reply) << "the daemon answered a bad first message";
    EXPECT_EQ(s.error_code(), c.code) << Describe(s);
    EXPECT_THAT(s.error_message(), HasSubstr(c.says));
    EXPECT_EQ(Snapshot(d_), before);
  }
  // The right Hello is answered.
  bool got_reply = false;
  SyncWithFirstMessage(Channel(*member), hello([](v1::Hello*) {}), &got_reply);
  EXPECT_TRUE(got_reply);
}

// Member certificates that do not chain back to the founder: one a stranger
// signed for itself, one it signed claiming the founder added it.
TEST_F(PeerBadInputTest, ForgedMemberCertificatesAreNotMerged) {
  v1::PairResponse paired;
  auto member = Join(&paired);
  auto stranger = NewKeys("Eve");
  auto forged = [&](const std::string& added_by) {
    v1::MemberCertBody body;
    body.set_space_id(member->space_id);
    body.set_device(stranger->device_public_key);
    body.set_member_id(stranger->member_id);
    body.set_display_name("Eve");
    body.set_added_by(added_by);
    body.set_added_at_ms(1);
    return SignMemberCert(body, *stranger);
  };
  grpc::ClientContext context;
  auto stream = v1::PeerService::NewStub(Channel(*member))->Sync(&context);
  v1::SyncMessage hello;
  hello.mutable_hello()->set_protocol_version(1);
  hello.mutable_hello()->set_space_id(member->space_id);
  hello.mutable_hello()->set_device(member->device_public_key);
  for (const auto& c : paired.members()) *hello.mutable_hello()->add_members() = c;
  *hello.mutable_hello()->add_members() = forged(stranger->device_public_key);
  ASSERT_TRUE(stream->Write(hello));
  v1::SyncMessage reply;
  ASSERT_TRUE(stream->Read(&reply))
      << "a forged extra certificate must not cost the member its sync";
  v1::SyncMessage members;
  *members.mutable_members()->add_members() = forged(code_.inviter_device());
  *members.mutable_members()->add_members() = forged(stranger->device_public_key);
  // A certificate a real member signed, for a device whose name carries an
  // escape sequence: the chain holds, the name does not.
  auto named = NewKeys("Mallory");
  v1::MemberCertBody escaped;
  escaped.set_space_id(member->space_id);
  escaped.set_device(named->device_public_key);
  escaped.set_member_id(named->member_id);
  escaped.set_display_name("Mallory\x1b[2K\x1b]0;owned\x07");
  escaped.set_added_by(member->device_public_key);
  escaped.set_added_at_ms(1);
  *members.mutable_members()->add_members() = SignMemberCert(escaped, *member);
  ASSERT_TRUE(stream->Write(members));
  // A good op after them is taken: the stream went on, and the forged
  // certificates were looked at before it.
  v1::SyncMessage good;
  *good.mutable_ops()->add_ops() =
      CraftedCheckInOp(*member, 1, 'b', [](v1::OpHeader*, v1::OpBody*) {});
  ASSERT_TRUE(stream->Write(good));
  EXPECT_TRUE(Eventually([&] { return ListAllCheckIns(d_).size() == 1; }));
  v1::ListMembersResponse list;
  ASSERT_OK(v1::SpaceService::NewStub(d_.channel())
                ->ListMembers(Ctx().get(), v1::ListMembersRequest(), &list));
  EXPECT_EQ(list.members_size(), 2) << list.DebugString();
  for (const auto& m : list.members()) {
    EXPECT_NE(m.display_name(), "Eve");
    EXPECT_EQ(m.display_name().find('\x1b'), std::string::npos);
  }
  context.TryCancel();
}

TEST_F(PeerBadInputTest, SyncRefusesBadOpsOneByOneAndTheStreamGoesOn) {
  v1::PairResponse paired;
  auto member = Join(&paired);
  grpc::ClientContext context;
  auto stream = v1::PeerService::NewStub(Channel(*member))->Sync(&context);
  v1::SyncMessage hello;
  hello.mutable_hello()->set_protocol_version(1);
  hello.mutable_hello()->set_space_id(member->space_id);
  hello.mutable_hello()->set_device(member->device_public_key);
  for (const auto& c : paired.members()) *hello.mutable_hello()->add_members() = c;
  ASSERT_TRUE(stream->Write(hello));
  v1::SyncMessage reply;
  ASSERT_TRUE(stream->Read(&reply));
  ASSERT_TRUE(reply.has_hello());
  const std::string before = Snapshot(d_);

  auto stranger = NewKeys("Stranger");
  struct OpCase {
    std::string what;
    v1::Op op;
    std::string logged;
  };
  std::vector<OpCase> cases = {
      {"of another space",
       CraftedCheckInOp(*member, 1, 'b',
                        [](v1::OpHeader* h, v1::OpBody*) { h->set_space_id("other"); }),
       "op of another space"},
      {"a private op",
       CraftedCheckInOp(
           *member, 1, 'b',
           [](v1::OpHeader* h, v1::OpBody*) { h->set_visibility(v1::VISIBILITY_PRIVATE); }),
       "a private op travels only among its author's own devices"},
      {"of an unknown key epoch",
       CraftedCheckInOp(*member, 1, 'b', [](v1::OpHeader* h, v1::OpBody*) { h->set_key_epoch(7); }),
       "op of unknown key epoch 7"},
      {"seq 0", CraftedCheckInOp(*member, 0, 'b', [](v1::OpHeader*, v1::OpBody*) {}),
       "op seq must start at 1"},
      {"by a device that is not a member",
       CraftedCheckInOp(*KeysInSpace(*stranger, member->space_id, member->space_key), 1, 'b',
                        [](v1::OpHeader*, v1::OpBody*) {}),
       "op author is not a member"},
      {"about a record of another member (editing or deleting what they wrote)",
       CraftedCheckInOp(
           *member, 1, 'b',
           [](v1::OpHeader*, v1::OpBody* b) { b->set_record_id(std::string(kRawIdBytes, 'z')); }),
       "only a record's author may change it"},
      {"naming another member as its author (writing as them)",
       CraftedCheckInOp(*member, 1, 'b',
                        [](v1::OpHeader*, v1::OpBody* b) {
                          b->mutable_record()->mutable_check_in()->set_author(
                              ToHex(std::string(kRawIdBytes, 'z')));
                          b->mutable_record()->mutable_check_in()->set_visibility(
                              v1::VISIBILITY_PRIVATE);
                        }),
       "op names an author other than the member of the device that signed it"},
      {"clocked a day ahead of this device",
       CraftedCheckInOp(*member, 1, 'b',
                        [](v1::OpHeader* h, v1::OpBody*) {
                          h->set_hlc(h->hlc() + (uint64_t{24 * 3600 * 1000} << 16));
                        }),
       "s ahead of this device's (at most 300 s allowed)"},
      {"over 256 KiB",
       CraftedCheckInOp(*member, 1, 'b',
                        [](v1::OpHeader*, v1::OpBody* b) {
                          b->mutable_record()->mutable_check_in()->set_note(
                              std::string(300 << 10, 'n'));
                        }),
       "bytes is over the limit"},
  };
  v1::Op garbage = CraftedCheckInOp(*member, 1, 'b', [](v1::OpHeader*, v1::OpBody*) {});
  garbage.set_header(std::string("\x0a\x7f", 2));  // a field 127 bytes long, cut off
  cases.push_back({"a header that does not parse", garbage, "op header does not parse"});
  v1::Op padded = CraftedCheckInOp(*member, 1, 'b', [](v1::OpHeader*, v1::OpBody*) {});
  padded.GetReflection()->MutableUnknownFields(&padded)->AddLengthDelimited(15, "padding");
  cases.push_back({"padded with a field outside the signature", padded,
                   "carries fields outside the signature"});
  v1::Op unsigned_op = CraftedCheckInOp(*member, 1, 'b', [](v1::OpHeader*, v1::OpBody*) {});
  unsigned_op.clear_signature();
  cases.push_back({"without a signature", unsigned_op, "op carries no signature"});

  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    v1::SyncMessage batch;
    *batch.mutable_ops()->add_ops() = c.op;
    ASSERT_TRUE(stream->Write(batch));
    std::string log;
    EXPECT_TRUE(Eventually([&] {
      log = d_.StderrSinceStart();
      return log.find(c.logged) != std::string::npos;
    })) << log;
    EXPECT_EQ(Snapshot(d_), before);
  }
  // The same stream still takes a good op.
  v1::SyncMessage good;
  *good.mutable_ops()->add_ops() =
      CraftedCheckInOp(*member, 1, 'b', [](v1::OpHeader*, v1::OpBody*) {});
  ASSERT_TRUE(stream->Write(good));
  EXPECT_TRUE(Eventually([&] { return ListAllCheckIns(d_).size() == 1; }));
  context.TryCancel();
}

// ---------------------------------------------------------------------------
// The command line, attuned's flags and the environment
// ---------------------------------------------------------------------------

}  // namespace
}  // namespace attune::testing
