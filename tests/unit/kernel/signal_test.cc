// Signals without the interpreter: the system calls' errors, generation and the
// default actions, the riscv64 rt_sigframe a handler gets, rt_sigreturn, the
// alternate stack, and what a signal does to a blocked call.
#include "unit/kernel/syscall_fixture.h"

#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/signal_frame.h"

namespace vmlab::kern::test {
namespace {

enum : std::uint64_t {
  kExitGroup = 94, kKill = 129, kTkill = 130, kTgkill = 131, kSigaltstack = 132, kRtSigsuspend = 133,
  kRtSigaction = 134, kRtSigprocmask = 135, kRtSigpending = 136, kRtSigreturn = 139, kRead = 63, kPipe2 = 59,
  kNanosleep = 101, kWait4 = 260,
};
constexpr int kSigusr1 = 10, kSigusr2 = 12, kSigsegv = 11, kSigchld = 17, kSigterm = 15;

class SignalTest : public SyscallTest {
 protected:
  static constexpr std::uint64_t kHandler = 0x5000;
  // rt_sigaction(sig, {handler, flags, mask}) through the system call.
  std::int64_t set_action(int sig, std::uint64_t handler, std::uint64_t flags = 0, std::uint64_t mask = 0) {
    put(3000, std::array<std::uint64_t, 3>{handler, flags, mask});
    return sys(kRtSigaction, static_cast<std::uint64_t>(sig), buf + 3000, 0, 8);
  }
  void send(int sig) {
    KSigInfo info;
    info.signo = sig;
    info.code = kSiUser;
    info.pid = 1;
    send_signal(k(), *t, info, SigTarget::thread);
  }
};

TEST_F(SignalTest, SigactionErrors) {
  EXPECT_EQ(set_action(kSigusr1, kHandler), 0);
  put(3000, std::array<std::uint64_t, 3>{kHandler, 0, 0});
  EXPECT_EQ(sys(kRtSigaction, kSigusr1, buf + 3000, 0, 16), e(Errno::inval));  // sigsetsize
  EXPECT_EQ(sys(kRtSigaction, 0, buf + 3000, 0, 8), e(Errno::inval));
  EXPECT_EQ(sys(kRtSigaction, 65, buf + 3000, 0, 8), e(Errno::inval));
  EXPECT_EQ(sys(kRtSigaction, 9, buf + 3000, 0, 8), e(Errno::inval));  // SIGKILL
  EXPECT_EQ(sys(kRtSigaction, 19, buf + 3000, 0, 8), e(Errno::inval));  // SIGSTOP
  EXPECT_EQ(sys(kRtSigaction, 9, 0, buf + 3100, 8), 0);                 // querying is fine
  EXPECT_EQ(sys(kRtSigaction, kSigusr1, kBad, 0, 8), e(Errno::fault));
  EXPECT_EQ(sys(kRtSigaction, kSigusr1, 0, kBad, 8), e(Errno::fault));
  // The old action comes back with unknown flags cleared (SA_RESTORER: not on riscv)
  // and SIGKILL/SIGSTOP out of the mask.
  EXPECT_EQ(set_action(kSigusr2, kHandler, kSaSiginfo | kSaRestart | 0x04000000, sig_bit(9) | sig_bit(3)), 0);
  EXPECT_EQ(sys(kRtSigaction, kSigusr2, 0, buf + 3100, 8), 0);
  EXPECT_EQ(get<std::uint64_t>(buf + 3100), kHandler);
  EXPECT_EQ(get<std::uint64_t>(buf + 3108), kSaSiginfo | kSaRestart);
  EXPECT_EQ(get<std::uint64_t>(buf + 3116), sig_bit(3));
}

TEST_F(SignalTest, SigprocmaskAndPending) {
  put<std::uint64_t>(0, sig_bit(kSigusr1) | sig_bit(9) | sig_bit(19));
  EXPECT_EQ(sys(kRtSigprocmask, 0, buf, buf + 8, 8), 0);  // SIG_BLOCK
  EXPECT_EQ(t->blocked, sig_bit(kSigusr1));                // never SIGKILL, SIGSTOP
  EXPECT_EQ(get<std::uint64_t>(buf + 8), 0u);
  EXPECT_EQ(sys(kRtSigprocmask, 7, buf, 0, 8), e(Errno::inval));
  EXPECT_EQ(sys(kRtSigprocmask, 7, 0, buf + 8, 8), 0);  // `how` unused without a set
  EXPECT_EQ(sys(kRtSigprocmask, 0, buf, 0, 4), e(Errno::inval));
  EXPECT_EQ(sys(kRtSigprocmask, 0, kBad, 0, 8), e(Errno::fault));
  EXPECT_EQ(sys(kRtSigprocmask, 0, 0, kBad, 8), e(Errno::fault));
  // A blocked signal stays pending, even one whose default is to ignore.
  EXPECT_EQ(set_action(kSigusr1, kHandler), 0);
  EXPECT_EQ(sys(kKill, p->tid, kSigusr1), 0);
  EXPECT_EQ(sys(kRtSigpending, buf + 16, 8), 0);
  EXPECT_EQ(get<std::uint64_t>(buf + 16), sig_bit(kSigusr1));
  EXPECT_EQ(sys(kRtSigpending, buf + 16, 9), e(Errno::inval));
  EXPECT_EQ(next_signal(*t), 0);
  // Unblocked, it is delivered (SIG_UNBLOCK).
  EXPECT_EQ(sys(kRtSigprocmask, 1, buf, 0, 8), 0);
  EXPECT_EQ(next_signal(*t), kSigusr1);
  // Setting SIG_IGN discards what is pending.
  EXPECT_EQ(set_action(kSigusr1, kSigIgn), 0);
  EXPECT_EQ(pending_set(*t), 0u);
}

TEST_F(SignalTest, KillErrors) {
  EXPECT_EQ(sys(kKill, 99999, kSigterm), e(Errno::srch));
  EXPECT_EQ(sys(kKill, p->tid, 65), e(Errno::inval));
  EXPECT_EQ(sys(kKill, p->tid, static_cast<std::uint64_t>(-1)), e(Errno::inval));
  EXPECT_EQ(sys(kKill, p->tid, 0), 0);
  EXPECT_EQ(sys(kKill, static_cast<std::uint64_t>(-99999), 0), e(Errno::srch));  // no such group
  EXPECT_EQ(sys(kKill, 0, 0), 0);                                                 // own group
  EXPECT_EQ(sys(kKill, static_cast<std::uint64_t>(-1), 0), e(Errno::srch));      // nobody else
  EXPECT_EQ(sys(kTkill, 0, kSigterm), e(Errno::inval));
  EXPECT_EQ(sys(kTgkill, 0, p->tid, kSigterm), e(Errno::inval));
  EXPECT_EQ(sys(kTgkill, p->tid, 0, kSigterm), e(Errno::inval));
  EXPECT_EQ(sys(kTgkill, p->tid, 99999, kSigterm), e(Errno::srch));
  EXPECT_EQ(sys(kTgkill, p->tid, p->tid, 0), 0);
  // SIGCHLD's default action is to ignore it: not even queued.
  EXPECT_EQ(sys(kKill, p->tid, kSigchld), 0);
  EXPECT_EQ(pending_set(*t), 0u);
}

TEST_F(SignalTest, DefaultActionKillsWithTheSignalAsStatus) {
  EXPECT_EQ(sys(kKill, p->tid, kSigterm), 0);
  EXPECT_TRUE(pending_set(*t) & sig_bit(kSigterm));
  EXPECT_FALSE(deliver_signals(k(), *t));
  EXPECT_FALSE(t->alive());
  EXPECT_EQ(k().find_group(p->tid)->exit_code, kSigterm);  // no core bit: RLIMIT_CORE is 0
}

TEST_F(SignalTest, HandlerGetsTheRiscvFrame) {
  auto vdso = k().map_vdso(*p);
  ASSERT_TRUE(vdso.ok());
  t->vdso = *vdso;
  EXPECT_EQ(set_action(kSigusr1, kHandler, kSaSiginfo, sig_bit(kSigusr2)), 0);
  for (int i = 1; i < 32; ++i) t->regs.x[static_cast<std::size_t>(i)] = 0x1000 + static_cast<std::uint64_t>(i);
  t->regs.x[2] = p->mm->start_stack - 1000 + 8;  // not 16-byte aligned
  for (int i = 0; i < 32; ++i) t->regs.f[static_cast<std::size_t>(i)] = 0xf000 + static_cast<std::uint64_t>(i);
  t->regs.fcsr = 0x45;
  t->regs.pc = 0x7777;
  const auto before = t->regs;
  EXPECT_EQ(sys(kKill, p->tid, kSigusr1), 0);
  t->regs.pc = before.pc;
  t->regs.x[10] = before.x[10];
  t->regs.x[17] = before.x[17];
  ASSERT_TRUE(deliver_signals(k(), *t));
  const std::uint64_t frame = t->regs.x[2];
  EXPECT_EQ(frame % 16, 0u);
  EXPECT_EQ(frame, (before.x[2] - kFrameSize) & ~std::uint64_t{15});
  EXPECT_EQ(t->regs.pc, kHandler);
  EXPECT_EQ(t->regs.x[1], t->vdso);  // ra: the trampoline
  EXPECT_EQ(t->regs.x[10], static_cast<std::uint64_t>(kSigusr1));
  EXPECT_EQ(t->regs.x[11], frame);
  EXPECT_EQ(t->regs.x[12], frame + kFrameUc);
  EXPECT_EQ(t->blocked, sig_bit(kSigusr1) | sig_bit(kSigusr2));
  // siginfo: SI_USER from this process.
  EXPECT_EQ(get<std::int32_t>(frame), kSigusr1);
  EXPECT_EQ(get<std::int32_t>(frame + 8), 0);
  EXPECT_EQ(get<std::int32_t>(frame + 16), p->tid);
  EXPECT_EQ(get<std::uint32_t>(frame + 20), 1000u);
  // ucontext: the old mask, pc, x1..x31, f0..f31, fcsr, the zero words.
  EXPECT_EQ(get<std::uint64_t>(frame + kUcSigmask), 0u);
  EXPECT_EQ(get<std::uint32_t>(frame + kUcStack + 8), static_cast<std::uint32_t>(kSsDisable));
  EXPECT_EQ(get<std::uint64_t>(frame + kUcMcontext), 0x7777u);
  EXPECT_EQ(get<std::uint64_t>(frame + kUcMcontext + 8 * 5), 0x1005u);
  EXPECT_EQ(get<std::uint64_t>(frame + kUcMcontext + 8 * 2), before.x[2]);
  EXPECT_EQ(get<std::uint64_t>(frame + kScFpregs + 8 * 31), 0xf01fu);
  EXPECT_EQ(get<std::uint32_t>(frame + kScFcsr), 0x45u);
  EXPECT_EQ(get<std::uint32_t>(frame + kScReserved), 0u);
  // The trampoline page holds li a7, 139; ecall.
  EXPECT_EQ(get<std::uint32_t>(t->vdso), 0x08b00893u);
  EXPECT_EQ(get<std::uint32_t>(t->vdso + 4), 0x00000073u);
  // The handler changes a register in the frame; rt_sigreturn restores it all.
  ASSERT_TRUE(put_user<std::uint64_t>(k(), *p, frame + kUcMcontext + 8 * 10, 0xabc).ok());
  t->regs.x[5] = 0;
  t->regs.pc = t->vdso + 4;
  EXPECT_EQ(sys(kRtSigreturn), 0xabc);
  EXPECT_EQ(t->regs.pc, 0x7777u);
  EXPECT_EQ(t->regs.x[5], 0x1005u);
  EXPECT_EQ(t->regs.x[2], before.x[2]);
  EXPECT_EQ(t->regs.f[31], 0xf01fu);
  EXPECT_EQ(t->regs.fcsr, 0x45u);
  EXPECT_EQ(t->blocked, 0u);
}

TEST_F(SignalTest, BadFrameOnSigreturnKills) {
  // A frame whose reserved word is not zero: SIGSEGV, which kills.
  t->regs.x[2] = buf;
  put<std::uint32_t>(kScReserved, 1);
  sys(kRtSigreturn);
  EXPECT_TRUE(t->pending.set & sig_bit(kSigsegv));
  EXPECT_FALSE(deliver_signals(k(), *t));
  EXPECT_EQ(k().find_group(p->tid)->exit_code, kSigsegv);
}

TEST_F(SignalTest, ResethandAndNodefer) {
  EXPECT_EQ(set_action(kSigusr1, kHandler, kSaResethand | kSaNodefer), 0);
  send(kSigusr1);
  ASSERT_TRUE(deliver_signals(k(), *t));
  EXPECT_EQ(t->action(kSigusr1).handler, kSigDfl);
  EXPECT_EQ(t->blocked, 0u);  // SA_NODEFER: not blocked in its handler
}

TEST_F(SignalTest, FaultWhileBlockedIsForced) {
  EXPECT_EQ(set_action(kSigsegv, kHandler), 0);
  t->blocked = sig_bit(kSigsegv);
  force_sig_fault(k(), *t, SigInfo{Signal::sigsegv, kSegvMapErr, 0x10});
  EXPECT_EQ(t->blocked, 0u);
  EXPECT_EQ(t->action(kSigsegv).handler, kSigDfl);
  EXPECT_FALSE(deliver_signals(k(), *t));
  EXPECT_EQ(k().find_group(p->tid)->exit_code, kSigsegv);
}

TEST_F(SignalTest, FaultSiginfoCarriesTheAddress) {
  ASSERT_TRUE(k().map_vdso(*p).ok());
  EXPECT_EQ(set_action(kSigsegv, kHandler, kSaSiginfo), 0);
  force_sig_fault(k(), *t, SigInfo{Signal::sigsegv, kSegvAccErr, 0xdead000});
  ASSERT_TRUE(deliver_signals(k(), *t));
  const std::uint64_t frame = t->regs.x[11];
  EXPECT_EQ(get<std::int32_t>(frame), kSigsegv);
  EXPECT_EQ(get<std::int32_t>(frame + 8), kSegvAccErr);
  EXPECT_EQ(get<std::uint64_t>(frame + 16), 0xdead000u);
}

TEST_F(SignalTest, Sigaltstack) {
  const std::uint64_t stack = buf + 4 * kPageSize;
  put(0, std::array<std::uint64_t, 3>{stack, 0, 1024});
  EXPECT_EQ(sys(kSigaltstack, buf, 0), e(Errno::nomem));  // below MINSIGSTKSZ
  put(0, std::array<std::uint64_t, 3>{stack, 4, 8192});
  EXPECT_EQ(sys(kSigaltstack, buf, 0), e(Errno::inval));
  EXPECT_EQ(sys(kSigaltstack, kBad, 0), e(Errno::fault));
  put(0, std::array<std::uint64_t, 3>{stack, 0, 8192});
  EXPECT_EQ(sys(kSigaltstack, buf, buf + 100), 0);
  EXPECT_EQ(get<std::uint32_t>(buf + 108), static_cast<std::uint32_t>(kSsDisable));  // the old one
  EXPECT_EQ(sys(kSigaltstack, 0, buf + 100), 0);
  EXPECT_EQ(get<std::uint64_t>(buf + 100), stack);
  EXPECT_EQ(get<std::uint32_t>(buf + 108), 0u);
  EXPECT_EQ(get<std::uint64_t>(buf + 116), 8192u);
  // A SA_ONSTACK handler runs on it.
  ASSERT_TRUE(k().map_vdso(*p).ok());
  EXPECT_EQ(set_action(kSigusr1, kHandler, kSaOnstack), 0);
  send(kSigusr1);
  ASSERT_TRUE(deliver_signals(k(), *t));
  const std::uint64_t frame = t->regs.x[2];
  EXPECT_GE(frame, stack);
  EXPECT_LT(frame, stack + 8192);
  EXPECT_EQ(frame, (stack + 8192 - kFrameSize) & ~std::uint64_t{15});
  // On it, changing it is EPERM, and the query says SS_ONSTACK.
  EXPECT_EQ(sys(kSigaltstack, buf, 0), e(Errno::perm));
  EXPECT_EQ(sys(kSigaltstack, 0, buf + 100), 0);
  EXPECT_EQ(get<std::uint32_t>(buf + 108), static_cast<std::uint32_t>(kSsOnstack));
}

TEST_F(SignalTest, HandlerInterruptsABlockedCall) {
  ASSERT_TRUE(k().map_vdso(*p).ok());
  ASSERT_EQ(sys(kPipe2, buf, 0), 0);
  const int r = get<std::int32_t>(buf);
  // Without SA_RESTART the read returns EINTR.
  EXPECT_EQ(set_action(kSigusr1, kHandler), 0);
  t->regs.pc = 0x40000;
  sys(kRead, r, buf + 100, 10);
  ASSERT_EQ(outcome, SysOutcome::blocked);
  send(kSigusr1);
  ASSERT_TRUE(signal_interrupts_wait(*t));
  interrupt_wait(k(), *t);
  EXPECT_EQ(static_cast<std::int64_t>(t->regs.x[10]), e(Errno::intr));
  EXPECT_EQ(t->regs.pc, 0x40004u);
  EXPECT_EQ(t->wait.kind, WaitKind::none);
  ASSERT_TRUE(deliver_signals(k(), *t));
  EXPECT_EQ(get<std::uint64_t>(t->regs.x[2] + kUcMcontext), 0x40004u);
  // With SA_RESTART the call runs again after the handler: pc stays at the ecall.
  t->blocked = 0;
  EXPECT_EQ(set_action(kSigusr2, kHandler, kSaRestart), 0);
  t->regs.pc = 0x50000;
  sys(kRead, r, buf + 100, 10);
  ASSERT_EQ(outcome, SysOutcome::blocked);
  send(kSigusr2);
  interrupt_wait(k(), *t);
  EXPECT_EQ(t->regs.pc, 0x50000u);
  EXPECT_EQ(t->regs.x[17], 63u);
  // nanosleep is never restarted, and reports the time left.
  t->blocked = 0;
  put(200, std::array<std::int64_t, 2>{5, 0});
  t->regs.pc = 0x60000;
  sys(kNanosleep, buf + 200, buf + 300);
  ASSERT_EQ(outcome, SysOutcome::blocked);
  machine().sys.clock().charge(1'000'000'000);
  send(kSigusr2);
  interrupt_wait(k(), *t);
  EXPECT_EQ(static_cast<std::int64_t>(t->regs.x[10]), e(Errno::intr));
  EXPECT_EQ(get<std::int64_t>(buf + 300), 4);  // 4 s left
  EXPECT_EQ(get<std::int64_t>(buf + 308), 0);
}

TEST_F(SignalTest, IgnoredOrBlockedSignalsDoNotInterrupt) {
  ASSERT_EQ(sys(kPipe2, buf, 0), 0);
  sys(kRead, get<std::int32_t>(buf), buf + 100, 10);
  ASSERT_EQ(outcome, SysOutcome::blocked);
  EXPECT_EQ(set_action(kSigusr1, kSigIgn), 0);
  send(kSigusr1);  // dropped at once
  EXPECT_EQ(pending_set(*t), 0u);
  t->blocked = sig_bit(kSigusr2);
  send(kSigusr2);  // pending, but blocked
  EXPECT_FALSE(signal_interrupts_wait(*t));
  send(kSigterm);  // fatal: the wait ends and delivery kills
  EXPECT_TRUE(signal_interrupts_wait(*t));
}

TEST_F(SignalTest, SigsuspendWaitsForASignal) {
  ASSERT_TRUE(k().map_vdso(*p).ok());
  EXPECT_EQ(set_action(kSigusr1, kHandler), 0);
  t->blocked = sig_bit(kSigusr1) | sig_bit(kSigusr2);
  put<std::uint64_t>(0, sig_bit(kSigusr2));
  EXPECT_EQ(sys(kRtSigsuspend, buf, 4), e(Errno::inval));
  EXPECT_EQ(sys(kRtSigsuspend, kBad, 8), e(Errno::fault));
  sys(kRtSigsuspend, buf, 8);
  ASSERT_EQ(outcome, SysOutcome::blocked);
  EXPECT_EQ(t->blocked, sig_bit(kSigusr2));
  EXPECT_FALSE(wait_is_over(k(), *t));
  EXPECT_FALSE(signal_interrupts_wait(*t));
  send(kSigusr1);
  ASSERT_TRUE(signal_interrupts_wait(*t));
  interrupt_wait(k(), *t);
  EXPECT_EQ(static_cast<std::int64_t>(t->regs.x[10]), e(Errno::intr));
  ASSERT_TRUE(deliver_signals(k(), *t));
  // The frame keeps the mask from before the call; the handler runs with it plus SIGUSR1.
  EXPECT_EQ(get<std::uint64_t>(t->regs.x[2] + kUcSigmask), sig_bit(kSigusr1) | sig_bit(kSigusr2));
  EXPECT_EQ(t->blocked, sig_bit(kSigusr1) | sig_bit(kSigusr2));
}

TEST_F(SignalTest, ChildExitSendsSigchldToAHandler) {
  ASSERT_TRUE(k().map_vdso(*p).ok());
  EXPECT_EQ(set_action(kSigchld, kHandler, kSaSiginfo), 0);
  const std::int64_t child = sys(220, 17, 0, 0, 0, 0);  // fork
  ASSERT_GT(child, 0);
  Task* ct = k().find_task(static_cast<int>(child));
  ct->usage.utime_ns = 250'000'000;
  sys_on(*ct, kExitGroup, 3);
  ASSERT_TRUE(pending_set(*t) & sig_bit(kSigchld));
  ASSERT_TRUE(deliver_signals(k(), *t));
  const std::uint64_t info = t->regs.x[11];
  EXPECT_EQ(get<std::int32_t>(info), kSigchld);
  EXPECT_EQ(get<std::int32_t>(info + 8), kCldExited);
  EXPECT_EQ(get<std::int32_t>(info + 16), child);
  EXPECT_EQ(get<std::int32_t>(info + 24), 3);
  EXPECT_EQ(get<std::int64_t>(info + 32), 25);  // si_utime in clock ticks
  // With SIGCHLD ignored, children are reaped as they exit.
  EXPECT_EQ(set_action(kSigchld, kSigIgn), 0);
  const std::int64_t second = sys(220, 17, 0, 0, 0, 0);
  sys_on(*k().find_task(static_cast<int>(second)), kExitGroup, 0);
  EXPECT_EQ(k().find(static_cast<int>(second)), nullptr);
  EXPECT_EQ(sys(kWait4, static_cast<std::uint64_t>(-1), 0, 0, 0), child);  // the first one only
  EXPECT_EQ(sys(kWait4, static_cast<std::uint64_t>(-1), 0, 0, 0), e(Errno::child));
}

}  // namespace
}  // namespace vmlab::kern::test
