#include "daemon/records/resource.h"

#include <sodium.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemon/base/hex.h"
#include "daemon/records/validation.h"

namespace attune {

std::string NewRecordId() {
  std::string id(kRawIdBytes, '\0');
  randombytes_buf(id.data(), id.size());
  return id;
}

std::string MakeName(std::string_view collection, std::string_view raw_id) {
  return absl::StrCat(std::string(collection), "/", ToHex(raw_id));
}

absl::StatusOr<std::string> ParseName(const std::string& field, const std::string& name,
                                      std::string_view collection) {
  std::string prefix = absl::StrCat(std::string(collection), "/");
  if (name.rfind(prefix, 0) == 0) {
    auto raw = FromHex(std::string_view(name).substr(prefix.size()));
    if (raw.has_value() && raw->size() == kRawIdBytes) return *raw;
  }
  return absl::InvalidArgumentError(absl::StrCat(field, ": \"", name.substr(0, 80),
                                                 "\" is not a name of the form ", prefix,
                                                 "{32 hex digits}"));
}

google::protobuf::Timestamp ToProto(absl::Time t) {
  google::protobuf::Timestamp out;
  int64_t micros = absl::ToUnixMicros(t);
  out.set_seconds(micros / 1000000);
  out.set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
  return out;
}

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

absl::StatusOr<std::vector<uint32_t>> MaskToFields(const google::protobuf::FieldMask& mask,
                                                   const google::protobuf::Descriptor* descriptor,
                                                   const std::vector<std::string>& allowed) {
  if (mask.paths().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "update_mask: name at least one field to change: ", absl::StrJoin(allowed, ", ")));
  }
  std::vector<uint32_t> fields;
  for (const std::string& path : mask.paths()) {
    if (std::find(allowed.begin(), allowed.end(), path) == allowed.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("update_mask: \"", path.substr(0, 40),
                       "\" cannot be changed; allowed: ", absl::StrJoin(allowed, ", ")));
    }
    const auto* f = descriptor->FindFieldByName(path);
    uint32_t number = static_cast<uint32_t>(f->number());
    if (std::find(fields.begin(), fields.end(), number) == fields.end()) {
      fields.push_back(number);
    }
  }
  return fields;
}

std::string EncodePageToken(const std::string& cursor) { return absl::WebSafeBase64Escape(cursor); }

absl::StatusOr<std::string> DecodePageToken(const std::string& token) {
  std::string cursor;
  if (!absl::WebSafeBase64Unescape(token, &cursor) || cursor.empty()) {
    return absl::InvalidArgumentError("page_token: not a token this daemon handed out");
  }
  return cursor;
}

absl::StatusOr<int> PageSize(int requested, int fallback) {
  if (requested == 0) return fallback;
  if (auto s = CheckRange("page_size", requested, 1, 1000); !s.ok()) return s;
  return requested;
}

absl::StatusOr<absl::TimeZone> ZoneOrLocal(const std::string& field, const std::string& name,
                                           const Clock& clock, std::string* resolved_name) {
  if (name.empty()) {
    absl::TimeZone local = clock.LocalZone();
    *resolved_name = local.name();
    return local;
  }
  auto zone = ParseZone(field, name);
  if (zone.ok()) *resolved_name = name;
  return zone;
}

}  // namespace attune
