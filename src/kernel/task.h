// task_struct: one per thread. A process is a thread group: its tasks share a
// ThreadGroup (signal_struct) and, by reference count, what clone() asked them to
// share: the address space (CLONE_VM), the descriptor table (CLONE_FILES), the working
// directory and umask (CLONE_FS) and the signal handlers (CLONE_SIGHAND). The rest is
// the thread's own: its registers, signal mask and pending set, what it sleeps on,
// its tid bookkeeping, rseq area, CPU and times.
//
// The Kernel owns every task by tid. A task that has exited stays (a zombie leader,
// or a thread not yet released) until release_task(); its record then moves to the
// kernel's graveyard, so pointers held by API handles stay valid.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "fs/filesystem.h"
#include "hw/rv64_regs.h"
#include "kernel/files_struct.h"
#include "kernel/fs_struct.h"
#include "kernel/signal_types.h"
#include "kernel/thread_group.h"
#include "kernel/wait_state.h"
#include "mm/address_space.h"
#include "vmlab/events.h"

namespace vmlab::kern {

// nsec_to_clock_t(): the clock ticks (USER_HZ 100) times(), /proc/PID/stat and
// SIGCHLD's siginfo count in.
constexpr std::int64_t nsec_to_clock_t(std::uint64_t ns) { return static_cast<std::int64_t>(ns / 10000000ULL); }

struct Task {
  int tid = 0;
  std::string comm;  // the name /proc shows (15 chars at most); each thread has its own

  // Shared by reference count. `mm` is null once the task has exited (and for kernel
  // threads); mm_users is AddressSpace::users. `mm_id` is mm.get(), kept where the C++
  // API's inline fast path reads it.
  std::shared_ptr<ThreadGroup> tg;
  std::shared_ptr<mm::AddressSpace> mm;
  const void* mm_id = nullptr;
  std::shared_ptr<FilesStruct> files;
  std::shared_ptr<FsStruct> fs;
  std::shared_ptr<SigHand> sighand;

  // Set once do_exit() has run: the task no longer runs, holds no mm or files, and
  // waits to be released (a leader until its process is reaped).
  bool exited = false;
  int exit_code = 0;     // the wait status it exited with (task->exit_code)
  bool kthread = false;  // PF_KTHREAD: a kernel thread (no mm, no user registers)

  hw::Rv64Regs regs;     // user registers while switched out (pt_regs)
  unsigned cpu = 0;      // task_cpu(): the CPU it runs on, or last ran on
  std::uint64_t cpus_allowed = ~0ULL;  // sched_setaffinity(): the CPUs it may run on (bit n: CPU n)
  std::uint64_t start_time_ns = 0;  // start_boottime

  // Signals: the mask, the signals sent to this thread (tkill, faults), the mask
  // rt_sigsuspend replaced (TIF_RESTORE_SIGMASK), the alternate stack, and what the
  // parent is sent when this task, as a leader, ends its process (threads: -1).
  std::uint64_t blocked = 0;
  SigPending pending;
  bool sigpending = false;  // TIF_SIGPENDING: a signal waits that this task should take
  std::uint64_t saved_mask = 0;
  bool restore_saved_mask = false;
  AltStack altstack;
  int exit_signal = kSigchld;

  WaitState wait;
  // vfork: the child this task waits for (wait_for_vfork_done()), and the task a
  // vfork child wakes when it execs or exits (vfork_done). 0 when none.
  int vfork_child = 0;
  int vfork_parent = 0;

  std::uint64_t clear_child_tid = 0;  // set_tid_address(), CLONE_CHILD_CLEARTID
  std::uint64_t set_child_tid = 0;    // CLONE_CHILD_SETTID: written when the child first runs
  std::uint64_t robust_list = 0;      // set_robust_list(): the head, walked at exit
  // rseq() (kernel/rseq.h): the registered area (0: none), its length and signature;
  // whether the task was preempted or signalled since its critical section was last
  // checked (rseq_event_mask), and whether the way back to user mode must look
  // (TIF_NOTIFY_RESUME).
  std::uint64_t rseq = 0;
  std::uint32_t rseq_len = 0, rseq_sig = 0;
  bool rseq_event = false, rseq_notify = false;
  std::uint64_t vdso = 0;             // mm->context.vdso: where the [vdso] page is mapped

  // Accounting: virtual time spent running user code and in the kernel, faults as
  // mm_account_fault() counts them (resolved ones only), voluntary and involuntary
  // context switches.
  Usage usage;
  bool yielded = false;  // sched_yield(): the slice ends here

  int tgid() const { return tg->tgid; }
  // Who the task is to a filesystem: its credentials, and the process and thread
  // /proc/self and /proc/thread-self name.
  fs::Caller caller() const { return {tg->uid, tg->gid, tgid(), tid}; }
  bool leader() const { return tid == tg->tgid; }
  bool alive() const { return !exited; }
  bool privileged() const { return tg->privileged(); }
  bool blocked_now() const { return wait.kind != WaitKind::none && !wait.woken; }
  SigAction& action(int sig) { return sighand->actions[static_cast<std::size_t>(sig)]; }
  const SigAction& action(int sig) const { return sighand->actions[static_cast<std::size_t>(sig)]; }
  std::vector<std::shared_ptr<fs::OpenFile>>& fds() { return files->fds; }
  void set_mm(std::shared_ptr<mm::AddressSpace> m) {
    mm = std::move(m);
    mm_id = mm.get();
  }
};

}  // namespace vmlab::kern
