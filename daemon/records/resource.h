// Resource names ("journalEntries/{id}"), ids and timestamps at the API edge,
// and the pieces every service shares.
#ifndef ATTUNE_DAEMON_RECORDS_RESOURCE_H_
#define ATTUNE_DAEMON_RECORDS_RESOURCE_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "daemon/base/clock.h"
#include "daemon/store/event_hub.h"
#include "daemon/store/record_store.h"
#include "daemon/vault/vault.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace attune {

// What every service works with. Each pointer outlives the services.
struct ServiceContext {
  Vault* vault;
  RecordStore* store;
  const Clock* clock;
  // Called after every successful Init and Unlock with the new keys (peer
  // sync starts there); may be empty.
  std::function<absl::Status(const std::shared_ptr<const KeySet>&)> on_unlock;
  // The display name of a member (hex member id, as records name authors);
  // empty when unknown. May be empty.
  std::function<std::string(const std::string& member_hex)> member_name;
  // Where the vault's changes of state are told (VaultChanged); may be null.
  EventHub* events = nullptr;
  // The hex member ids of the space's members, this one's included; may be
  // empty (then this device is taken to be alone).
  std::function<std::vector<std::string>()> member_ids;
};

inline constexpr char kJournalEntries[] = "journalEntries";
inline constexpr char kCheckIns[] = "checkIns";
inline constexpr char kGoals[] = "goals";
inline constexpr char kAppreciations[] = "appreciations";
inline constexpr char kExerciseSessions[] = "exerciseSessions";
inline constexpr char kPluginRecords[] = "pluginRecords";
inline constexpr char kReminders[] = "reminders";
inline constexpr char kMemberSettings[] = "memberSettings";

// A new random 16-byte record id.
std::string NewRecordId();

// "{collection}/{32 hex}".
std::string MakeName(std::string_view collection, std::string_view raw_id);

// The raw id in `name`; INVALID_ARGUMENT naming `field` when it is not of the
// form "{collection}/{32 hex}".
absl::StatusOr<std::string> ParseName(const std::string& field, const std::string& name,
                                      std::string_view collection);

google::protobuf::Timestamp ToProto(absl::Time t);
absl::Time FromProto(const google::protobuf::Timestamp& t);

// The field numbers of `descriptor`'s message named by the mask's paths;
// INVALID_ARGUMENT for an empty mask or a path outside `allowed`.
absl::StatusOr<std::vector<uint32_t>> MaskToFields(const google::protobuf::FieldMask& mask,
                                                   const google::protobuf::Descriptor* descriptor,
                                                   const std::vector<std::string>& allowed);

// An opaque page token holding `cursor`; and back.
std::string EncodePageToken(const std::string& cursor);
absl::StatusOr<std::string> DecodePageToken(const std::string& token);

// page_size 0 -> fallback; otherwise 1..1000.
absl::StatusOr<int> PageSize(int requested, int fallback);

// The zone named, or the daemon's own for an empty name.
absl::StatusOr<absl::TimeZone> ZoneOrLocal(const std::string& field, const std::string& name,
                                           const Clock& clock, std::string* resolved_name);

}  // namespace attune

#endif  // ATTUNE_DAEMON_RECORDS_RESOURCE_H_
