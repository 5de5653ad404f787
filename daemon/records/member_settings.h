// Each member's own choices for the space (v1::MemberSettings), and what they
// add up to: reveal together is on while no member has turned it off. One
// record per member, written only by that member (its id is theirs,
// records/authorship.h), always SHARED so every member's device sees it.
// Used by SpaceService and the reveal keeper. Thread-safe.
#ifndef ATTUNE_DAEMON_RECORDS_MEMBER_SETTINGS_H_
#define ATTUNE_DAEMON_RECORDS_MEMBER_SETTINGS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "daemon/records/resource.h"

namespace attune {

// The id of the settings record of `member_id` (16 raw bytes).
std::string MemberSettingsId(std::string_view member_id);

struct RevealTogether {
  bool on = true;
  // Hex member ids of the members who turned it off, in id order.
  std::vector<std::string> off_by;
  // Whether this device's person is one of them.
  bool mine_off = false;
};

// Reveal together as this device sees it (the settings records it holds).
absl::StatusOr<RevealTogether> RevealTogetherNow(const KeySet& keys, const RecordStore& store);

// Records this device's person's choice: `on` false turns reveal together
// off for the space; true takes their own turning-off back. Stored durably
// before it returns.
absl::Status SetRevealTogether(const ServiceContext& ctx, const KeySet& keys, bool on);

}  // namespace attune

#endif  // ATTUNE_DAEMON_RECORDS_MEMBER_SETTINGS_H_
