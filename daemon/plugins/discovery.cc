#include "daemon/plugins/discovery.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"

namespace attune {
namespace {

std::string StatOf(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return "-";
  return absl::StrCat(st.st_dev, ":", st.st_ino, ":", st.st_size, ":", st.st_ctim.tv_sec, ".",
                      st.st_ctim.tv_nsec);
}

}  // namespace

std::string PluginFingerprint(const FoundPlugin& plugin) {
  return PluginFingerprint(plugin.manifest.version(), plugin.folder, plugin.executable);
}

std::string PluginFingerprint(const std::string& version, const std::string& folder,
                              const std::string& executable) {
  return absl::StrCat(version, "|", StatOf(absl::StrCat(folder, "/", kManifestFileName)), "|",
                      StatOf(executable));
}

Discovery DiscoverPlugins(const std::vector<PluginDir>& dirs) {
  Discovery out;
  std::map<std::string, std::string> plugin_folder;    // id -> folder
  std::map<std::string, std::string> exercise_plugin;  // exercise id -> plugin id
  for (const PluginDir& dir : dirs) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir.path, ec)) continue;
    std::vector<std::string> folders;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path, ec)) {
      std::error_code ec2;
      if (entry.is_directory(ec2)) folders.push_back(entry.path().string());
    }
    if (ec) {
      out.problems.push_back(absl::StrCat(dir.path, ": cannot list: ", ec.message()));
      continue;
    }
    std::sort(folders.begin(), folders.end());
    for (const std::string& folder : folders) {
      auto manifest = ReadManifest(folder);
      if (absl::IsNotFound(manifest.status())) continue;
      if (!manifest.ok()) {
        out.problems.push_back(std::string(manifest.status().message()));
        continue;
      }
      if (auto it = plugin_folder.find(manifest->id()); it != plugin_folder.end()) {
        out.problems.push_back(absl::StrCat(folder, ": plugin id ", manifest->id(),
                                            " is already taken by ", it->second));
        continue;
      }
      std::string clash;
      for (const auto& e : manifest->exercises()) {
        if (auto it = exercise_plugin.find(e.id()); it != exercise_plugin.end()) {
          clash = absl::StrCat(folder, ": exercise id ", e.id(), " is already offered by plugin ",
                               it->second);
          break;
        }
      }
      if (!clash.empty()) {
        out.problems.push_back(clash);
        continue;
      }
      plugin_folder[manifest->id()] = folder;
      for (const auto& e : manifest->exercises()) exercise_plugin[e.id()] = manifest->id();
      FoundPlugin found;
      found.folder = folder;
      found.executable = absl::StrCat(folder, "/", manifest->executable());
      found.builtin = dir.builtin;
      found.manifest = *std::move(manifest);
      found.fingerprint = PluginFingerprint(found);
      out.plugins.push_back(std::move(found));
    }
  }
  return out;
}

}  // namespace attune
