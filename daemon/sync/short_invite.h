// The short form of a pairing invite, to read aloud or type on a phone:
// twenty characters in groups of four, "7K3M-9QX2-H4TB-R2PC-KV8A", in
// Crockford's base32 (no I, L, O or U; case and dashes do not matter, and
// I, L and O are read as 1, 1 and 0).
//
//   10 characters  the secret: 50 random bits; the joiner's proof is a MAC
//                  under a key hashed from them (ShortInviteKey)
//    9 characters  the pin: 45 bits of a hash, keyed by the secret, of the
//                  inviter's device key. The joiner checks it against the
//                  TLS certificate of whatever answers at the address before
//                  it sends anything, so a machine in the middle, which never
//                  hears the code, passes with odds of 1 in 2^45 per try
//    1 character   a check (Luhn mod 32): any one character typed wrong, and
//                  most swaps of two neighbours, are refused as damaged
//
// It carries no address: the joiner types the inviter's "host:port" beside
// it. Guessing it at the inviter: three wrong short proofs in all stop the
// short form of every open invite (invites.h; the long codes still work), so
// a guesser's odds are at most 3 in 2^50 per open invite. Someone who heard
// only the pin could narrow the secret offline (2^50 hashes, with the
// inviter's key from any TLS connection) and still has those three tries.
#ifndef ATTUNE_DAEMON_SYNC_SHORT_INVITE_H_
#define ATTUNE_DAEMON_SYNC_SHORT_INVITE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace attune {

struct ShortInvite {
  std::string secret;  // the 10 secret characters, as the encoder writes them
  std::string pin;     // the 9 characters that pin the inviter's device
};

// A fresh short code for an invite made by `inviter_device` (its raw
// 32-byte key); *secret gets its secret characters (for ShortInviteKey).
std::string NewShortInvite(const std::string& inviter_device, std::string* secret);

// Whether `text` is meant as a short code rather than the long
// "attune-invite-…" one (it does not start with that prefix).
bool IsShortInviteText(std::string_view text);

// INVALID_ARGUMENT, naming what is wrong ("code: …"), for a text that is not
// a well-formed short code.
absl::StatusOr<ShortInvite> DecodeShortInvite(std::string_view text);

// The 32-byte key the joiner's proof is made with (InviteMac).
std::string ShortInviteKey(std::string_view secret);

// Whether `device` (a raw 32-byte key) is the device the code pins.
bool ShortInvitePins(const ShortInvite& code, const std::string& device);

// The invite id a proof made with a short code names (16 zero bytes): the
// inviter tries the proof against its open invites.
std::string ShortInviteId();

}  // namespace attune

#endif  // ATTUNE_DAEMON_SYNC_SHORT_INVITE_H_
