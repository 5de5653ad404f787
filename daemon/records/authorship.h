// Who may write what: the one place where a record's authorship is decided.
//
// A record's author is the member whose device created it, and only the
// author's devices change or delete it. Every record id says whose it is: its
// first kAuthorPrefixBytes are the first bytes of the author's member id, the
// rest is random (or, for a check-in, derived from the day). That makes the
// rule a pure function of an op and the device that signed it, so every
// daemon reaches the same verdict whatever order ops arrive in, and a view
// rebuilt from the log equals the one built op by op.
//
// Used by the API (before it writes), by the store when it folds a peer's op
// (through RecordStore::SetRemoteOpCheck, wired in daemon.cc), and by the
// plugin host through the API. Thread-safe: pure functions.
#ifndef ATTUNE_DAEMON_RECORDS_AUTHORSHIP_H_
#define ATTUNE_DAEMON_RECORDS_AUTHORSHIP_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "attune/v1/records.pb.h"

namespace attune {

// How many leading bytes of a record id are its author's member id. Eight
// bytes: forging a member id that shares them with another member's costs
// about 2^64 tries, and 8 random bytes per author leave collisions rare below
// billions of records.
inline constexpr size_t kAuthorPrefixBytes = 8;

// A fresh record id of `member_id` (16 raw bytes): its prefix, then random.
std::string NewRecordIdOf(std::string_view member_id);

// `id` (16 raw bytes, derived by the caller: a check-in's from its day) made
// a record id of `member_id`: its leading bytes replaced by the prefix.
std::string RecordIdOf(std::string_view member_id, std::string id);

// Whether `record_id` was made for `member_id` (both raw).
bool IdBelongsTo(std::string_view record_id, std::string_view member_id);

// Whether two member ids are too alike to tell their records apart (they
// share the id prefix). Membership refuses a second member like that.
bool MemberIdsCollide(std::string_view a, std::string_view b);

// The check every op from another device passes before it is folded into
// the views: the op is about a record of `signer_member_id` (the member of
// the device that signed it), and any record it carries names that member as
// author. PERMISSION_DENIED with the reason otherwise.
absl::Status CheckOpAuthority(const v1::OpBody& body, std::string_view signer_member_id);

// The author (hex member id, as stored in records) of a record's content;
// empty when the record has none (deleted).
std::string AuthorOf(const v1::Record& record);

}  // namespace attune

#endif  // ATTUNE_DAEMON_RECORDS_AUTHORSHIP_H_
