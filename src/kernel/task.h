// A guest task: what a process running RISC-V code has beyond the memory-manager
// state of kern::Process (task_struct's thread, signal and scheduling parts): the
// hart's registers (pt_regs), signal dispositions, mask, pending set and alternate
// stack, what the task sleeps on, its descriptor flags, resource limits and times.
// Guests are single-threaded: one Task per Process, keyed by pid.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "hw/rv64_regs.h"

namespace vmlab::kern {

class Pipe;

inline constexpr int kNsig = 64;  // _NSIG: signals 1..64, SIGRTMIN 32 (kernel numbering)

// k_sigaction as riscv64 has it (asm-generic, no sa_restorer): 24 bytes in user memory.
struct SigAction {
  std::uint64_t handler = 0;  // SIG_DFL 0, SIG_IGN 1, or the handler's address
  std::uint64_t flags = 0;
  std::uint64_t mask = 0;     // bit n-1 stands for signal n
};
inline constexpr std::uint64_t kSigDfl = 0;
inline constexpr std::uint64_t kSigIgn = 1;

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
  bool group = false;      // sent to the process (PIDTYPE_TGID: shared_pending), not the thread
};
inline constexpr int kSiUser = 0;
inline constexpr int kSiKernel = 0x80;
inline constexpr int kSiTkill = -6;
inline constexpr int kCldExited = 1;
inline constexpr int kCldKilled = 2;
inline constexpr int kCldDumped = 3;

inline constexpr std::uint64_t sig_bit(int sig) { return 1ULL << (sig - 1); }

// stack_t of sigaltstack(): ss_flags values.
inline constexpr int kSsOnstack = 1;
inline constexpr int kSsDisable = 2;
inline constexpr int kSsAutodisarm = 1 << 31;
struct AltStack {
  std::uint64_t sp = 0;
  std::uint64_t size = 0;
  int flags = kSsDisable;  // SS_AUTODISARM kept here; SS_ONSTACK computed from sp
};

// What a blocked task waits for. A blocking system call leaves pc at its ecall and is
// executed again when the wait is over (Linux sleeps inside the call and loops; the
// effect is the same); `done` and `deadline_ns` carry its progress across.
enum class WaitKind : std::uint8_t {
  none,
  child,       // wait4: a child to change state
  pipe_read,   // read on an empty pipe with writers
  pipe_write,  // write to a full pipe with readers
  sleep,       // nanosleep, clock_nanosleep: until deadline_ns
  signal,      // rt_sigsuspend: until a signal is delivered
  vfork,       // a vfork parent: until the child execs or exits (clone already returned)
};

// What a signal handler does to the interrupted call (the -ERESTART* codes).
enum class Restart : std::uint8_t {
  sys,     // ERESTARTSYS: restarted after a SA_RESTART handler, else EINTR
  nohand,  // ERESTARTNOHAND, ERESTART_RESTARTBLOCK: EINTR when a handler runs
  none,    // not interruptible by handled signals (vfork)
};

struct WaitState {
  WaitKind kind = WaitKind::none;
  Restart restart = Restart::sys;
  bool woken = false;             // the condition holds: execute the call again
  std::uint64_t nr = 0;           // the system call that blocked
  std::shared_ptr<Pipe> pipe;     // pipe_read, pipe_write
  std::uint64_t need = 0;         // pipe_write: free bytes that let the writer go on
  std::uint64_t done = 0;         // bytes already transferred by the call
  std::uint64_t deadline_ns = 0;  // sleep: monotonic virtual time to wake at
  std::uint64_t rem_addr = 0;     // nanosleep: where the remaining time goes on EINTR
};

// Resource limits (struct rlimit64) and their numbers.
struct RLimit {
  std::uint64_t cur = ~0ULL;
  std::uint64_t max = ~0ULL;
};
inline constexpr int kRlimitData = 2;
inline constexpr int kRlimitStack = 3;
inline constexpr int kRlimitCore = 4;
inline constexpr int kRlimitNproc = 6;
inline constexpr int kRlimitNofile = 7;
inline constexpr int kRlimitMemlock = 8;
inline constexpr int kRlimitSigpending = 11;
inline constexpr int kRlimitMsgqueue = 12;
inline constexpr int kRlimitNice = 13;
inline constexpr int kRlimitRtprio = 14;
inline constexpr int kRlimits = 16;  // RLIM_NLIMITS
inline constexpr std::uint64_t kRlimInfinity = ~0ULL;

struct Task {
  int pid = 0;
  bool alive = true;  // false once exit_task() ran: a zombie waiting for its parent
  hw::Rv64Regs regs;

  // Signals (sighand, blocked, pending, sas_ss_*). One queued instance per standard
  // signal; real-time signals queue every instance (in `queue`, in order).
  std::array<SigAction, kNsig + 1> actions{};
  std::uint64_t blocked = 0;
  std::uint64_t pending = 0;
  std::deque<KSigInfo> queue;
  std::uint64_t saved_mask = 0;       // rt_sigsuspend: the mask to restore (TIF_RESTORE_SIGMASK)
  bool restore_saved_mask = false;
  AltStack altstack;
  int exit_signal = 17;               // sent to the parent at exit (SIGCHLD, from clone's flags)

  WaitState wait;
  std::vector<std::uint8_t> cloexec;  // FD_CLOEXEC by descriptor
  std::uint64_t clear_child_tid = 0;  // set_tid_address(), CLONE_CHILD_CLEARTID
  std::uint64_t set_child_tid = 0;    // CLONE_CHILD_SETTID: written when the child first runs
  std::uint64_t robust_list = 0;      // set_robust_list(): recorded only
  // rseq() (kernel/rseq.h): the registered area (0: none), its length and signature;
  // whether the task was preempted or signalled since its critical section was last
  // checked (rseq_event_mask), and whether the way back to user mode must look
  // (TIF_NOTIFY_RESUME).
  std::uint64_t rseq = 0;
  std::uint32_t rseq_len = 0, rseq_sig = 0;
  bool rseq_event = false, rseq_notify = false;
  std::array<RLimit, kRlimits> rlimits{};
  int pgid = 0, sid = 0;
  std::uint64_t vdso = 0;             // mm->context.vdso: where the [vdso] page is mapped

  // Accounting: virtual time spent running user code and in the kernel for this task,
  // and what its reaped children spent (signal->cutime, cstime, cmaxrss).
  std::uint64_t utime_ns = 0, stime_ns = 0;
  std::uint64_t cutime_ns = 0, cstime_ns = 0;
  std::uint64_t maxrss_kb = 0, cmaxrss_kb = 0;  // peak RSS as the mm last reported it
  std::uint64_t nvcsw = 0, nivcsw = 0;          // voluntary and involuntary switches
  bool yielded = false;                         // sched_yield(): the slice ends here

  bool fd_cloexec(int fd) const {
    return fd >= 0 && static_cast<std::size_t>(fd) < cloexec.size() && cloexec[static_cast<std::size_t>(fd)];
  }
  void set_cloexec(int fd, bool on) {
    if (fd < 0) return;
    if (static_cast<std::size_t>(fd) >= cloexec.size()) cloexec.resize(static_cast<std::size_t>(fd) + 1, 0);
    cloexec[static_cast<std::size_t>(fd)] = on ? 1 : 0;
  }
  bool blocked_now() const { return wait.kind != WaitKind::none && !wait.woken; }
};

}  // namespace vmlab::kern
