#include "common/environment.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace attune {
namespace {

bool Loads(const std::string& name) {
  absl::TimeZone zone;
  return !name.empty() && absl::LoadTimeZone(name, &zone);
}

}  // namespace

std::string ZoneNameFrom(const char* tz_env, std::string_view localtime_target) {
  if (tz_env != nullptr) {
    std::string_view tz = tz_env;
    if (!tz.empty() && tz.front() == ':') tz.remove_prefix(1);
    if (std::string name(tz); Loads(name)) return name;
  }
  constexpr std::string_view kMarker = "zoneinfo/";
  if (size_t at = localtime_target.rfind(kMarker); at != std::string_view::npos) {
    if (std::string name(localtime_target.substr(at + kMarker.size())); Loads(name)) return name;
  }
  return "UTC";
}

std::string MachineZoneName() {
  std::error_code ec;
  std::filesystem::path target = std::filesystem::read_symlink("/etc/localtime", ec);
  return ZoneNameFrom(std::getenv("TZ"), ec ? "" : target.string());
}

std::string SocketPathFrom(const char* attune_socket_env, const char* xdg_runtime_dir,
                           unsigned uid) {
  if (attune_socket_env != nullptr && *attune_socket_env != '\0') return attune_socket_env;
  if (xdg_runtime_dir != nullptr && *xdg_runtime_dir != '\0') {
    return absl::StrCat(xdg_runtime_dir, "/attune/attuned.sock");
  }
  return absl::StrCat("/tmp/attune-", uid, "/attuned.sock");
}

std::string DefaultSocketPath() {
  return SocketPathFrom(std::getenv("ATTUNE_SOCKET"), std::getenv("XDG_RUNTIME_DIR"), ::getuid());
}

}  // namespace attune
