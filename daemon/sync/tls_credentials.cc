#include "daemon/sync/tls_credentials.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include "daemon/vault/device_id.h"

namespace attune {
namespace {

using grpc::experimental::ExternalCertificateVerifier;
using grpc::experimental::IdentityKeyCertPair;
using grpc::experimental::StaticDataCertificateProvider;
using grpc::experimental::TlsCustomVerificationCheckRequest;

// Accepts a server certificate only if it holds the expected device key.
class PinnedDeviceVerifier : public ExternalCertificateVerifier {
 public:
  explicit PinnedDeviceVerifier(std::string expected) : expected_(std::move(expected)) {}
  bool Verify(TlsCustomVerificationCheckRequest* request, std::function<void(grpc::Status)>,
              grpc::Status* sync_status) override {
    grpc::string_ref pem = request->peer_cert();
    auto device = DeviceKeyOfCertificate(std::string_view(pem.data(), pem.size()));
    if (!device.ok() || *device != expected_) {
      *sync_status = grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                  "peer is not the device that was expected");
    } else {
      *sync_status = grpc::Status::OK;
    }
    return true;  // answered synchronously
  }
  void Cancel(TlsCustomVerificationCheckRequest*) override {}

 private:
  std::string expected_;
};

// The listener takes any well-formed certificate; the RPC decides.
class AnyDeviceVerifier : public ExternalCertificateVerifier {
 public:
  bool Verify(TlsCustomVerificationCheckRequest* request, std::function<void(grpc::Status)>,
              grpc::Status* sync_status) override {
    grpc::string_ref pem = request->peer_cert();
    auto device = DeviceKeyOfCertificate(std::string_view(pem.data(), pem.size()));
    *sync_status = device.ok() ? grpc::Status::OK
                               : grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                              "peer certificate holds no device key");
    return true;
  }
  void Cancel(TlsCustomVerificationCheckRequest*) override {}
};

std::shared_ptr<StaticDataCertificateProvider> Provider(const TlsIdentity& identity) {
  std::vector<IdentityKeyCertPair> pairs = {{identity.private_key_pem, identity.certificate_pem}};
  return std::make_shared<StaticDataCertificateProvider>(pairs);
}

}  // namespace

std::shared_ptr<grpc::ServerCredentials> PeerServerCredentials(const TlsIdentity& identity) {
  grpc::experimental::TlsServerCredentialsOptions options(Provider(identity));
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_BUT_DONT_VERIFY);
  options.set_certificate_verifier(ExternalCertificateVerifier::Create<AnyDeviceVerifier>());
  return grpc::experimental::TlsServerCredentials(options);
}

std::string PeerTargetName(const std::string&) { return kPeerTlsName; }

std::shared_ptr<grpc::ChannelCredentials> PeerChannelCredentials(
    const TlsIdentity& identity, const std::string& expected_device) {
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(Provider(identity));
  options.watch_identity_key_cert_pairs();
  options.set_verify_server_certs(false);  // no CA: the pin below decides
  options.set_check_call_host(false);
  options.set_certificate_verifier(
      ExternalCertificateVerifier::Create<PinnedDeviceVerifier>(expected_device));
  return grpc::experimental::TlsCredentials(options);
}

absl::StatusOr<std::string> PeerDevice(const grpc::ServerContext& context) {
  auto auth = context.auth_context();
  if (auth == nullptr) return absl::UnauthenticatedError("no TLS peer");
  auto certs = auth->FindPropertyValues("x509_pem_cert");
  if (certs.empty()) return absl::UnauthenticatedError("the peer sent no certificate");
  return DeviceKeyOfCertificate(std::string_view(certs[0].data(), certs[0].size()));
}

}  // namespace attune
