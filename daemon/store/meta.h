// The `meta` column family: every key it holds, declared here and nowhere
// else, and the one way code above the store keeps device-local values in
// it. Meta never syncs and is readable while the vault is locked; values
// stay on this device (a serialized proto, a number, a list).
//
// Only store/ composes raw keys. Sync and the plugin host name the table
// they use (LocalTable) and the name of an entry in it; the daemon's wiring
// hands them a LocalSettings.
#ifndef ATTUNE_DAEMON_STORE_META_H_
#define ATTUNE_DAEMON_STORE_META_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace attune {

class Db;

// The keys of meta. A prefix is followed by a name (a device id, a plugin
// id); the other keys stand alone.
namespace meta_key {
// The store's own (RecordStore, MetaVaultPersistence).
inline constexpr char kVault[] = "vault";                 // the vault file
inline constexpr char kRebuildViews[] = "rebuild_views";  // "1": rebuild at unlock
inline constexpr char kAppliedPrefix[] = "applied/";      // + device -> last folded shared seq
inline constexpr char kAppliedPrivatePrefix[] = "applied-private/";       // + device -> private seq
inline constexpr char kOwnLogBehind[] = "own_log_behind";                 // -> seq peers hold
inline constexpr char kOwnLogBehindPrivate[] = "own_log_behind_private";  // -> private seq
inline constexpr char kOwnLogHead[] = "own_log_head";                     // sealed v1::OwnLogHead
inline constexpr char kAcceptOwnLog[] = "accept_own_log";                 // "1" until accepted
// The event hub's (EventHub).
inline constexpr char kEventStart[] = "event_start";      // the daemon's start number
inline constexpr char kEventPrefix[] = "event/";          // + id (8 bytes) -> sealed v1::Event
inline constexpr char kEventTrimmed[] = "event_trimmed";  // highest id removed
// The tables of LocalTable, in its order.
inline constexpr char kMemberPrefix[] = "member/";  // + device -> v1::MemberCert
inline constexpr char kPeerPrefix[] = "peer/";      // + device -> addresses, one a line
inline constexpr char kSpaceChangePrefix[] =
    "change/";                                         // + BLAKE2b of signature -> v1::SpaceChange
inline constexpr char kEpochGrantPrefix[] = "grant/";  // + epoch (8 hex) -> v1::SealedEpochKey
inline constexpr char kPeerPort[] = "peer_port";       // the port picked for port 0
inline constexpr char kPluginGrantPrefix[] = "plugin-grant/";  // + plugin id
inline constexpr char kRemindersPrefix[] = "reminders/";       // + "fired" -> sealed
inline constexpr char kRelayPrefix[] = "relay/";               // + relay device -> "host:port"
inline constexpr char kFoldLimitPrefix[] = "fold-limit/";      // + device -> 2 seqs, big-endian
// A blind relay's (RelayLog, and a Membership per space it serves).
inline constexpr char kRelaySpacePrefix[] = "space/";  // + space (16) + "/" + a table above
inline constexpr char kRelayKey[] = "relay_key";       // the relay's Ed25519 secret key
inline constexpr char kRelaySeenPrefix[] = "seen/";    // + space -> last member visit (ms)
inline constexpr char kRelayHeadPrefix[] = "head/";    // + space + author -> seq held
}  // namespace meta_key

// The device-local tables that sync and the plugin host keep in meta.
enum class LocalTable {
  kMembers,        // the space's member certificates, by device id (sync)
  kPeerAddresses,  // where each partner device was last reached (sync)
  kPeerPort,       // one entry, name "": the peer port kept for port 0 (sync)
  kPluginGrants,   // the person's permissions for each plugin, by id (plugins)
  kReminders,      // what the reminder scheduler has fired, sealed (api)
  kSpaceChanges,   // removals and key epochs (sync.proto SpaceChange) (sync)
  kEpochGrants,    // epoch keys sealed to this device when it joined (sync)
  kRelays,         // the blind relays this device uses, by relay id (sync)
  kFoldLimits,     // what of each non-member device the views count, by device (sync)
};

// One table of meta: entries by name, each a string of bytes. Thread-safe
// (the Db is); the Db must outlive it. Every write is durable on OK.
class LocalSettings {
 public:
  LocalSettings(Db* db, LocalTable table);
  // The table of one space (`space`, 16 raw bytes) of the many a blind
  // relay keeps in one database: its own key range, apart from the others.
  LocalSettings(Db* db, LocalTable table, std::string_view space);

  // The entry `name`; nullopt when there is none.
  absl::StatusOr<std::optional<std::string>> Get(std::string_view name) const;

  // Calls fn for each entry in name order until it returns false.
  absl::Status Scan(
      const std::function<bool(std::string_view name, std::string_view value)>& fn) const;

  // Removes the entries named in `remove`, then puts `put`, in one atomic
  // durable write. Nothing is written when both are empty.
  absl::Status Write(const std::vector<std::string>& remove,
                     const std::vector<std::pair<std::string, std::string>>& put);

  // Write({}, {{name, value}}).
  absl::Status Put(std::string_view name, std::string_view value);

 private:
  std::string Key(std::string_view name) const;

  Db* const db_;
  const std::string prefix_;
};

}  // namespace attune

#endif  // ATTUNE_DAEMON_STORE_META_H_
