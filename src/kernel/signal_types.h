// Signal state as the kernel keeps it (include/linux/signal_types.h, sched/signal.h):
// the dispositions threads share (sighand_struct), the queued instances of a pending
// set (sigpending), what a queued instance carries (kernel_siginfo), and the alternate
// stack.
#pragma once

#include <array>
#include <cstdint>
#include <deque>

namespace vmlab::kern {

inline constexpr int kNsig = 64;  // _NSIG: signals 1..64, SIGRTMIN 32 (kernel numbering)
inline constexpr int kSigchld = 17;

inline constexpr std::uint64_t sig_bit(int sig) { return 1ULL << (sig - 1); }

// k_sigaction as riscv64 has it (asm-generic, no sa_restorer): 24 bytes in user memory.
struct SigAction {
  std::uint64_t handler = 0;  // SIG_DFL 0, SIG_IGN 1, or the handler's address
  std::uint64_t flags = 0;
  std::uint64_t mask = 0;     // bit n-1 stands for signal n
};
inline constexpr std::uint64_t kSigDfl = 0;
inline constexpr std::uint64_t kSigIgn = 1;

// sighand_struct: the dispositions, shared by the threads of a process (and by tasks
// cloned with CLONE_SIGHAND). Copied at fork; reset to SIG_DFL at exec.
struct SigHand {
  std::array<SigAction, kNsig + 1> actions{};
};

// sa_flags (asm-generic signal-defs.h).
inline constexpr std::uint64_t kSaNocldstop = 0x1;
inline constexpr std::uint64_t kSaNocldwait = 0x2;
inline constexpr std::uint64_t kSaSiginfo = 0x4;
inline constexpr std::uint64_t kSaOnstack = 0x08000000;
inline constexpr std::uint64_t kSaRestart = 0x10000000;
inline constexpr std::uint64_t kSaNodefer = 0x40000000;
inline constexpr std::uint64_t kSaResethand = 0x80000000;

// kernel_siginfo: the fields a pending signal carries to its frame.
struct KSigInfo {
  int signo = 0;
  int code = 0;            // si_code: SI_USER 0, SI_TKILL -6, SI_KERNEL 0x80, CLD_*, SEGV_*...
  int pid = 0, uid = 0;    // _kill, _sigchld
  int status = 0;          // _sigchld: exit code or signal
  std::int64_t utime = 0, stime = 0;  // _sigchld, in clock ticks
  std::uint64_t addr = 0;  // _sigfault
};
inline constexpr int kSiUser = 0;
inline constexpr int kSiKernel = 0x80;
inline constexpr int kSiTkill = -6;
inline constexpr int kCldExited = 1;
inline constexpr int kCldKilled = 2;
inline constexpr int kCldDumped = 3;

// struct sigpending: a pending set and its queued instances. One instance per
// standard signal; real-time signals queue every instance, in order.
struct SigPending {
  std::uint64_t set = 0;
  std::deque<KSigInfo> queue;
  void clear() {
    set = 0;
    queue.clear();
  }
};

// stack_t of sigaltstack(): ss_flags values.
inline constexpr int kSsOnstack = 1;
inline constexpr int kSsDisable = 2;
inline constexpr int kSsAutodisarm = 1 << 31;
struct AltStack {
  std::uint64_t sp = 0;
  std::uint64_t size = 0;
  int flags = kSsDisable;  // SS_AUTODISARM kept here; SS_ONSTACK computed from sp
};

}  // namespace vmlab::kern
