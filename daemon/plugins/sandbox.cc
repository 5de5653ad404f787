#include "daemon/plugins/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace attune {
namespace {

#if defined(__x86_64__)
constexpr uint32_t kArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr uint32_t kArch = AUDIT_ARCH_AARCH64;
#else
constexpr uint32_t kArch = 0;  // unknown: no filter
#endif

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif

// x32 system calls on x86_64 carry this bit; no plugin needs them, and a
// filter matching on numbers would let them through.
constexpr uint32_t kX32SyscallBit = 0x40000000;

// A system call of another architecture (a 32-bit int 0x80 on x86_64, whose
// socketcall would get past the socket rule) or an x32 call: the process is
// killed. socket(domain, …): allowed for AF_UNIX, EACCES otherwise;
// connect(): EACCES (a plugin serves; it never dials, and must not reach the
// daemon's client socket); io_uring (which can open sockets on its own):
// ENOSYS; ioctl TIOCSTI and TIOCLINUX (typing into a terminal): EPERM;
// everything else allowed.
#define ATTUNE_LD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
const struct sock_filter kFilter[] = {
    /* 0 */ ATTUNE_LD(arch),
    /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kArch, 1, 0),
    /* 2 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    /* 3 */ ATTUNE_LD(nr),
    /* 4 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, kX32SyscallBit, 0, 1),
    /* 5 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
    /* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
    /* 7 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
    /* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_connect, 0, 1),
    /* 9 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),
    /* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 5),
    // The request is an unsigned int: its low 32 bits (little-endian).
    /* 11 */ ATTUNE_LD(args[1]),
    /* 12 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 2, 0),
    /* 13 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 1, 0),
    /* 14 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    /* 15 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
    /* 16 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 4),
    /* 17 */ ATTUNE_LD(args[0]),
    /* 18 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1),
    /* 19 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    /* 20 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),
    /* 21 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};
#undef ATTUNE_LD

// Landlock access rights (linux/landlock.h), spelled out so that older
// headers still build; each ABI version adds rights.
constexpr uint64_t kExecute = 1ULL << 0;
constexpr uint64_t kWriteFile = 1ULL << 1;
constexpr uint64_t kReadFile = 1ULL << 2;
constexpr uint64_t kReadDir = 1ULL << 3;
constexpr uint64_t kTruncate = 1ULL << 14;                // ABI 3
constexpr uint64_t kIoctlDev = 1ULL << 15;                // ABI 5
constexpr uint64_t kScopeAbstractUnixSocket = 1ULL << 0;  // ABI 6
constexpr uint64_t kScopeSignal = 1ULL << 1;              // ABI 6
// Rights that apply to a file itself (the others only to folders).
constexpr uint64_t kFileRights = kExecute | kWriteFile | kReadFile | kTruncate | kIoctlDev;

// Every file system right the kernel's ABI version knows.
uint64_t HandledRights(int abi) {
  uint64_t rights = (1ULL << 13) - 1;  // ABI 1: execute … make_sym
  if (abi >= 2) rights |= 1ULL << 13;  // refer
  if (abi >= 3) rights |= kTruncate;
  if (abi >= 5) rights |= kIoctlDev;
  return rights;
}

uint64_t RightsFor(PathAccess access, uint64_t handled) {
  uint64_t rights = 0;
  switch (access) {
    case PathAccess::kRead:
      rights = kReadFile | kReadDir;
      break;
    case PathAccess::kReadExecute:
      rights = kReadFile | kReadDir | kExecute;
      break;
    case PathAccess::kReadWrite:
      rights = kReadFile | kReadDir | kWriteFile | kTruncate | kIoctlDev;
      break;
    case PathAccess::kFull:
      rights = handled;
      break;
  }
  return rights & handled;
}

int RawLandlockAbi() {
  long abi = ::syscall(__NR_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return abi > 0 ? static_cast<int>(abi) : -errno;
}

// Restricts the calling process to `paths`. Async-signal-safe. Returns 0
// (also when the kernel has no Landlock) or an errno.
int ConfineFiles(const AllowedPath* paths, size_t n) {
  int abi = RawLandlockAbi();
  if (abi < 0) {
    int e = -abi;
    // No Landlock in this kernel, or switched off: the daemon says so in its
    // log; the plugin runs with the files of its user.
    return e == ENOSYS || e == EOPNOTSUPP ? 0 : e;
  }
  uint64_t handled = HandledRights(abi);
  // struct landlock_ruleset_attr as of ABI 6, which older headers lack.
  struct {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
  } attr;
  std::memset(&attr, 0, sizeof attr);
  attr.handled_access_fs = handled;
  // ABI 6: no signals to processes outside the plugin's own (the daemon, the
  // processes between it and the plugin), and no abstract Unix sockets
  // outside it.
  size_t attr_size = sizeof attr.handled_access_fs;
  if (abi >= 6) {
    attr.scoped = kScopeAbstractUnixSocket | kScopeSignal;
    attr_size = sizeof attr;
  }
  long ruleset = ::syscall(__NR_landlock_create_ruleset, &attr, attr_size, 0);
  if (ruleset < 0) return errno;
  int fd_ruleset = static_cast<int>(ruleset);
  for (size_t i = 0; i < n; ++i) {
    int fd = ::open(paths[i].path.c_str(), O_PATH | O_CLOEXEC);
    // Out of descriptors or memory: a rule the plugin needs would be left
    // out, so it is refused. Any other failure (not on this machine, or not
    // reachable by this user, which then cannot use it either): nothing to
    // allow.
    if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOMEM)) {
      int e = errno;
      ::close(fd_ruleset);
      return e;
    }
    if (fd < 0) continue;
    struct stat st;
    uint64_t rights = RightsFor(paths[i].access, handled);
    if (::fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) rights &= kFileRights;
    struct landlock_path_beneath_attr beneath;
    std::memset(&beneath, 0, sizeof beneath);
    beneath.allowed_access = rights;
    beneath.parent_fd = fd;
    long added = rights == 0 ? 0
                             : ::syscall(__NR_landlock_add_rule, fd_ruleset,
                                         LANDLOCK_RULE_PATH_BENEATH, &beneath, 0);
    int add_errno = errno;
    ::close(fd);
    if (added != 0) {
      ::close(fd_ruleset);
      return add_errno;
    }
  }
  long restricted = ::syscall(__NR_landlock_restrict_self, fd_ruleset, 0);
  int restrict_errno = errno;
  ::close(fd_ruleset);
  return restricted == 0 ? 0 : restrict_errno;
}

int SetLimit(int resource, uint64_t value) {
  struct rlimit rl;
  rl.rlim_cur = value;
  rl.rlim_max = value;
  if (resource == RLIMIT_CPU) rl.rlim_max = value + 5;  // SIGXCPU first, then SIGKILL
  return ::setrlimit(resource, &rl) == 0 ? 0 : errno;
}

}  // namespace

std::vector<AllowedPath> PluginAllowedPaths(const std::string& plugin_folder,
                                            const std::string& executable,
                                            const std::string& socket_folder) {
  std::vector<AllowedPath> out;
  for (const char* system :
       {"/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin", "/etc"}) {
    out.push_back({system, PathAccess::kReadExecute});
  }
  out.push_back({"/proc", PathAccess::kRead});
  out.push_back({"/sys", PathAccess::kRead});
  out.push_back({"/dev", PathAccess::kReadWrite});
  out.push_back({plugin_folder, PathAccess::kReadExecute});
  // The executable may be a link to a program outside the folder: allow that
  // one file, not the folder it is in.
  std::error_code ec;
  auto real = std::filesystem::canonical(executable, ec);
  out.push_back({ec ? executable : real.string(), PathAccess::kReadExecute});
  out.push_back({socket_folder, PathAccess::kFull});
#if defined(ATTUNE_SANITIZER_BUILD)
  // Sanitizer builds only (the asan and tsan test presets set these): the
  // folder sanitizer reports go to (their log_path), so a plugin's report is
  // written, not lost; and the one with the suppression files, which a
  // sanitizer runtime that cannot read them dies of.
  if (const char* reports = std::getenv("ATTUNE_SANITIZER_REPORTS");
      reports != nullptr && *reports == '/') {
    std::filesystem::create_directories(reports, ec);
    out.push_back({reports, PathAccess::kFull});
  }
  if (const char* files = std::getenv("ATTUNE_SANITIZER_FILES");
      files != nullptr && *files == '/') {
    out.push_back({files, PathAccess::kRead});
  }
#endif
  return out;
}

int LandlockAbi(std::string* reason) {
  int abi = RawLandlockAbi();
  if (abi > 0) return abi;
  if (reason != nullptr) {
    int e = -abi;
    *reason = e == ENOSYS       ? "the kernel was built without Landlock"
              : e == EOPNOTSUPP ? "Landlock is switched off in this kernel (lsm= boot option)"
                                : absl::StrCat("landlock_create_ruleset: ", std::strerror(e));
  }
  return 0;
}

std::string DescribeFileConfinement() {
  std::string reason;
  int abi = LandlockAbi(&reason);
  if (abi > 0) {
    return absl::StrCat("plugins may read only system files and their own folder (Landlock ABI ",
                        abi, ")");
  }
  return absl::StrCat("plugins are not confined to their own folder: ", reason,
                      " (Linux 5.13 or later has it); they can read every file of this "
                      "user, the data folder included (still sealed)");
}

SeccompProgram PluginSeccompProgram() { return {kFilter, sizeof kFilter / sizeof kFilter[0]}; }

namespace {
// Set by tests only, before any plugin starts.
SeccompProgram g_program_override{nullptr, 0};
bool g_program_overridden = false;
}  // namespace

void OverridePluginSeccompProgramForTesting(const SeccompProgram* program) {
  g_program_overridden = program != nullptr;
  if (program != nullptr) g_program_override = *program;
}

int ApplyPluginLimitsInChild(const PluginLimits& limits, const AllowedPath* paths, size_t n,
                             SandboxStep* failed) {
  SandboxStep ignored_step;
  if (failed == nullptr) failed = &ignored_step;
  *failed = SandboxStep::kLimits;
  if (int e = SetLimit(RLIMIT_CPU, limits.cpu_seconds)) return e;
#if defined(ATTUNE_SANITIZER_BUILD)
  // Sanitizer builds (ATTUNE_SANITIZE, for tests only) leave the address
  // space unlimited: ASan and TSan reserve terabytes of it for their shadow
  // memory when a program starts, so any limit a plugin could live with
  // would kill every sanitized plugin before main. Real builds keep it.
  (void)limits.address_space_bytes;
#else
  if (int e = SetLimit(RLIMIT_AS, limits.address_space_bytes)) return e;
#endif
  if (int e = SetLimit(RLIMIT_CORE, limits.core_bytes)) return e;
  if (limits.processes != 0) {
    if (int e = SetLimit(RLIMIT_NPROC, limits.processes)) return e;
  }
  // Both Landlock and an unprivileged seccomp filter need no_new_privs; a
  // plugin has no use for set-uid programs anyway.
  bool no_new_privs = ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0;
  int no_new_privs_errno = errno;
  if (limits.confine_files && no_new_privs) {
    *failed = SandboxStep::kFileConfine;
    if (int e = ConfineFiles(paths, n)) return e;
  }
  // After the confinement, which opens a descriptor per path: the child
  // still holds the daemon's descriptors until exec closes them, and may
  // hold more than the plugin is allowed.
  *failed = SandboxStep::kLimits;
  if (int e = SetLimit(RLIMIT_NOFILE, limits.open_files)) return e;
  if (limits.no_network) {
    // Not best effort: a plugin whose filter is not in place does not run.
    *failed = SandboxStep::kSeccomp;
    if (!no_new_privs) return no_new_privs_errno;
    SeccompProgram program = g_program_overridden ? g_program_override : PluginSeccompProgram();
    if (kArch == 0 && !g_program_overridden) return ENOSYS;  // no filter for this machine
    struct sock_fprog prog;
    prog.len = static_cast<unsigned short>(program.len);
    prog.filter = const_cast<struct sock_filter*>(program.code);
    if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) return errno;
  }
  return 0;
}

}  // namespace attune
