// What a plugin process is confined by, applied in the child between fork
// and exec: resource limits (setrlimit); where the kernel allows, no network
// (a seccomp filter that refuses every socket but Unix sockets, and every
// connect(), so a plugin cannot reach the daemon's own client socket
// either); and, where the kernel has Landlock (Linux 5.13 and later), no
// files but the system's programs and libraries, its own folder and its
// socket folder, so it cannot read the data folder.
#ifndef ATTUNE_DAEMON_PLUGINS_SANDBOX_H_
#define ATTUNE_DAEMON_PLUGINS_SANDBOX_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace attune {

// What a plugin confined by Landlock may do beneath a path.
enum class PathAccess {
  kRead,         // read files and list folders
  kReadExecute,  // and run programs
  kReadWrite,    // and write existing files (devices such as /dev/null)
  kFull,         // anything: make, remove and rename files too
};

struct AllowedPath {
  std::string path;
  PathAccess access;
};

struct PluginLimits {
  // CPU time the process may use in its life, in seconds (RLIMIT_CPU):
  // plugins answer in milliseconds, so a runaway loop is what this stops.
  uint64_t cpu_seconds = 120;
  // Address space in bytes (RLIMIT_AS). gRPC reserves address space for
  // threads; this is room for that, not the memory a plugin should use.
  uint64_t address_space_bytes = 4ull << 30;
  // Open file descriptors (RLIMIT_NOFILE).
  uint64_t open_files = 64;
  // Size of core dumps (RLIMIT_CORE): none, so a crash leaves no copy of
  // what the plugin held.
  uint64_t core_bytes = 0;
  // Refuse sockets other than AF_UNIX, every connect() and io_uring.
  bool no_network = true;
  // Confine file access to the paths given to ApplyPluginLimitsInChild
  // (Landlock).
  bool confine_files = true;
};

// The paths a plugin may use: the system's programs, libraries and
// configuration (read and run), /proc and /sys (read), /dev (read and
// write), its own folder and real executable (read and run), and its socket
// folder (everything). Nothing else: not the data folder, not $HOME.
std::vector<AllowedPath> PluginAllowedPaths(const std::string& plugin_folder,
                                            const std::string& executable,
                                            const std::string& socket_folder);

// The Landlock ABI version of the running kernel, or 0 when it has none (or
// it is disabled); *reason then says why.
int LandlockAbi(std::string* reason = nullptr);

// A line for the log on how plugins' files are confined here.
std::string DescribeFileConfinement();

// Applies `limits` to the calling process, with `paths` (n of them) as the
// only files it may use when limits.confine_files. Async-signal-safe: meant
// for the child between fork and exec. Returns 0, or the errno of the first
// limit that could not be set. A kernel without seccomp or Landlock leaves
// the network or the files open and is not an error (the daemon logs it).
int ApplyPluginLimitsInChild(const PluginLimits& limits, const AllowedPath* paths, size_t n);

}  // namespace attune

#endif  // ATTUNE_DAEMON_PLUGINS_SANDBOX_H_
