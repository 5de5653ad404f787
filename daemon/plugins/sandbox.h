// What a plugin process is confined by, applied in the child between fork
// and exec: resource limits (setrlimit), processes included; no network (a
// seccomp filter that refuses every socket but Unix sockets, and every
// connect(), so a plugin cannot reach the daemon's own client socket either;
// it kills a plugin that makes a system call of another architecture, and
// refuses TIOCSTI); and, where the kernel has Landlock (Linux 5.13 and
// later), no files but the system's programs and libraries, its own folder
// and its socket folder, so it cannot read the data folder, and (Landlock
// ABI 6, Linux 6.12) no signals to processes outside its own.
#ifndef ATTUNE_DAEMON_PLUGINS_SANDBOX_H_
#define ATTUNE_DAEMON_PLUGINS_SANDBOX_H_

#include <linux/filter.h>

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
  // Processes and threads (RLIMIT_NPROC): a fork bomb stops here. In the
  // plugin's own user namespace the kernel counts only the plugin's (its
  // threads, its children and the namespace's init); without one it would
  // count every process of the user, so the launcher leaves it unset then
  // (0: unset). The kernel does not apply it to root.
  uint64_t processes = 128;
  // The seccomp filter (PluginSeccompProgram): refuse sockets other than
  // AF_UNIX, every connect(), io_uring and TIOCSTI. When it cannot be
  // installed, the plugin is not started.
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

// The step of ApplyPluginLimitsInChild that failed.
enum class SandboxStep { kLimits, kFileConfine, kSeccomp };

// Applies `limits` to the calling process, with `paths` (n of them) as the
// only files it may use when limits.confine_files. Async-signal-safe: meant
// for the child between fork and exec. Returns 0, or the errno of the first
// step that failed (and sets *failed to it). A kernel without Landlock
// leaves the files open and is not an error (the daemon logs it); a seccomp
// filter that cannot be installed (no seccomp, a machine other than x86_64
// or aarch64) is, when limits.no_network.
int ApplyPluginLimitsInChild(const PluginLimits& limits, const AllowedPath* paths, size_t n,
                             SandboxStep* failed = nullptr);

// The classic BPF program of the seccomp filter, for tests that check its
// verdicts.
struct SeccompProgram {
  const struct sock_filter* code;
  size_t len;
};
SeccompProgram PluginSeccompProgram();

// Tests only: children started after this install `program` instead of the
// real filter (nullptr: the real one again). A program the kernel refuses
// shows that such a plugin is not started. Not thread-safe.
void OverridePluginSeccompProgramForTesting(const SeccompProgram* program);

}  // namespace attune

#endif  // ATTUNE_DAEMON_PLUGINS_SANDBOX_H_
