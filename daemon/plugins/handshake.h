// The go-plugin style handshake between attuned and a plugin process (see
// plugin.proto): the environment the daemon passes, and the one line the
// plugin prints on stdout once it serves.
#ifndef ATTUNE_DAEMON_PLUGINS_HANDSHAKE_H_
#define ATTUNE_DAEMON_PLUGINS_HANDSHAKE_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace attune {

// Environment variables a plugin is started with.
inline constexpr char kPluginCookieEnv[] = "ATTUNE_PLUGIN_COOKIE";
inline constexpr char kPluginCookieValue[] = "7d1f0c5e9a3b4c62";
inline constexpr char kPluginSocketDirEnv[] = "ATTUNE_PLUGIN_SOCKET_DIR";
inline constexpr char kPluginProtocolVersionsEnv[] = "ATTUNE_PLUGIN_PROTOCOL_VERSIONS";

// The first field of the line: the version of the handshake itself.
inline constexpr int kHandshakeCoreVersion = 1;
// The longest line accepted.
inline constexpr size_t kMaxHandshakeBytes = 1024;

// "1|1|unix|/run/user/1000/attune/plugins/practices.x1/plugin.sock|grpc"
struct Handshake {
  int core_version = 0;
  int protocol_version = 0;
  std::string network;
  std::string address;
  std::string protocol;
};

// Splits a line (without its line break). INVALID_ARGUMENT, quoting the
// start of the line, when it is not five '|'-separated fields with numbers
// first.
absl::StatusOr<Handshake> ParseHandshake(std::string_view line);

// Checks what a parsed line says: core version 1, a protocol version this
// daemon speaks (FAILED_PRECONDITION otherwise), network "unix", a socket
// path directly inside `socket_dir`, protocol "grpc".
absl::Status CheckHandshake(const Handshake& handshake, const std::string& socket_dir);

// The line a plugin prints (without the line break).
std::string FormatHandshake(int protocol_version, const std::string& socket_path);

// A printable excerpt of untrusted output: at most 80 characters (UTF-8
// characters, never cut inside one), control characters (C0, DEL, C1) and
// malformed bytes escaped as \xNN, so it is valid UTF-8 that cannot drive a
// terminal.
std::string Excerpt(std::string_view text);
// The same, at most `max_chars` characters.
std::string Excerpt(std::string_view text, size_t max_chars);

}  // namespace attune

#endif  // ATTUNE_DAEMON_PLUGINS_HANDSHAKE_H_
