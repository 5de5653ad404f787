#include "daemon/plugins/sandbox.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>

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

// socket(domain, …): allowed for AF_UNIX, EACCES otherwise; io_uring (which
// can open sockets on its own) ENOSYS; everything else allowed.
#define ATTUNE_LD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
struct sock_filter kFilter[] = {
    /* 0 */ ATTUNE_LD(arch),
    /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kArch, 1, 0),
    /* 2 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    /* 3 */ ATTUNE_LD(nr),
    /* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
    /* 5 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
    /* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 4),
    /* 7 */ ATTUNE_LD(args[0]),
    /* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1),
    /* 9 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    /* 10 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),
    /* 11 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};
#undef ATTUNE_LD

int SetLimit(int resource, uint64_t value) {
  struct rlimit rl;
  rl.rlim_cur = value;
  rl.rlim_max = value;
  if (resource == RLIMIT_CPU) rl.rlim_max = value + 5;  // SIGXCPU first, then SIGKILL
  return ::setrlimit(resource, &rl) == 0 ? 0 : errno;
}

}  // namespace

int ApplyPluginLimitsInChild(const PluginLimits& limits) {
  if (int e = SetLimit(RLIMIT_CPU, limits.cpu_seconds)) return e;
  if (int e = SetLimit(RLIMIT_AS, limits.address_space_bytes)) return e;
  if (int e = SetLimit(RLIMIT_NOFILE, limits.open_files)) return e;
  if (int e = SetLimit(RLIMIT_CORE, limits.core_bytes)) return e;
  if (limits.no_network && kArch != 0) {
    struct sock_fprog prog;
    prog.len = static_cast<unsigned short>(sizeof kFilter / sizeof kFilter[0]);
    prog.filter = kFilter;
    // Best effort: without seccomp (or with it forbidden) the plugin still
    // runs, with the network open.
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0) {
      (void)::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
    }
  }
  return 0;
}

}  // namespace attune
