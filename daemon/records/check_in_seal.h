// Reveal together, the rule in one place: a SHARED check-in's content is
// sealed under a key of its own, so a partner's device holds it unreadable
// until the author's device releases that key (a CheckInKey record, see
// records.proto and api/reveal_keeper.h). The check-in service seals on every
// write and opens on every read through here; insights, search and export
// open through here too, so nothing shows sealed words anywhere.
//
// The content key of a check-in's version is a keyed BLAKE2b (libsodium's
// crypto_generichash) of its id and a random salt under the author's personal
// key: every device of the author derives it, no one else can, and releasing
// one says nothing about any other, nor about another version of the same
// check-in. Every write seals with a fresh salt and nonce
// (XChaCha20-Poly1305); the associated data binds it to the check-in's id.
//
// PRIVATE check-ins are never sealed (they never leave the author's devices).
// Thread-safe: pure functions and reads of the store.
#ifndef ATTUNE_DAEMON_RECORDS_CHECK_IN_SEAL_H_
#define ATTUNE_DAEMON_RECORDS_CHECK_IN_SEAL_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "attune/v1/records.pb.h"
#include "daemon/store/record_store.h"
#include "daemon/vault/keys.h"

namespace attune {

// The content key of the version of check-in `id` (16 raw bytes) of the
// member of `keys` sealed with `salt`.
SecretBytes CheckInContentKey(const KeySet& keys, std::string_view id, std::string_view salt);

// Whether `key` (as stored) is the released key of the version `sealed`.
bool KeyOpens(const v1::CheckInKey& key, const v1::SealedContent& sealed);

// The field numbers a whole-content write of a check-in sets: high, low,
// emotions, connection_rating, note, sealed_content.
const std::vector<uint32_t>& CheckInContentFields();

// Makes `c` (its whole content, its visibility decided) what is stored for
// check-in `id` of the member of `keys`: SHARED while reveal together is on
// (member_settings.h), the content fields moved into sealed_content;
// otherwise as it is, sealed_content cleared. `reveal` is cleared.
void SealCheckInForWrite(const KeySet& keys, std::string_view id, bool reveal_together,
                         v1::CheckIn* c);

// `c` (as stored, check-in `id`) as this device may show it: content open,
// reveal OPEN when it was sealed and this device holds its key (one's own, or
// one its author released for this version in `store`); otherwise the
// content fields empty and
// reveal WAITING_FOR_YOURS (the check-in service tells the waiting states
// apart). sealed_content is never returned. An error only when the store
// cannot be read; a released key that does not open the content (a faulty or
// hostile author device) leaves it sealed.
absl::StatusOr<v1::CheckIn> OpenCheckIn(const KeySet& keys, const RecordStore& store,
                                        std::string_view id, v1::CheckIn c);

}  // namespace attune

#endif  // ATTUNE_DAEMON_RECORDS_CHECK_IN_SEAL_H_
