// The plugin's seccomp filter, run on made-up system calls by a small
// interpreter of the classic BPF it is written in: what it answers for
// each, without a kernel (the integration tests show the kernel applies it).
#include "daemon/plugins/sandbox.h"

#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>

#include <cstring>

namespace attune {
namespace {

// Runs the program on `data` as the kernel would (the instructions the
// filter uses: loads of a word of seccomp_data, jumps on a constant, and
// returns); returns its verdict.
uint32_t Verdict(const SeccompProgram& program, const seccomp_data& data) {
  uint32_t a = 0;
  for (size_t pc = 0; pc < program.len; ++pc) {
    const sock_filter& i = program.code[pc];
    switch (i.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        if (i.k + 4 > sizeof data) return 0xdead;
        std::memcpy(&a, reinterpret_cast<const char*>(&data) + i.k, 4);
        break;
      case BPF_JMP | BPF_JEQ | BPF_K:
        pc += a == i.k ? i.jt : i.jf;
        break;
      case BPF_JMP | BPF_JGE | BPF_K:
        pc += a >= i.k ? i.jt : i.jf;
        break;
      case BPF_RET | BPF_K:
        return i.k;
      default:
        return 0xbad;  // an instruction this test does not know
    }
  }
  return 0xfa11;  // ran off the end
}

#if defined(__x86_64__)
constexpr uint32_t kNative = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr uint32_t kNative = AUDIT_ARCH_AARCH64;
#endif

seccomp_data Call(int nr, uint64_t arg0 = 0, uint64_t arg1 = 0, uint32_t arch = kNative) {
  seccomp_data d;
  std::memset(&d, 0, sizeof d);
  d.nr = nr;
  d.arch = arch;
  d.args[0] = arg0;
  d.args[1] = arg1;
  return d;
}

constexpr uint32_t Errno(int e) { return SECCOMP_RET_ERRNO | static_cast<uint32_t>(e); }

TEST(SandboxFilterTest, RefusesTheNetworkAndTerminalInputAllowsTheRest) {
  SeccompProgram p = PluginSeccompProgram();
  EXPECT_EQ(Verdict(p, Call(__NR_socket, AF_INET)), Errno(EACCES));
  EXPECT_EQ(Verdict(p, Call(__NR_socket, AF_INET6)), Errno(EACCES));
  EXPECT_EQ(Verdict(p, Call(__NR_socket, AF_NETLINK)), Errno(EACCES));
  EXPECT_EQ(Verdict(p, Call(__NR_socket, AF_UNIX)), SECCOMP_RET_ALLOW);
  EXPECT_EQ(Verdict(p, Call(__NR_connect)), Errno(EACCES));
  EXPECT_EQ(Verdict(p, Call(__NR_io_uring_setup)), Errno(ENOSYS));
  EXPECT_EQ(Verdict(p, Call(__NR_ioctl, 0, TIOCSTI)), Errno(EPERM));
  EXPECT_EQ(Verdict(p, Call(__NR_ioctl, 0, TIOCLINUX)), Errno(EPERM));
  // The request is an unsigned int: high bits set do not get past.
  EXPECT_EQ(Verdict(p, Call(__NR_ioctl, 0, (1ULL << 32) | TIOCSTI)), Errno(EPERM));
  EXPECT_EQ(Verdict(p, Call(__NR_ioctl, 0, TCGETS)), SECCOMP_RET_ALLOW);
  EXPECT_EQ(Verdict(p, Call(__NR_read)), SECCOMP_RET_ALLOW);
  EXPECT_EQ(Verdict(p, Call(__NR_personality)), SECCOMP_RET_ALLOW) << "TSan needs it";
  EXPECT_EQ(Verdict(p, Call(__NR_kill)), SECCOMP_RET_ALLOW);
}

// A system call of another architecture (a 32-bit int 0x80 on x86_64,
// whose socketcall is not the socket rule's number) or an x32 call kills the
// process.
TEST(SandboxFilterTest, KillsForeignArchitecturesAndX32) {
  SeccompProgram p = PluginSeccompProgram();
  constexpr int kSocketcall32 = 102, kSocket32 = 359;
  EXPECT_EQ(Verdict(p, Call(kSocketcall32, 1, 0, AUDIT_ARCH_I386)), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(Verdict(p, Call(kSocket32, AF_INET, 0, AUDIT_ARCH_I386)), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(Verdict(p, Call(__NR_read, 0, 0, AUDIT_ARCH_I386)), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(Verdict(p, Call(__NR_read, 0, 0, AUDIT_ARCH_ARM)), SECCOMP_RET_KILL_PROCESS);
  EXPECT_EQ(Verdict(p, Call(0x40000000 | 41, AF_INET)), SECCOMP_RET_KILL_PROCESS) << "x32 socket";
}

}  // namespace
}  // namespace attune
