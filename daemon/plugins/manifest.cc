#include "daemon/plugins/manifest.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "daemon/plugins/exercise_options.h"
#include "daemon/plugins/handshake.h"
#include "daemon/plugins/permissions.h"
#include "daemon/records/validation.h"

namespace attune {
namespace {

constexpr size_t kMaxManifestBytes = 256 * 1024;
constexpr int kMaxExercises = 50;
constexpr size_t kMaxText = 2000;

absl::Status Bad(const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

// Collects the first error of the text-format parser.
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (message_.empty()) {
      message_ = absl::StrCat("line ", line + 1, ", column ", column + 1, ": ", message);
    }
  }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

absl::Status CheckExercise(const std::string& field, const v1::Exercise& e) {
  if (!IsValidPluginId(e.id())) {
    return Bad(field + ".id", "must be 1 to 64 of a-z, 0-9 and '-' (e.g. \"daily-checkin\")");
  }
  if (e.title().empty() || e.title().size() > 200) {
    return Bad(field + ".title", "is required, at most 200 characters");
  }
  if (e.summary().empty() || e.summary().size() > kMaxText) {
    return Bad(field + ".summary", "is required, at most 2000 characters");
  }
  // Shown by attune exercise list: nothing a terminal would obey.
  if (!IsPlainText(e.title(), TextLines::kOne)) {
    return Bad(field + ".title", "must not contain control characters");
  }
  if (!IsPlainText(e.summary(), TextLines::kMany)) {
    return Bad(field + ".summary", "must not contain control characters");
  }
  if (e.minutes() < 1 || e.minutes() > 240) {
    return Bad(field + ".minutes", "must be 1 to 240");
  }
  if (e.mode() != v1::EXERCISE_MODE_SOLO && e.mode() != v1::EXERCISE_MODE_PAIR) {
    return Bad(field + ".mode", "must be SOLO or PAIR");
  }
  if (e.tags_size() > 20) return Bad(field + ".tags", "at most 20");
  for (const auto& t : e.tags()) {
    if (t.empty() || t.size() > 32 || !IsPlainText(t, TextLines::kOne)) {
      return Bad(field + ".tags", "each tag is 1 to 32 characters, without control characters");
    }
  }
  if (!e.plugin().empty()) {
    return Bad(field + ".plugin", "is set by the daemon; leave it out");
  }
  return CheckDeclaredOptions(field, e);
}

}  // namespace

absl::StatusOr<pv1::PluginManifest> ParseManifest(const std::string& text) {
  if (text.size() > kMaxManifestBytes) {
    return absl::InvalidArgumentError("the manifest is larger than 256 KiB");
  }
  google::protobuf::TextFormat::Parser parser;
  FirstError errors;
  parser.RecordErrorsTo(&errors);
  pv1::PluginManifest manifest;
  if (!parser.ParseFromString(text, &manifest)) {
    std::string message = errors.message();
    if (absl::StrContains(message, "Unknown enumeration value")) {
      // Manifests written before 0.1.0's names (mode: PAIR).
      absl::StrAppend(&message,
                      " (enum values are spelled with their type's prefix: mode: "
                      "EXERCISE_MODE_PAIR or EXERCISE_MODE_SOLO)");
    }
    return absl::InvalidArgumentError(
        absl::StrCat("not a PluginManifest in protobuf text format: ", message));
  }
  if (auto s = CheckManifest(manifest); !s.ok()) return s;
  return manifest;
}

absl::Status CheckManifest(const pv1::PluginManifest& m) {
  if (!IsValidPluginId(m.id())) {
    return Bad("id", "must be 1 to 64 of a-z, 0-9 and '-' (e.g. \"practices\")");
  }
  if (m.version().empty() || m.version().size() > 32) {
    return Bad("version", "is required, at most 32 characters (e.g. \"1.0.0\")");
  }
  if (m.protocol_version() != kPluginProtocolVersion) {
    return Bad("protocol_version",
               absl::StrCat(m.protocol_version(), " is not spoken here; this daemon speaks ",
                            kPluginProtocolVersion));
  }
  const std::string& exe = m.executable();
  if (exe.empty()) return Bad("executable", "is required");
  std::filesystem::path p(exe);
  if (p.is_absolute()) {
    return Bad("executable", "must be a path inside the plugin folder, not absolute");
  }
  for (const auto& part : p) {
    if (part == "..") return Bad("executable", "must not leave the plugin folder ('..')");
  }
  if (m.args_size() > 32) return Bad("args", "at most 32");
  if (m.description().size() > kMaxText) return Bad("description", "at most 2000 characters");
  if (!IsPlainText(m.description(), TextLines::kMany)) {
    return Bad("description", "must not contain control characters");
  }
  if (!IsPlainText(m.version(), TextLines::kOne)) {
    return Bad("version", "must not contain control characters");
  }
  std::set<std::string> seen_kinds;
  for (int i = 0; i < m.permissions_size(); ++i) {
    const std::string& k = m.permissions(i);
    if (!IsKnownRecordKind(k)) {
      return Bad(absl::StrCat("permissions[", i, "]"),
                 absl::StrCat("\"", k, "\" is not a record kind; known: ", KnownRecordKindsText()));
    }
    if (!seen_kinds.insert(k).second) {
      return Bad(absl::StrCat("permissions[", i, "]"), absl::StrCat("\"", k, "\" is listed twice"));
    }
  }
  if (m.exercises_size() < 1 || m.exercises_size() > kMaxExercises) {
    return Bad("exercises", "a plugin offers 1 to 50 exercises");
  }
  std::set<std::string> ids;
  for (int i = 0; i < m.exercises_size(); ++i) {
    std::string field = absl::StrCat("exercises[", i, "]");
    if (auto s = CheckExercise(field, m.exercises(i)); !s.ok()) return s;
    std::set<std::string> writes;
    for (const auto& k : m.exercises(i).writes().kinds()) {
      if (seen_kinds.count(k) == 0) {
        return Bad(field + ".writes",
                   absl::StrCat("\"", k, "\" is not among the plugin's permissions (",
                                absl::StrJoin(m.permissions(), ", "), ")"));
      }
      if (!writes.insert(k).second) {
        return Bad(field + ".writes", absl::StrCat("\"", k, "\" is listed twice"));
      }
    }
    if (!ids.insert(m.exercises(i).id()).second) {
      return Bad(field + ".id", absl::StrCat("\"", m.exercises(i).id(), "\" is listed twice"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<pv1::PluginManifest> ReadManifest(const std::string& folder) {
  std::string path = absl::StrCat(folder, "/", kManifestFileName);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return absl::NotFoundError(absl::StrCat(folder, " has no ", kManifestFileName));
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  }
  auto manifest = ParseManifest(text.str());
  if (!manifest.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", manifest.status().message()));
  }
  std::string exe = absl::StrCat(folder, "/", manifest->executable());
  if (!std::filesystem::is_regular_file(exe, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": executable: ", exe, " does not exist"));
  }
  if (::access(exe.c_str(), X_OK) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": executable: ", exe, " is not executable (chmod +x)"));
  }
  return manifest;
}

absl::Status CheckDescribeMatches(const pv1::PluginManifest& manifest,
                                  const pv1::DescribeResponse& described) {
  auto differ = [&](const std::string& what) {
    return absl::FailedPreconditionError(
        absl::StrCat("Describe does not match the manifest: ", what));
  };
  if (described.plugin_id() != manifest.id()) {
    return differ(absl::StrCat("plugin id \"", Excerpt(described.plugin_id()),
                               "\", manifest says \"", manifest.id(), "\""));
  }
  if (described.version() != manifest.version()) {
    return differ(absl::StrCat("version \"", Excerpt(described.version()), "\", manifest says \"",
                               manifest.version(), "\""));
  }
  std::map<std::string, const v1::Exercise*> listed;
  for (const auto& e : manifest.exercises()) listed[e.id()] = &e;
  std::set<std::string> seen;
  for (const auto& e : described.exercises()) {
    auto it = listed.find(e.id());
    if (it == listed.end()) {
      return differ(absl::StrCat("exercise \"", Excerpt(e.id()), "\" is not in the manifest"));
    }
    if (!seen.insert(e.id()).second) {
      return differ(absl::StrCat("exercise \"", e.id(), "\" is described twice"));
    }
    if (e.title() != it->second->title() || e.mode() != it->second->mode()) {
      return differ(
          absl::StrCat("exercise \"", e.id(), "\" has another title or mode than in the manifest"));
    }
  }
  for (const auto& [id, e] : listed) {
    if (seen.count(id) == 0) {
      return differ(absl::StrCat("exercise \"", id, "\" of the manifest is not described"));
    }
  }
  return absl::OkStatus();
}

}  // namespace attune
