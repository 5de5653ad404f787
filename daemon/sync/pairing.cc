#include "daemon/sync/pairing.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"
#include "daemon/records/validation.h"
#include "daemon/sync/short_invite.h"
#include "daemon/sync/space_rules.h"

namespace attune {
namespace {}  // namespace

absl::StatusOr<SecretBytes> OpenSealedKey(const KeySet& keys, const std::string& sealed,
                                          std::string_view what) {
  if (sealed.size() != kSymmetricKeyBytes + crypto_box_SEALBYTES) {
    return absl::InvalidArgumentError(
        absl::StrCat("the sealed ", std::string(what), " has the wrong length"));
  }
  SecretBytes curve_sk(crypto_box_SECRETKEYBYTES);
  unsigned char curve_pk[crypto_box_PUBLICKEYBYTES];
  if (crypto_sign_ed25519_sk_to_curve25519(curve_sk.data(), keys.device_secret_key.data()) != 0 ||
      crypto_sign_ed25519_pk_to_curve25519(
          curve_pk, reinterpret_cast<const unsigned char*>(keys.device_public_key.data())) != 0) {
    return absl::InternalError("this device's key does not convert for sealing");
  }
  SecretBytes key(kSymmetricKeyBytes);
  if (crypto_box_seal_open(key.data(), reinterpret_cast<const unsigned char*>(sealed.data()),
                           sealed.size(), curve_pk, curve_sk.data()) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", std::string(what), " was not sealed to this device"));
  }
  return key;
}

absl::Status AdmitJoiner(const KeySet& keys, const std::string& tls_device,
                         const v1::PairRequest& request, absl::Time now, InviteBook* invites,
                         Membership* members, v1::PairResponse* response) {
  if (request.joiner_device() != tls_device) {
    return absl::PermissionDeniedError("the joiner's key is not its TLS key");
  }
  // A removed device stays removed, whatever invite it holds.
  if (members->IsRemoved(tls_device)) {
    return absl::PermissionDeniedError("this device was removed from the space");
  }
  if (request.invite_id().size() != 16 || request.joiner_member().size() != 16 ||
      request.joiner_display_name().empty() ||
      request.joiner_display_name().size() > v1::LIMIT_DISPLAY_NAME_CHARS ||
      !IsPlainText(request.joiner_display_name(), TextLines::kOne)) {
    return absl::InvalidArgumentError("malformed pairing request");
  }
  // The invite's proof first: a stranger without it costs one MAC check,
  // and wrong guesses burn the invite.
  const bool own = request.link_own_device();
  if (auto s = invites->Redeem(request.invite_id(), keys.device_public_key, tls_device,
                               request.mac(), now, own);
      !s.ok()) {
    return s;
  }
  // Sealed before the member is added: a key that cannot be sealed to adds
  // no member (the invite is spent either way).
  std::string sealed, sealed_personal;
  google::protobuf::RepeatedPtrField<v1::SealedEpochKey> epoch_keys;
  if (!SealKeyToDevice(keys.space_key, tls_device, &sealed) ||
      (own && !SealKeyToDevice(keys.personal_key, tls_device, &sealed_personal)) ||
      !SealEpochKeys(keys.epochs.get(), tls_device, own, &epoch_keys)) {
    return absl::InvalidArgumentError("the joiner's key is not a valid Ed25519 key");
  }
  // A partner is a new person: a member id the space has already would make
  // the joiner's device someone else's (it would get their private ops and
  // change their records).
  const std::string member_id = own ? keys.member_id : request.joiner_member();
  for (const auto& [device, existing] : members->CertBodies()) {
    if (!own && existing.member_id() == member_id && existing.device() != tls_device) {
      return absl::PermissionDeniedError("the joiner's member id is another person's already");
    }
    // A device already certified stays the device of the person it was
    // certified for (a retry of the same pairing is answered again).
    if (existing.device() == tls_device && existing.member_id() != member_id) {
      return absl::FailedPreconditionError(
          "this device is a member already, as another person's device");
    }
  }
  v1::MemberCertBody body;
  body.set_space_id(keys.space_id);
  body.set_device(tls_device);
  // A linked device is this person's: it writes as them, under their name.
  body.set_member_id(member_id);
  body.set_display_name(own ? keys.display_name : request.joiner_display_name());
  body.set_added_by(keys.device_public_key);
  body.set_added_at_ms(static_cast<uint64_t>(absl::ToUnixMillis(now)));
  auto merged = members->Merge(keys.space_id, {SignMemberCert(body, keys)});
  if (!merged.ok()) return merged.status();
  if (!members->IsMember(tls_device)) {
    return absl::ResourceExhaustedError(
        "the space or this person has as many devices as it may (remove one first)");
  }
  response->set_space_id(keys.space_id);
  response->set_key_epoch(keys.space_key_epoch);
  response->set_sealed_space_key(std::move(sealed));
  if (own) response->set_sealed_personal_key(std::move(sealed_personal));
  for (auto& c : members->All()) *response->add_members() = std::move(c);
  *response->mutable_epoch_keys() = std::move(epoch_keys);
  for (auto& c : members->Changes()) *response->add_changes() = std::move(c);
  return absl::OkStatus();
}

absl::Status CheckCanJoin(const KeySet& keys, const v1::InviteCode& code, absl::Time now,
                          const Membership& members, bool own_device) {
  if (code.inviter_device() == keys.device_public_key) {
    return absl::InvalidArgumentError("code: this is this device's own invite");
  }
  if (absl::FromUnixMillis(static_cast<int64_t>(code.expires_at_ms())) < now) {
    return absl::InvalidArgumentError("code: this invite has expired; ask for a new one");
  }
  // A device removed from its space may join another.
  for (const auto& body : members.Bodies()) {
    if (body.device() != keys.device_public_key && !members.IsRemoved(keys.device_public_key)) {
      return absl::FailedPreconditionError("this device is already in a space with other members");
    }
  }
  // A short code says nothing of its kind: the inviter checks it.
  if (code.invite_id() != ShortInviteId() && code.own_device() != own_device) {
    return WrongInviteRole(code.own_device());
  }
  return absl::OkStatus();
}

v1::PairRequest JoinRequest(const KeySet& keys, const v1::InviteCode& code, bool own_device) {
  v1::PairRequest request;
  request.set_invite_id(code.invite_id());
  request.set_joiner_device(keys.device_public_key);
  request.set_joiner_member(keys.member_id);
  request.set_joiner_display_name(keys.display_name);
  request.set_link_own_device(own_device);
  request.set_mac(
      InviteMac(code.secret(), code.inviter_device(), keys.device_public_key, code.invite_id()));
  return request;
}

std::vector<std::string> InviterAddresses(const v1::PairResponse& response,
                                          const v1::InviteCode& code) {
  std::vector<std::string> addresses(response.inviter_addresses().begin(),
                                     response.inviter_addresses().end());
  if (addresses.empty()) addresses.assign(code.addresses().begin(), code.addresses().end());
  std::erase_if(addresses, [](const std::string& a) {
    return a.size() > 300 || !IsPlainText(a, TextLines::kOne);
  });
  return addresses;
}

}  // namespace attune
