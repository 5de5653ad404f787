// Who belongs to the space: a set of member certificates (sync.proto,
// MemberCert), each signed by the device that added it, back to the founding
// device that signed its own, and the space changes (SpaceChange: removals,
// key epochs) that every daemon judges by space_rules.h. Kept in the meta
// column family, readable while the vault is locked, so signatures can be
// checked at any time.
//
// Thread-safe.
#ifndef ATTUNE_DAEMON_SYNC_MEMBERSHIP_H_
#define ATTUNE_DAEMON_SYNC_MEMBERSHIP_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "attune/v1/sync.pb.h"
#include "daemon/store/meta.h"
#include "daemon/sync/space_rules.h"
#include "daemon/vault/keys.h"

namespace attune {

// At most this many devices per person, and per space: a member's device
// cannot flood the space with certificates (each costs a stored member and
// a dial loop).
inline constexpr size_t kMaxDevicesPerMember = 8;
inline constexpr size_t kMaxDevicesPerSpace = 32;
// Space changes a space keeps, and made by any one device (each removal
// one, plus new epochs after crossed removals): far above what 32 devices
// need, and one device filling its share leaves the others theirs.
inline constexpr size_t kMaxSpaceChanges = kMaxDevicesPerSpace * kMaxChangesPerSigner;

// Signs a certificate for `body.device`, added by this device.
v1::MemberCert SignMemberCert(const v1::MemberCertBody& body, const KeySet& signer);

class Membership {
 public:
  // `db` must outlive this object.
  explicit Membership(Db* db)
      : saved_(db, LocalTable::kMembers),
        saved_changes_(db, LocalTable::kSpaceChanges),
        saved_grants_(db, LocalTable::kEpochGrants) {}
  // The membership of one space of the many a blind relay serves from one
  // database (LocalSettings' space-scoped tables).
  Membership(Db* db, std::string_view space)
      : saved_(db, LocalTable::kMembers, space),
        saved_changes_(db, LocalTable::kSpaceChanges, space),
        saved_grants_(db, LocalTable::kEpochGrants, space) {}

  // Reads the stored certificates and space changes. Call once before use.
  absl::Status Load();

  // Makes this device the founder of its own space (at init), unless a
  // certificate for it exists already.
  absl::Status EnsureFounder(const KeySet& keys, uint64_t now_ms);

  // Adds the certificates whose chain leads to the founder of `space_id`
  // and whose display name is plain text (IsPlainText, one line); others are
  // ignored. Replaces everything when `replace` (joining a space).
  // Returns the devices that were new.
  absl::StatusOr<std::vector<std::string>> Merge(const std::string& space_id,
                                                 const std::vector<v1::MemberCert>& certs,
                                                 bool replace = false);

  // Stores the well-formed changes of `space_id` (space_rules.h) not held
  // yet, durably, and judges the set again. Returns whether anything new
  // was stored (WellFormedChanges decides what is kept).
  absl::StatusOr<bool> MergeChanges(const std::string& space_id,
                                    const std::vector<v1::SpaceChange>& changes);
  // Epoch keys sealed to this device at pairing (PairResponse.epoch_keys),
  // replacing any earlier (a device joins one space at a time).
  absl::Status SaveGrants(const std::string& space_id,
                          const std::vector<v1::SealedEpochKey>& grants);
  // Those saved for `space_id`.
  std::vector<v1::SealedEpochKey> Grants(const std::string& space_id) const;

  // A device that is a member now: certified, not removed (SpaceView).
  bool IsMember(const std::string& device) const;
  // Removed by a change that counts.
  bool IsRemoved(const std::string& device) const;
  // The certificate of any device ever certified, removed ones included.
  std::optional<v1::MemberCertBody> Find(const std::string& device) const;
  // Every certificate held (removed devices' too: they anchor the chains).
  std::vector<v1::MemberCert> All() const;
  // The members now.
  std::vector<v1::MemberCertBody> Bodies() const;
  // Every certified device, removed ones included.
  std::map<std::string, v1::MemberCertBody> CertBodies() const;
  // The changes held, and what they mean.
  std::vector<v1::SpaceChange> Changes() const;
  SpaceView View() const;
  // The certificates, changes and view at one moment (View's indices are
  // into `changes`).
  struct Snapshot {
    std::map<std::string, v1::MemberCertBody> certs;
    std::vector<ParsedChange> changes;
    SpaceView view;
  };
  Snapshot Now() const;
  // The removed device's last shared and private seq that stay; nullopt
  // for a device not removed.
  std::optional<std::pair<uint64_t, uint64_t>> LastSeqsOf(const std::string& device) const;
  // The highest key epoch any held change started.
  uint32_t MaxEpoch() const;

 private:
  struct Entry {
    v1::MemberCert cert;
    v1::MemberCertBody body;
  };
  static bool MemberIdFits(const std::map<std::string, Entry>& valid,
                           const v1::MemberCertBody& body);
  // Judges changes_ again over members_ into view_.
  void Rejudge() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  LocalSettings saved_;
  LocalSettings saved_changes_;
  LocalSettings saved_grants_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry> members_ ABSL_GUARDED_BY(mu_);
  // Well-formed changes, by the name they are stored under.
  std::map<std::string, ParsedChange> changes_ ABSL_GUARDED_BY(mu_);
  std::vector<ParsedChange> change_list_ ABSL_GUARDED_BY(mu_);
  SpaceView view_ ABSL_GUARDED_BY(mu_);
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_MEMBERSHIP_H_
