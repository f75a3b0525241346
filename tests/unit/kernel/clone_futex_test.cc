// clone, clone3, futex and the thread calls, called directly with raw registers: each
// errno as Linux gives it, and what a thread shares, gets and leaves behind.
#include "unit/kernel/syscall_fixture.h"

#include "kernel/sched.h"

namespace vmlab::kern::test {
namespace {

enum : std::uint64_t {
  kExit = 93, kFutex = 98, kGetRobustList = 100, kSetRobustList = 99, kTkill = 130, kTgkill = 131,
  kSchedSetaffinity = 122, kSchedGetaffinity = 123, kGetpid = 172, kGettid = 178, kClone = 220, kClone3 = 435,
};
// futex operations and flags.
enum : std::uint64_t {
  kWait = 0, kWake = 1, kRequeue = 3, kCmpRequeue = 4, kWakeOp = 5, kLockPi = 6, kWaitBitset = 9,
  kWakeBitset = 10, kPrivate = 128, kClockRealtime = 256,
};
// The flags glibc's pthread_create() passes.
constexpr std::uint64_t kThreadFlags = kCloneVm | kCloneFs | kCloneFiles | kCloneSighand | kCloneThread |
                                       kCloneSysvsem | kCloneSettls | kCloneParentSettid | kCloneChildCleartid;

class CloneFutexTest : public SyscallTest {
 protected:
  Task& task(std::int64_t tid) { return *k().find_task(static_cast<int>(tid)); }
  // clone3 with the struct at buf + 512.
  std::int64_t clone3(std::array<std::uint64_t, 11> args, std::uint64_t size = 88) {
    put(512, args);
    return sys(kClone3, buf + 512, size);
  }
};

TEST_F(CloneFutexTest, CloneFlagChecks) {
  EXPECT_EQ(sys(kClone, kCloneNewns | kCloneFs | 17), e(Errno::inval));
  EXPECT_EQ(sys(kClone, kCloneThread | 17), e(Errno::inval));          // CLONE_THREAD needs CLONE_SIGHAND
  EXPECT_EQ(sys(kClone, kCloneSighand | 17), e(Errno::inval));         // CLONE_SIGHAND needs CLONE_VM
  EXPECT_EQ(sys(kClone, kClonePidfd | kCloneDetached | 17), e(Errno::inval));
  EXPECT_EQ(sys(kClone, kCloneNewpid | 17), e(Errno::perm));           // namespaces need CAP_SYS_ADMIN
  // The pidfd would go where the tid goes: the one word cannot take both (host).
  EXPECT_EQ(sys(kClone, kClonePidfd | kCloneParentSettid | 17, 0, buf), e(Errno::inval));
  EXPECT_EQ(k().tasks().size(), 1u);                                   // none of them made a task
}

// Which check speaks first when several would fail, as in Linux: clone3 reads the
// set_tid array (EFAULT) before clone3_args_valid() (EINVAL); copy_process() checks
// RLIMIT_NPROC (EAGAIN) before the namespaces (EPERM), and those before the pid is
// allocated with set_tid (EINVAL for more tids than namespaces, then EPERM). Each
// answer here is the host kernel's to an unprivileged user.
TEST_F(CloneFutexTest, Clone3ChecksInLinuxsOrder) {
  EXPECT_EQ(clone3({kCloneDetached, 0, 0, 0, 17, 0, 0, 0, kBad, 1}), e(Errno::fault));
  put(700, std::array<std::int32_t, 2>{4242, 4243});
  EXPECT_EQ(clone3({kCloneDetached, 0, 0, 0, 17, 0, 0, 0, buf + 700, 2}), e(Errno::inval));
  EXPECT_EQ(clone3({kCloneNewpid, 0, 0, 0, 17, 0, 0, 0, buf + 700, 2}), e(Errno::perm));
  EXPECT_EQ(clone3({0, 0, 0, 0, 17, 0, 0, 0, buf + 700, 2}), e(Errno::inval));  // one pid namespace
  put<std::int32_t>(700, 0);
  EXPECT_EQ(clone3({0, 0, 0, 0, 17, 0, 0, 0, buf + 700, 1}), e(Errno::inval));
  put<std::int32_t>(700, 4194304);  // pid_max
  EXPECT_EQ(clone3({0, 0, 0, 0, 17, 0, 0, 0, buf + 700, 1}), e(Errno::inval));
  // A stack must lie below TASK_SIZE (access_ok()).
  const std::uint64_t top = p->mm->task_size;
  EXPECT_EQ(clone3({0, 0, 0, 0, 17, top - kPageSize, 2 * kPageSize}), e(Errno::inval));
  EXPECT_EQ(clone3({0, 0, 0, 0, 17, kPageSize, ~0ULL}), e(Errno::inval));
  // CLONE_NEWTIME (clone3 only) needs CAP_SYS_ADMIN like the other namespaces.
  EXPECT_EQ(clone3({kCloneNewtime, 0, 0, 0, 17}), e(Errno::perm));
  p->tg->rlimits[kRlimitNproc].cur = 1;
  EXPECT_EQ(sys(kClone, kCloneNewpid | 17), e(Errno::again));
  EXPECT_EQ(k().tasks().size(), 1u);
}

// clone3's set_tid for root: the tid asked for, unless a task has it.
TEST_F(CloneFutexTest, Clone3SetTidForRoot) {
  p->tg->uid = 0;
  put<std::int32_t>(700, 4242);
  const std::int64_t child = clone3({0, 0, 0, 0, 17, 0, 0, 0, buf + 700, 1});
  EXPECT_EQ(child, 4242);
  EXPECT_EQ(clone3({0, 0, 0, 0, 17, 0, 0, 0, buf + 700, 1}), e(Errno::exist));
  put<std::int32_t>(700, static_cast<std::int32_t>(p->tid));
  EXPECT_EQ(clone3({0, 0, 0, 0, 17, 0, 0, 0, buf + 700, 1}), e(Errno::exist));
}

// The legacy clone() reads only the low 32 bits of its flags and does not check the
// exit signal in the low byte (host: exit signal 145 and bit 32 set both fork).
TEST_F(CloneFutexTest, LegacyCloneTakesTheLowWordUnchecked) {
  const std::int64_t odd = sys(kClone, 17 | 0x80);
  ASSERT_GT(odd, 0);
  EXPECT_EQ(task(odd).exit_signal, 145);
  const std::int64_t high = sys(kClone, kCloneClearSighand | kCloneIntoCgroup | 17);
  ASSERT_GT(high, 0);
  EXPECT_EQ(task(high).exit_signal, 17);
  EXPECT_NE(task(high).tgid(), p->tid);
}

// clone3's CLONE_CLEAR_SIGHAND: the child's handlers are SIG_DFL with no flags or
// mask; ignored signals stay ignored; the parent keeps its own (host).
TEST_F(CloneFutexTest, Clone3ClearSighandResetsTheChildsHandlers) {
  constexpr int kSigusr1 = 10, kSigusr2 = 12;
  p->action(kSigusr1) = SigAction{0x1000, kSaRestart, sig_bit(2)};
  p->action(kSigusr2) = SigAction{kSigIgn, 0, 0};
  EXPECT_EQ(clone3({kCloneClearSighand | kCloneVm | kCloneSighand, 0, 0, 0, 17}), e(Errno::inval));
  const std::int64_t child = clone3({kCloneClearSighand, 0, 0, 0, 17});
  ASSERT_GT(child, 0);
  const SigAction& usr1 = task(child).action(kSigusr1);
  EXPECT_EQ(usr1.handler, kSigDfl);
  EXPECT_EQ(usr1.flags, 0u);
  EXPECT_EQ(usr1.mask, 0u);
  EXPECT_EQ(task(child).action(kSigusr2).handler, kSigIgn);
  EXPECT_EQ(p->action(kSigusr1).handler, 0x1000u);
}

TEST_F(CloneFutexTest, Clone3StructChecks) {
  EXPECT_EQ(clone3({}, 8), e(Errno::inval));                     // smaller than CLONE_ARGS_SIZE_VER0
  EXPECT_EQ(clone3({}, kPageSize + 8), e(Errno::toobig));        // larger than a page
  put<std::uint64_t>(512 + 88, 1);
  EXPECT_EQ(sys(kClone3, buf + 512, 96), e(Errno::toobig));      // a field this kernel does not know, set
  EXPECT_EQ(clone3({0, 0, 0, 0, 65}), e(Errno::inval));          // exit_signal past _NSIG
  EXPECT_EQ(clone3({kCloneDetached}), e(Errno::inval));          // not a clone3 flag
  EXPECT_EQ(clone3({17}), e(Errno::inval));                      // the CSIGNAL bits are not flags here
  EXPECT_EQ(clone3({kCloneVm | kCloneSighand | kCloneThread, 0, 0, 0, 17}), e(Errno::inval));
  EXPECT_EQ(clone3({0, 0, 0, 0, 17, buf}), e(Errno::inval));     // a stack without its size
  EXPECT_EQ(clone3({0, 0, 0, 0, 17, 0, 4096}), e(Errno::inval)); // a size without its stack
  put<std::int32_t>(700, 4242);
  EXPECT_EQ(clone3({0, 0, 0, 0, 17, 0, 0, 0, buf + 700, 1}), e(Errno::perm));  // set_tid: root only
  EXPECT_EQ(clone3({0, 0, 0, 0, 17, 0, 0, 0, 0, 1}), e(Errno::inval));
  // A plain fork through clone3.
  const std::int64_t child = clone3({0, 0, 0, 0, 17});
  ASSERT_GT(child, 0);
  EXPECT_EQ(task(child).tgid(), child);
  EXPECT_EQ(task(child).exit_signal, 17);
}

TEST_F(CloneFutexTest, AThreadAsPthreadCreateMakesIt) {
  const VirtAddr stack = buf + 8 * kPageSize, ptid = buf + 100, ctid = buf + 104, tls = 0x12340;
  put<std::int32_t>(100, 0);
  put<std::int32_t>(104, -1);
  const std::int64_t tid = sys(kClone, kThreadFlags, stack, ptid, tls, ctid);
  ASSERT_GT(tid, 0);
  Task& th = task(tid);
  EXPECT_EQ(get<std::int32_t>(ptid), tid);  // CLONE_PARENT_SETTID
  EXPECT_EQ(th.tgid(), p->tid);
  EXPECT_EQ(th.mm, p->mm);
  EXPECT_EQ(th.files, p->files);
  EXPECT_EQ(th.sighand, p->sighand);
  EXPECT_EQ(th.regs.x[2], stack);   // sp
  EXPECT_EQ(th.regs.x[4], tls);     // tp
  EXPECT_EQ(th.regs.x[10], 0u);     // clone returns 0 in the thread
  EXPECT_EQ(th.exit_signal, -1);
  EXPECT_EQ(sys_on(th, kGettid), tid);
  EXPECT_EQ(sys_on(th, kGetpid), p->tid);
  EXPECT_EQ(p->tg->threads.size(), 2u);
  // pthread_join(): the main thread waits on the tid word, the exiting thread clears it
  // and wakes it (CLONE_CHILD_CLEARTID, a shared futex).
  put<std::int32_t>(104, static_cast<std::int32_t>(tid));
  EXPECT_EQ(sys(kFutex, ctid, kWait, static_cast<std::uint64_t>(tid), 0), static_cast<std::int64_t>(ctid));
  ASSERT_EQ(outcome, SysOutcome::blocked);
  EXPECT_FALSE(wait_is_over(k(), *t));
  sys_on(th, kExit, 0);
  EXPECT_EQ(get<std::int32_t>(ctid), 0);
  EXPECT_TRUE(wait_is_over(k(), *t));
  t->wait.woken = true;
  EXPECT_EQ(sys(kFutex, ctid, kWait, static_cast<std::uint64_t>(tid), 0), 0);
  // The thread was released at once; the process goes on.
  EXPECT_EQ(k().find_task(static_cast<int>(tid)), nullptr);
  EXPECT_EQ(p->tg->threads.size(), 1u);
  EXPECT_TRUE(p->alive());
}

TEST_F(CloneFutexTest, FutexErrors) {
  put<std::uint32_t>(0, 5);
  EXPECT_EQ(sys(kFutex, buf + 1, kWait, 5), e(Errno::inval));                     // unaligned
  EXPECT_EQ(sys(kFutex, buf, kWait | kPrivate, 4), e(Errno::again));              // the word is not 4
  EXPECT_EQ(sys(kFutex, buf, kWaitBitset | kPrivate, 5, 0, 0, 0), e(Errno::inval));  // bitset 0
  EXPECT_EQ(sys(kFutex, buf, kWait | kClockRealtime, 5), e(Errno::nosys));       // CLOCK_REALTIME: absolute waits only
  EXPECT_EQ(sys(kFutex, buf, kWait, 5, kBad), e(Errno::fault));                   // unreadable timeout
  put(64, std::array<std::int64_t, 2>{0, 1000000000});
  EXPECT_EQ(sys(kFutex, buf, kWait, 5, buf + 64), e(Errno::inval));               // tv_nsec out of range
  put(64, std::array<std::int64_t, 2>{0, 0});
  EXPECT_EQ(sys(kFutex, buf, kWait | kPrivate, 5, buf + 64), e(Errno::timedout)); // a zero timeout
  EXPECT_EQ(sys(kFutex, kBad, kWake, 1), e(Errno::fault));                        // shared: no page there
  EXPECT_EQ(sys(kFutex, kBad, kWake | kPrivate, 1), 0);                           // private: no page needed
  EXPECT_EQ(sys(kFutex, buf, kWakeBitset, 1, 0, 0, 0), e(Errno::inval));
  EXPECT_EQ(sys(kFutex, buf, kCmpRequeue, 1, static_cast<std::uint64_t>(-1), buf + 4, 5), e(Errno::inval));
  EXPECT_EQ(sys(kFutex, buf, kCmpRequeue, 1, 1, buf + 4, 4), e(Errno::again));   // the word is 5
  EXPECT_EQ(sys(kFutex, buf, kWakeOp, 1, 1, buf + 4, 7u << 28), e(Errno::nosys)); // no such op
  EXPECT_EQ(sys(kFutex, buf, kWakeOp, 1, 1, buf + 4, 6u << 24), e(Errno::nosys)); // no such comparison
  EXPECT_EQ(sys(kFutex, buf, kLockPi, 0), e(Errno::nosys));
  EXPECT_EQ(sys(kFutex, buf, 99, 0), e(Errno::nosys));
  ASSERT_EQ(warnings.size(), 1u);  // the PI operation, once
}

TEST_F(CloneFutexTest, WaitTimesOutOnTheVirtualClock) {
  put<std::uint32_t>(0, 0);
  put(64, std::array<std::int64_t, 2>{0, 5000});
  const std::uint64_t start = k().now_ns();
  sys(kFutex, buf, kWait | kPrivate, 0, buf + 64);
  ASSERT_EQ(outcome, SysOutcome::blocked);
  EXPECT_EQ(t->wait.deadline_ns, start + 5000);
  machine().sys.clock().advance_to(0, start + 4999);
  EXPECT_FALSE(wait_is_over(k(), *t));
  machine().sys.clock().advance_to(0, start + 5000);
  EXPECT_TRUE(wait_is_over(k(), *t));
  t->wait.woken = true;
  EXPECT_EQ(sys(kFutex, buf, kWait | kPrivate, 0, buf + 64), e(Errno::timedout));
  // Taken off the queue: a wake finds nobody.
  EXPECT_EQ(sys(kFutex, buf, kWake | kPrivate, 1), 0);
}

// Waiters in three threads: WAKE takes the oldest, REQUEUE moves the rest, WAKE_OP
// changes the second word and wakes on both; private and shared keys never meet.
TEST_F(CloneFutexTest, WakeRequeueAndWakeOp) {
  Task& a = task(sys(kClone, kThreadFlags & ~(kCloneParentSettid | kCloneChildCleartid | kCloneSettls), buf + 4096));
  Task& b = task(sys(kClone, kThreadFlags & ~(kCloneParentSettid | kCloneChildCleartid | kCloneSettls), buf + 8192));
  Task& c = task(sys(kClone, kThreadFlags & ~(kCloneParentSettid | kCloneChildCleartid | kCloneSettls), buf + 12288));
  put<std::uint32_t>(0, 1);
  put<std::uint32_t>(4, 0);
  for (Task* w : {&a, &b, &c}) {
    sys_on(*w, kFutex, buf, kWait | kPrivate, 1);
    ASSERT_EQ(outcome, SysOutcome::blocked);
  }
  EXPECT_EQ(sys(kFutex, buf, kWake, 3), 0);                 // a shared wake: not the private waiters' key
  EXPECT_EQ(sys(kFutex, buf, kWake | kPrivate, 1), 1);      // the oldest
  EXPECT_TRUE(a.wait.futex_woken);
  EXPECT_FALSE(b.wait.futex_woken);
  // CMP_REQUEUE: wake none, move both to the second word.
  EXPECT_EQ(sys(kFutex, buf, kCmpRequeue | kPrivate, 0, 5, buf + 4, 1), 2);
  EXPECT_EQ(sys(kFutex, buf, kWake | kPrivate, 5), 0);
  // WAKE_OP: *buf+4 = oldval + 1 (FUTEX_OP_ADD 1); wake 0 on the first word, then on
  // the second if oldval == 0 (FUTEX_OP_CMP_EQ 0): both.
  const std::uint32_t op = (1u << 28) | (0u << 24) | (1u << 12) | 0u;
  EXPECT_EQ(sys(kFutex, buf, kWakeOp | kPrivate, 0, 2, buf + 4, op), 2);
  EXPECT_EQ(get<std::uint32_t>(buf + 4), 1u);
  EXPECT_TRUE(b.wait.futex_woken);
  EXPECT_TRUE(c.wait.futex_woken);
}

TEST_F(CloneFutexTest, ThreadSignalsAndRobustLists) {
  const std::int64_t tid = sys(kClone, kCloneVm | kCloneFs | kCloneFiles | kCloneSighand | kCloneThread, buf + 4096);
  ASSERT_GT(tid, 0);
  EXPECT_EQ(sys(kTgkill, p->tid + 1000, tid, 0), e(Errno::srch));  // not its process
  EXPECT_EQ(sys(kTgkill, p->tid, tid, 0), 0);
  EXPECT_EQ(sys(kTkill, tid, 0), 0);
  EXPECT_EQ(sys(kSetRobustList, buf + 256, 23), e(Errno::inval));
  EXPECT_EQ(sys_on(task(tid), kSetRobustList, buf + 256, 24), 0);
  EXPECT_EQ(sys(kGetRobustList, tid, buf + 300, buf + 308), 0);
  EXPECT_EQ(get<std::uint64_t>(buf + 300), buf + 256);
  EXPECT_EQ(get<std::uint64_t>(buf + 308), 24u);
  EXPECT_EQ(sys(kGetRobustList, 99999, buf + 300, buf + 308), e(Errno::srch));
  EXPECT_EQ(sys(kGetRobustList, tid, kBad, buf + 308), e(Errno::fault));
}

// A robust mutex held by a thread that dies: its word gets FUTEX_OWNER_DIED and a
// waiter is woken (handle_futex_death()).
TEST_F(CloneFutexTest, RobustFutexOfADeadOwner) {
  const std::int64_t tid = sys(kClone, kCloneVm | kCloneFs | kCloneFiles | kCloneSighand | kCloneThread, buf + 4096);
  ASSERT_GT(tid, 0);
  // struct robust_list_head at buf+256 {list.next, futex_offset, list_op_pending};
  // one entry at buf+512 whose futex word is at entry + 16.
  put(256, std::array<std::uint64_t, 3>{buf + 512, 16, 0});
  put<std::uint64_t>(512, buf + 256);                               // the entry's next: back to the head
  put<std::uint32_t>(528, 0x80000000u | static_cast<std::uint32_t>(tid));  // FUTEX_WAITERS | owner
  EXPECT_EQ(sys_on(task(tid), kSetRobustList, buf + 256, 24), 0);
  sys(kFutex, buf + 528, kWait, 0x80000000u | static_cast<std::uint32_t>(tid));
  ASSERT_EQ(outcome, SysOutcome::blocked);
  sys_on(task(tid), kExit, 0);
  EXPECT_EQ(get<std::uint32_t>(buf + 528), 0x80000000u | 0x40000000u);  // FUTEX_OWNER_DIED, waiters kept
  EXPECT_TRUE(t->wait.futex_woken);
}

TEST_F(CloneFutexTest, Affinity) {
  put<std::uint64_t>(0, 0);
  EXPECT_EQ(sys(kSchedSetaffinity, 0, 8, buf), e(Errno::inval));   // no CPU of this machine
  put<std::uint64_t>(0, ~0ULL);
  EXPECT_EQ(sys(kSchedSetaffinity, 0, 8, buf), 0);
  EXPECT_EQ(sys(kSchedSetaffinity, 99999, 8, buf), e(Errno::srch));
  EXPECT_EQ(sys(kSchedSetaffinity, 0, 8, kBad), e(Errno::fault));
  EXPECT_EQ(sys(kSchedGetaffinity, 0, 8, buf + 8), 8);
  EXPECT_EQ(get<std::uint64_t>(buf + 8), 1u);  // one CPU
  EXPECT_EQ(sys(kSchedGetaffinity, 0, 4, buf + 8), e(Errno::inval));
}

}  // namespace
}  // namespace vmlab::kern::test
