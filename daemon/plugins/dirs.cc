#include "daemon/plugins/dirs.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>

#include "absl/strings/str_cat.h"
#include "daemon/base/home_dir.h"

#ifndef ATTUNE_PLUGINS_FROM_BINDIR
#define ATTUNE_PLUGINS_FROM_BINDIR "../lib/attune/plugins"
#endif

namespace attune {
namespace {

std::string Canonical(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : p.string();
}

// A plugin socket path is runtime_dir + "/" + up to 64 + ".XXXXXX/" +
// "plugin.sock"; sun_path holds 107 characters.
constexpr size_t kMaxRuntimeDirChars = 107 - (1 + 64 + 8 + 11);

}  // namespace

std::string BuiltinPluginsDir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  return Canonical((exe.parent_path() / ATTUNE_PLUGINS_FROM_BINDIR).string());
}

std::string UserPluginsDir() {
  const char* data = std::getenv("XDG_DATA_HOME");
  if (data != nullptr && *data != '\0') return absl::StrCat(data, "/attune/plugins");
  std::string home = HomeDir();
  if (home.empty()) return "";  // never a shared place such as /tmp
  return absl::StrCat(home, "/.local/share/attune/plugins");
}

std::vector<PluginDir> PluginDirs(const std::vector<std::string>& given) {
  std::string builtin = BuiltinPluginsDir();
  std::vector<std::string> paths = given;
  if (paths.empty()) paths = {builtin, UserPluginsDir()};
  std::vector<PluginDir> out;
  for (const auto& p : paths) {
    if (p.empty()) continue;
    out.push_back({p, !builtin.empty() && Canonical(p) == builtin});
  }
  return out;
}

std::string PluginRuntimeDir(const std::string& socket_path) {
  std::string dir = socket_path + ".plugins";
  if (dir.size() <= kMaxRuntimeDirChars) return dir;
  return absl::StrCat("/tmp/attune-plugins-", ::getuid(), "-",
                      std::hash<std::string>{}(socket_path) % 1000000007);
}

}  // namespace attune
