#include "daemon/plugins/permissions.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemon/records/kinds.h"

namespace attune {
namespace {

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// How a person would call the records of a kind, for messages.
std::string Plural(std::string_view kind) {
  if (kind == "check_in") return "check-ins";
  if (kind == "journal_entry") return "journal entries";
  if (kind == "appreciation") return "appreciations";
  if (kind == "goal_progress") return "goal progress";
  if (kind == "plugin_record") return "its own records";
  return std::string(kind);
}

}  // namespace

const std::vector<std::string>& KnownRecordKinds() {
  static const auto* kinds = [] {
    auto* out = new std::vector<std::string>;
    for (const RecordKind& k : RecordKinds()) {
      if (k.plugin_may_write) out->push_back(k.field);
    }
    return out;
  }();
  return *kinds;
}

bool IsKnownRecordKind(std::string_view kind) { return Contains(KnownRecordKinds(), kind); }

std::string KnownRecordKindsText() { return absl::StrJoin(KnownRecordKinds(), ", "); }

std::string KindOf(const plugin::v1::OutputRecord& record) {
  if (record.record_case() == plugin::v1::OutputRecord::RECORD_NOT_SET) return "";
  return plugin::v1::OutputRecord::descriptor()->FindFieldByNumber(record.record_case())->name();
}

std::vector<std::string> EffectiveGrant(const plugin::v1::PluginManifest& manifest, bool builtin,
                                        const std::optional<v1::PluginGrant>& grant) {
  std::vector<std::string> out;
  for (const auto& kind : manifest.permissions()) {
    bool granted = grant.has_value() ? std::find(grant->kinds().begin(), grant->kinds().end(),
                                                 kind) != grant->kinds().end()
                                     : builtin;
    if (granted) out.push_back(kind);
  }
  return out;
}

std::vector<std::string> WritesOf(const plugin::v1::PluginManifest& manifest,
                                  const v1::Exercise& exercise) {
  if (!exercise.has_writes()) {
    return {manifest.permissions().begin(), manifest.permissions().end()};
  }
  return {exercise.writes().kinds().begin(), exercise.writes().kinds().end()};
}

absl::Status CheckCanStart(const plugin::v1::PluginManifest& manifest, const v1::Exercise& exercise,
                           const std::vector<std::string>& granted) {
  std::vector<std::string> missing;
  for (const auto& kind : WritesOf(manifest, exercise)) {
    if (!Contains(granted, kind)) missing.push_back(kind);
  }
  if (missing.empty()) return absl::OkStatus();
  std::vector<std::string> words;
  for (const auto& k : missing) words.push_back(Plural(k));
  return absl::PermissionDeniedError(absl::StrCat(
      exercise.id(), " needs permission to write ", absl::StrJoin(words, ", "),
      "; allow it with: attune plugin grant ", manifest.id(), " ", absl::StrJoin(missing, " ")));
}

absl::Status CheckOutputs(const plugin::v1::PluginManifest& manifest, const v1::Exercise& exercise,
                          const std::vector<std::string>& granted,
                          const plugin::v1::FinishResponse& finish) {
  const std::vector<std::string> writes = WritesOf(manifest, exercise);
  for (int i = 0; i < finish.records_size(); ++i) {
    std::string kind = KindOf(finish.records(i));
    if (kind.empty()) continue;  // refused as malformed by the output check
    if (!Contains(writes, kind)) {
      return absl::PermissionDeniedError(absl::StrCat(
          "plugin ", manifest.id(), " tried to write ", Plural(kind), " (records[", i, "] is a ",
          kind, "), which its manifest does not ",
          exercise.has_writes() ? absl::StrCat("list among what ", exercise.id(), " writes")
                                : std::string("ask for"),
          "; nothing was stored"));
    }
    if (!Contains(granted, kind)) {
      return absl::PermissionDeniedError(absl::StrCat(
          "plugin ", manifest.id(), " may not write ", Plural(kind),
          ": nothing was stored; allow it with: attune plugin grant ", manifest.id(), " ", kind));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::PluginGrant> Grant(const plugin::v1::PluginManifest& manifest,
                                      const std::vector<std::string>& current,
                                      const std::vector<std::string>& kinds) {
  std::vector<std::string> asked(manifest.permissions().begin(), manifest.permissions().end());
  for (const auto& k : kinds) {
    if (!IsKnownRecordKind(k)) {
      return absl::InvalidArgumentError(
          absl::StrCat("kinds: \"", k, "\" is not a record kind; known: ", KnownRecordKindsText()));
    }
    if (!Contains(asked, k)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "kinds: plugin ", manifest.id(), " does not ask to write ", k,
          asked.empty() ? "; it asks for nothing"
                        : absl::StrCat("; it asks for: ", absl::StrJoin(asked, ", "))));
    }
  }
  v1::PluginGrant grant;
  grant.set_plugin(manifest.id());
  for (const auto& k : asked) {
    if (Contains(current, k) || kinds.empty() || Contains(kinds, k)) grant.add_kinds(k);
  }
  return grant;
}

absl::StatusOr<v1::PluginGrant> Revoke(const plugin::v1::PluginManifest& manifest,
                                       const std::vector<std::string>& current,
                                       const std::vector<std::string>& kinds) {
  for (const auto& k : kinds) {
    if (!IsKnownRecordKind(k)) {
      return absl::InvalidArgumentError(
          absl::StrCat("kinds: \"", k, "\" is not a record kind; known: ", KnownRecordKindsText()));
    }
  }
  v1::PluginGrant grant;
  grant.set_plugin(manifest.id());
  for (const auto& k : current) {
    if (!kinds.empty() && !Contains(kinds, k)) grant.add_kinds(k);
  }
  return grant;
}

}  // namespace attune
