#include "daemon/sync/tls_credentials.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "attune/v1/sync.grpc.pb.h"
#include "tests/support/test_keys.h"

namespace attune {
namespace {

// A Peer service whose Pair answers with the caller's device key, so the test
// can see what the listener learned from TLS.
class EchoPeer : public v1::PeerService::Service {
 public:
  grpc::Status Pair(grpc::ServerContext* context, const v1::PairRequest*,
                    v1::PairResponse* response) override {
    auto device = PeerDevice(*context);
    if (!device.ok()) return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "none");
    response->set_space_id(*device);
    return grpc::Status::OK;
  }
};

class TlsCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto identity = MakeTlsIdentity(*server_keys_);
    ASSERT_TRUE(identity.ok());
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", PeerServerCredentials(*identity), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override { server_->Shutdown(std::chrono::system_clock::now()); }

  grpc::Status Call(const KeySet& client, const std::string& pinned, v1::PairResponse* response) {
    auto identity = MakeTlsIdentity(client);
    EXPECT_TRUE(identity.ok());
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port_),
                                             PeerChannelCredentials(*identity, pinned), args);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::PairRequest request;
    return v1::PeerService::NewStub(channel)->Pair(&context, request, response);
  }

  std::shared_ptr<const KeySet> server_keys_ = testing::NewKeys("Alex");
  std::shared_ptr<const KeySet> client_keys_ = testing::NewKeys("Sam");
  EchoPeer service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(TlsCredentialsTest, PinnedPeersMeetAndLearnEachOthersDeviceKey) {
  v1::PairResponse response;
  grpc::Status s = Call(*client_keys_, server_keys_->device_public_key, &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.space_id(), client_keys_->device_public_key);
}

TEST_F(TlsCredentialsTest, AListenerWithAnotherKeyIsRefused) {
  auto stranger = testing::NewKeys("Mallory");
  v1::PairResponse response;
  grpc::Status s = Call(*client_keys_, stranger->device_public_key, &response);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(response.space_id().empty());
}

TEST(TlsIdentityTest, CertificateCarriesTheDeviceKey) {
  auto keys = testing::NewKeys();
  auto identity = MakeTlsIdentity(*keys);
  ASSERT_TRUE(identity.ok());
  auto device = DeviceKeyOfCertificate(identity->certificate_pem);
  ASSERT_TRUE(device.ok());
  EXPECT_EQ(*device, keys->device_public_key);
  EXPECT_FALSE(DeviceKeyOfCertificate("not a certificate").ok());
}

// What a network observer sees of the handshake names no device: the server
// name a dialer sends is the same for every device, and so is the name in
// every certificate (the key inside is what is pinned).
TEST(TlsIdentityTest, NamesOnTheWireAreTheSameForEveryDevice) {
  auto a = testing::NewKeys(), b = testing::NewKeys();
  EXPECT_EQ(PeerTargetName(a->device_public_key), PeerTargetName(b->device_public_key));
  EXPECT_EQ(PeerTargetName(a->device_public_key), kPeerTlsName);
  for (const auto& keys : {a, b}) {
    auto identity = MakeTlsIdentity(*keys);
    ASSERT_TRUE(identity.ok());
    BIO* bio = BIO_new_mem_buf(identity->certificate_pem.data(),
                               static_cast<int>(identity->certificate_pem.size()));
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    ASSERT_NE(cert, nullptr);
    char subject[256];
    X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
    X509_free(cert);
    EXPECT_EQ(std::string(subject), std::string("/CN=") + kPeerTlsName);
  }
}

}  // namespace
}  // namespace attune
