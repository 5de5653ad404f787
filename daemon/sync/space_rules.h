// The rules of space changes (sync.proto, SpaceChange): who may remove a
// device, which removals count, who is a member after them, which key
// epoch new ops are sealed under, and making a change. One place, used by
// the membership (what every receiving daemon believes), the peer manager
// (attune device remove) and the op checks.
//
// Pure functions over immutable inputs; thread-safe.
#ifndef ATTUNE_DAEMON_SYNC_SPACE_RULES_H_
#define ATTUNE_DAEMON_SYNC_SPACE_RULES_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "attune/v1/sync.pb.h"
#include "daemon/vault/keys.h"

namespace attune {

// A change whose body parsed, kept beside it.
struct ParsedChange {
  v1::SpaceChange change;
  v1::SpaceChangeBody body;
};

// What a set of changes means, over the certified devices (every device
// whose certificate chain leads to the founder, removed or not).
struct SpaceView {
  // Devices removed by a change that counts.
  std::set<std::string> removed;
  // For each removed device: the last shared and private seq of its ops
  // that stay (the highest any counting removal kept).
  std::map<std::string, std::pair<uint64_t, uint64_t>> last_seqs;
  // For each removed device: the devices whose certificate or removal
  // signed by it still counts.
  std::map<std::string, std::set<std::string>> kept;
  // Likewise, the devices whose removal by it still counts.
  std::map<std::string, std::set<std::string>> kept_removals;
  // Devices that are members now: certified, not removed, and not added by
  // a removed device after its removal (a device it added counts only when
  // its removal lists it in `kept`).
  std::set<std::string> members;
  // For each device: the devices it removed by a change that counts.
  std::map<std::string, std::set<std::string>> removed_by;
  // Devices removed by a device of their own person (OwnPersonRemovals):
  // a partner may remove the last of that person's others.
  std::set<std::string> let_go;
  // The changes that count (index into the input).
  std::vector<size_t> counting;
  // The highest key epoch any well-formed change started (ops of epochs up
  // to this one are taken).
  uint32_t max_epoch = 0;
  // Whether the newest epoch's keys reached a device removed since (two
  // removals crossed, or a removal carried no keys): a member then starts a
  // new epoch (MakeSpaceChange with no device).
  bool needs_new_epoch = false;
};

// Parses, and keeps the changes of `space_id` that are well formed, signed
// by a certified device, within kMaxChangesPerSigner, and allowed
// (WhyMayNotRemove); drops the rest. What is kept is the signed body and
// signature only.
std::vector<ParsedChange> WellFormedChanges(const std::string& space_id,
                                            const std::map<std::string, v1::MemberCertBody>& certs,
                                            const std::vector<v1::SpaceChange>& changes);

// Whether `by` may remove `device`: itself, a device of the same person, or
// any member's device when every other device of that person is in
// `let_go` (OwnPersonRemovals: devices their own person removed). No time
// counts: a signer's clock is its own to set. Empty when allowed; why not
// otherwise.
std::string WhyMayNotRemove(const std::map<std::string, v1::MemberCertBody>& certs,
                            const std::string& by, const std::string& device,
                            const std::set<std::string>& let_go = {});

// The devices removed by a device of their own person, in `changes`.
std::set<std::string> OwnPersonRemovals(const std::map<std::string, v1::MemberCertBody>& certs,
                                        const std::vector<ParsedChange>& changes);

// At most this many changes of any one device count (those with the lowest
// signatures): far above what an honest device makes.
inline constexpr size_t kMaxChangesPerSigner = 16;

// Evaluates well-formed changes (see sync.proto, SpaceChange, for the rules).
SpaceView Evaluate(const std::map<std::string, v1::MemberCertBody>& certs,
                   const std::vector<ParsedChange>& changes);

// Makes a change signed by `keys`' device: removes `device` (empty for a
// new key epoch only) and starts epoch view.max_epoch + 1 with new random
// keys, the space key sealed to every member but the removed device, and a
// new personal key to this person's remaining devices when the removed
// device was this person's (the current one otherwise). FAILED_PRECONDITION
// when this device may not remove it (WhyMayNotRemove) or is not a member.
// With `start_epoch` false (leaving: the leaver must not know the next
// key), the removal carries no keys, and the others start the epoch
// (SpaceView::needs_new_epoch).
absl::StatusOr<v1::SpaceChange> MakeSpaceChange(
    const KeySet& keys, const std::map<std::string, v1::MemberCertBody>& certs,
    const SpaceView& view, const std::string& device, uint64_t last_shared_seq,
    uint64_t last_private_seq, uint64_t now_ms, bool start_epoch = true);

// The keyring of later epochs for `keys`' device: every key sealed to it
// by a well-formed change of its space or by a pairing grant (`granted`),
// and the epoch to seal under: the newest started by a counting change that
// reached no removed device and that this device holds a key of (a grant's
// counts too while no change of the space is known: a device that just
// joined). `view` is Evaluate(…, changes); changes of another space (the
// one a joining device leaves) are passed over.
std::shared_ptr<const EpochKeyring> BuildKeyring(const KeySet& keys,
                                                 const std::vector<ParsedChange>& changes,
                                                 const SpaceView& view,
                                                 const std::vector<v1::SealedEpochKey>& granted);

// The keys of every epoch in `ring` (may be null: none), sealed to
// `device`, the sealing key of each epoch first; personal keys too when
// `own` (another device of the ring's person). False when the device key
// does not convert.
bool SealEpochKeys(const EpochKeyring* ring, const std::string& device, bool own,
                   google::protobuf::RepeatedPtrField<v1::SealedEpochKey>* out);

// Seals `key` to a device's Ed25519 public key (crypto_box_seal after the
// conversion to X25519); false when the device key does not convert.
bool SealKeyToDevice(const SecretBytes& key, const std::string& device, std::string* out);

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_SPACE_RULES_H_
