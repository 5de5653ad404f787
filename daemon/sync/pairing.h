// Pairing in both roles, apart from the network: what the inviter checks and
// answers when a joiner redeems an invite, and what the joiner asks and opens.
// PeerManager carries these over the peer port (Peer.Pair) and does the rest
// (addresses, dialers, adopting the space). Thread-safe as the InviteBook and
// Membership passed in are.
#ifndef ATTUNE_DAEMON_SYNC_PAIRING_H_
#define ATTUNE_DAEMON_SYNC_PAIRING_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "attune/v1/sync.pb.h"
#include "daemon/sync/invites.h"
#include "daemon/sync/membership.h"
#include "daemon/vault/keys.h"
#include "daemon/vault/secret.h"

namespace attune {

// The inviter's side of Peer.Pair, for a joiner whose TLS key is
// `tls_device`: checks the request's shape and that it speaks for that key,
// redeems the invite (InviteBook::Redeem checks the MAC and burns it), adds
// the joiner to `members` under a certificate this device signs, and fills
// `response` with the space, its key sealed to the joiner's device and the
// member list. A joiner that links a device of this device's own person
// (request.link_own_device, on an invite made for that) is certified under
// this person's member id and name, and gets the personal key too, sealed
// to its device; a partner's device never does. PERMISSION_DENIED for a joiner that is not its TLS
// key or a proof that fails; INVALID_ARGUMENT for a malformed request or a device key that cannot
// be sealed to (checked after the proof, which spends the invite). No member is added when it
// fails.
absl::Status AdmitJoiner(const KeySet& keys, const std::string& tls_device,
                         const v1::PairRequest& request, absl::Time now, InviteBook* invites,
                         Membership* members, v1::PairResponse* response);

// The joiner's checks before dialing: not this device's own invite, not
// expired, this device is not in a space with other members already, and a
// long code was made for what the joiner asks (`own_device`: linking).
absl::Status CheckCanJoin(const KeySet& keys, const v1::InviteCode& code, absl::Time now,
                          const Membership& members, bool own_device = false);

// What the joiner sends for `code`: its device, member and name, whether it
// links a device of the inviter's person, and the proof that it holds the
// invite's secret.
v1::PairRequest JoinRequest(const KeySet& keys, const v1::InviteCode& code,
                            bool own_device = false);

// A key the inviter sealed to this device (`what` names it in the error).
absl::StatusOr<SecretBytes> OpenSealedKey(const KeySet& keys, const std::string& sealed,
                                          std::string_view what = "space key");
inline absl::StatusOr<SecretBytes> OpenSpaceKey(const KeySet& keys, const std::string& sealed) {
  return OpenSealedKey(keys, sealed);
}

// Where the joiner will reach the inviter: the addresses the answer names,
// else the invite's; any that is long or holds a control character dropped
// (`attune peers` shows them).
std::vector<std::string> InviterAddresses(const v1::PairResponse& response,
                                          const v1::InviteCode& code);

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_PAIRING_H_
