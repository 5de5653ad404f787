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

// Accepts a server certificate only if the device key it holds is the one
// expected; tells `seen` (when given) which key that was.
class PinnedDeviceVerifier : public ExternalCertificateVerifier {
 public:
  PinnedDeviceVerifier(std::function<bool(const std::string&)> accepts,
                       std::shared_ptr<SeenDevice> seen)
      : accepts_(std::move(accepts)), seen_(std::move(seen)) {}
  bool Verify(TlsCustomVerificationCheckRequest* request, std::function<void(grpc::Status)>,
              grpc::Status* sync_status) override {
    grpc::string_ref pem = request->peer_cert();
    auto device = DeviceKeyOfCertificate(std::string_view(pem.data(), pem.size()));
    const bool accepted = device.ok() && accepts_(*device);
    if (seen_ != nullptr) seen_->Saw(device.ok() ? *device : "", accepted);
    *sync_status = accepted ? grpc::Status::OK
                            : grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                           "peer is not the device that was expected");
    return true;  // answered synchronously
  }
  void Cancel(TlsCustomVerificationCheckRequest*) override {}

 private:
  std::function<bool(const std::string&)> accepts_;
  std::shared_ptr<SeenDevice> seen_;
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

// This device's key and certificate, and `root` as the only root (none when
// empty). A dialer names its own certificate as root: no certificate is
// checked against it (verify_server_certs is off; the pin decides), but
// without any root gRPC reads and parses the system's whole CA bundle when
// the first channel is made, which cost a joining device three quarters as
// many instructions as taking 2,000 ops.
std::shared_ptr<StaticDataCertificateProvider> Provider(const TlsIdentity& identity,
                                                        const std::string& root = "") {
  std::vector<IdentityKeyCertPair> pairs = {{identity.private_key_pem, identity.certificate_pem}};
  return std::make_shared<StaticDataCertificateProvider>(root, pairs);
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

namespace {

std::shared_ptr<grpc::ChannelCredentials> Pinned(const TlsIdentity& identity,
                                                 std::function<bool(const std::string&)> accepts,
                                                 std::shared_ptr<SeenDevice> seen) {
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(Provider(identity, identity.certificate_pem));
  options.watch_identity_key_cert_pairs();
  options.watch_root_certs();
  options.set_verify_server_certs(false);  // no CA: the pin below decides
  options.set_check_call_host(false);
  options.set_certificate_verifier(ExternalCertificateVerifier::Create<PinnedDeviceVerifier>(
      std::move(accepts), std::move(seen)));
  return grpc::experimental::TlsCredentials(options);
}

}  // namespace

std::shared_ptr<grpc::ChannelCredentials> PeerChannelCredentials(
    const TlsIdentity& identity, const std::string& expected_device) {
  return Pinned(
      identity, [expected_device](const std::string& device) { return device == expected_device; },
      nullptr);
}

std::shared_ptr<grpc::ChannelCredentials> PeerChannelCredentialsFor(
    const TlsIdentity& identity, std::function<bool(const std::string&)> accepts,
    std::shared_ptr<SeenDevice> seen) {
  return Pinned(identity, std::move(accepts), std::move(seen));
}

void SeenDevice::Saw(const std::string& device, bool accepted) {
  absl::MutexLock lock(&mu_);
  if (accepted) {
    accepted_ = device;
  } else {
    refused_ = true;
  }
}

std::string SeenDevice::Accepted() const {
  absl::MutexLock lock(&mu_);
  return accepted_;
}

bool SeenDevice::RefusedOne() const {
  absl::MutexLock lock(&mu_);
  return refused_;
}

absl::StatusOr<std::string> PeerDevice(const grpc::ServerContext& context) {
  auto auth = context.auth_context();
  if (auth == nullptr) return absl::UnauthenticatedError("no TLS peer");
  auto certs = auth->FindPropertyValues("x509_pem_cert");
  if (certs.empty()) return absl::UnauthenticatedError("the peer sent no certificate");
  return DeviceKeyOfCertificate(std::string_view(certs[0].data(), certs[0].size()));
}

}  // namespace attune
