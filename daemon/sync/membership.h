// Who belongs to the space: a set of member certificates (sync.proto,
// MemberCert), each signed by the device that added it, back to the founding
// device that signed its own. Kept in the meta column family, readable while
// the vault is locked, so signatures can be checked at any time.
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
#include "daemon/vault/keys.h"

namespace attune {

// At most this many devices per person, and per space: a member's device
// cannot flood the space with certificates (each costs a stored member and
// a dial loop).
inline constexpr size_t kMaxDevicesPerMember = 8;
inline constexpr size_t kMaxDevicesPerSpace = 32;

// Signs a certificate for `body.device`, added by this device.
v1::MemberCert SignMemberCert(const v1::MemberCertBody& body, const KeySet& signer);

class Membership {
 public:
  // `db` must outlive this object.
  explicit Membership(Db* db) : saved_(db, LocalTable::kMembers) {}

  // Reads the stored certificates. Call once before use.
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

  bool IsMember(const std::string& device) const;
  std::optional<v1::MemberCertBody> Find(const std::string& device) const;
  std::vector<v1::MemberCert> All() const;
  std::vector<v1::MemberCertBody> Bodies() const;

 private:
  struct Entry {
    v1::MemberCert cert;
    v1::MemberCertBody body;
  };
  static bool MemberIdFits(const std::map<std::string, Entry>& valid,
                           const v1::MemberCertBody& body);

  LocalSettings saved_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry> members_ ABSL_GUARDED_BY(mu_);
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_MEMBERSHIP_H_
