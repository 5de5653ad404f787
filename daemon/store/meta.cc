#include "daemon/store/meta.h"

#include "daemon/store/db.h"

namespace attune {
namespace {

std::string_view PrefixOf(LocalTable table) {
  switch (table) {
    case LocalTable::kMembers:
      return meta_key::kMemberPrefix;
    case LocalTable::kPeerAddresses:
      return meta_key::kPeerPrefix;
    case LocalTable::kPeerPort:
      return meta_key::kPeerPort;
    case LocalTable::kPluginGrants:
      return meta_key::kPluginGrantPrefix;
    case LocalTable::kReminders:
      return meta_key::kRemindersPrefix;
    case LocalTable::kSpaceChanges:
      return meta_key::kSpaceChangePrefix;
    case LocalTable::kEpochGrants:
      return meta_key::kEpochGrantPrefix;
    case LocalTable::kRelays:
      return meta_key::kRelayPrefix;
    case LocalTable::kFoldLimits:
      return meta_key::kFoldLimitPrefix;
  }
  return {};
}

}  // namespace

LocalSettings::LocalSettings(Db* db, LocalTable table) : db_(db), prefix_(PrefixOf(table)) {}

LocalSettings::LocalSettings(Db* db, LocalTable table, std::string_view space)
    : db_(db),
      prefix_(std::string(meta_key::kRelaySpacePrefix) + std::string(space) + "/" +
              std::string(PrefixOf(table))) {}

std::string LocalSettings::Key(std::string_view name) const {
  std::string key(prefix_);
  key.append(name);
  return key;
}

absl::StatusOr<std::optional<std::string>> LocalSettings::Get(std::string_view name) const {
  return db_->Get(Cf::kMeta, Key(name));
}

absl::Status LocalSettings::Scan(
    const std::function<bool(std::string_view name, std::string_view value)>& fn) const {
  return db_->Scan(Cf::kMeta, prefix_, [&](std::string_view key, std::string_view value) {
    return fn(key.substr(prefix_.size()), value);
  });
}

absl::Status LocalSettings::Write(const std::vector<std::string>& remove,
                                  const std::vector<std::pair<std::string, std::string>>& put) {
  Batch batch;
  for (const std::string& name : remove) batch.Delete(Cf::kMeta, Key(name));
  for (const auto& [name, value] : put) batch.Put(Cf::kMeta, Key(name), value);
  if (batch.Count() == 0) return absl::OkStatus();
  return db_->Write(batch, /*sync=*/true);
}

absl::Status LocalSettings::Put(std::string_view name, std::string_view value) {
  return Write({}, {{std::string(name), std::string(value)}});
}

}  // namespace attune
