// What a plugin process is confined by, applied in the child between fork
// and exec: resource limits (setrlimit) and, where the kernel allows, no
// network (a seccomp filter that refuses every socket but Unix sockets).
#ifndef ATTUNE_DAEMON_PLUGINS_SANDBOX_H_
#define ATTUNE_DAEMON_PLUGINS_SANDBOX_H_

#include <cstdint>

namespace attune {

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
  // Refuse sockets other than AF_UNIX (and io_uring) with EACCES.
  bool no_network = true;
};

// Applies `limits` to the calling process. Async-signal-safe: meant for the
// child between fork and exec. Returns 0, or the errno of the first limit
// that could not be set. A kernel without seccomp leaves the network open
// and is not an error.
int ApplyPluginLimitsInChild(const PluginLimits& limits);

}  // namespace attune

#endif  // ATTUNE_DAEMON_PLUGINS_SANDBOX_H_
