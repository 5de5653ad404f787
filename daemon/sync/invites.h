// Pairing invites (docs/ARCHITECTURE.md, "Pairing proof").
//
// An invite is single use and expires (10 minutes by default). Its secret
// never travels after the code is shown: the joiner proves it holds it with
// a MAC over the inviter's device, the joiner's key and the invite id. Three
// wrong MACs burn the invite. Each invite has two forms: the long code, and
// a short one to read aloud (short_invite.h) with a secret of its own; using
// either spends the invite. Invites live in memory only: a restart of the
// inviter's daemon cancels them. Thread-safe.
#ifndef ATTUNE_DAEMON_SYNC_INVITES_H_
#define ATTUNE_DAEMON_SYNC_INVITES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "attune/v1/sync.pb.h"

namespace attune {

inline constexpr int kMaxInviteFailures = 3;

// "attune-invite-" followed by base32 of the serialized InviteCode and a
// 5-byte keyed BLAKE2b check over it: any mistyped, missing or extra
// character is refused as damaged (a one-in-2^40 chance of passing).
std::string EncodeInviteCode(const v1::InviteCode& code);
// INVALID_ARGUMENT naming what is wrong with a pasted code.
absl::StatusOr<v1::InviteCode> DecodeInviteCode(const std::string& text);

// The joiner's proof: crypto_auth over tag ‖ inviter ‖ joiner ‖ invite id.
std::string InviteMac(const std::string& secret, const std::string& inviter_device,
                      const std::string& joiner_device, const std::string& invite_id);

// Twelve groups of five digits from both device keys, sorted, so both sides
// compute the same number.
std::string SafetyNumber(const std::string& device_a, const std::string& device_b);

// The refusal of a proof made for the other kind of invite than
// `invite_own_device` says (FAILED_PRECONDITION naming the command to run).
absl::Status WrongInviteRole(bool invite_own_device);

class InviteBook {
 public:
  // A fresh invite for this device, valid until now + ttl; its short form
  // in *short_code when that is given. `own_device`: for another device of
  // this device's person (linking), not a partner's.
  v1::InviteCode Create(const std::string& inviter_device,
                        const std::vector<std::string>& addresses, absl::Time now,
                        absl::Duration ttl, std::string* short_code = nullptr,
                        bool own_device = false);

  // Checks a joiner's proof and, when it holds, burns the invite.
  // PERMISSION_DENIED with the reason otherwise; a wrong MAC counts toward
  // burning the invite. A proof made with a short code names ShortInviteId()
  // and is tried against every open invite's short secret; when none takes
  // it, it counts against the short form of each (three, and the short form
  // no longer works; the long code still does, so a stranger's guesses can
  // cost a couple the short form, never the invite). The refusal is the same
  // whether or not an invite is open. A right proof for an invite made for
  // the other role (`own_device` differs) is FAILED_PRECONDITION saying
  // which command to run, and the invite stays open.
  absl::Status Redeem(const std::string& invite_id, const std::string& inviter_device,
                      const std::string& joiner_device, const std::string& mac, absl::Time now,
                      bool own_device = false);

  bool HasOpenInvites(absl::Time now) const;

 private:
  struct Pending {
    std::string secret;
    std::string short_key;  // ShortInviteKey of the short form's secret; "" once spent
    absl::Time expires;
    int failures = 0;
    int short_failures = 0;
    bool own_device = false;
  };
  absl::Status RedeemShort(const std::string& inviter_device, const std::string& joiner_device,
                           const std::string& mac, absl::Time now, bool own_device)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  mutable absl::Mutex mu_;
  std::map<std::string, Pending> pending_ ABSL_GUARDED_BY(mu_);
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_INVITES_H_
