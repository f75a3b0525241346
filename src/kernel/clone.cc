// Making tasks (kernel/fork.c): kernel_clone() and copy_process() with Linux's flag
// checks, what a new task shares with its parent or gets a copy of, the tid writes,
// and schedule_tail(). fork() and vfork() are clones with fixed flags.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "kernel/dup_mm.h"
#include "kernel/kernel.h"
#include "kernel/rseq.h"
#include "kernel/signal.h"
#include "kernel/user_mem.h"

namespace vmlab::kern {

namespace {

// What vmlab models of the flags: everything but namespaces, pidfds, tracing and
// cgroup placement. CLONE_DETACHED, CLONE_UNTRACED and CLONE_IO are accepted and do
// nothing, as on Linux for a task nobody traces.
constexpr std::uint64_t kModelled = kCloneVm | kCloneFs | kCloneFiles | kCloneSighand | kCloneVfork | kCloneParent |
                                    kCloneThread | kCloneSysvsem | kCloneSettls | kCloneParentSettid |
                                    kCloneChildCleartid | kCloneDetached | kCloneUntraced | kCloneChildSettid |
                                    kCloneIo | kCloneClearSighand;

// The tasks of a user, threads included (the ucounts RLIMIT_NPROC is checked against).
std::uint64_t tasks_of_user(const Kernel& k, std::uint32_t uid) {
  std::uint64_t n = 0;
  for (const auto& [tid, t] : k.tasks()) n += !t->exited && t->tg->uid == uid;
  return n;
}

}  // namespace

Result<int> Kernel::clone(Task& parent, const CloneArgs& a) {
  const std::uint64_t flags = a.flags;
  // kernel_clone(): one word cannot take both the pidfd and the tid (always the case
  // for the legacy clone(), which passes parent_tidptr for both).
  if ((flags & kClonePidfd) && (flags & kCloneParentSettid) && a.pidfd == a.parent_tid) return Errno::inval;
  // copy_process()'s consistency rules, in its order.
  if ((flags & (kCloneNewns | kCloneFs)) == (kCloneNewns | kCloneFs)) return Errno::inval;
  if ((flags & (kCloneNewuser | kCloneFs)) == (kCloneNewuser | kCloneFs)) return Errno::inval;
  if ((flags & kCloneThread) && !(flags & kCloneSighand)) return Errno::inval;
  if ((flags & kCloneSighand) && !(flags & kCloneVm)) return Errno::inval;
  if ((flags & kCloneThread) && (flags & (kCloneNewuser | kCloneNewpid))) return Errno::inval;
  if ((flags & kClonePidfd) && (flags & kCloneDetached)) return Errno::inval;
  // RLIMIT_NPROC counts every task of the user; root (and CAP_SYS_RESOURCE) may go past.
  if (!parent.privileged() && tasks_of_user(*this, parent.tg->uid) >= parent.tg->rlimits[kRlimitNproc].cur) {
    return Errno::again;
  }
  // copy_namespaces(): new namespaces need CAP_SYS_ADMIN in the user namespace they
  // belong to, which with CLONE_NEWUSER is the new one, where the child has it.
  constexpr std::uint64_t kPrivilegedNs = kCloneNewns | kCloneNewuts | kCloneNewipc | kCloneNewpid | kCloneNewnet |
                                          kCloneNewcgroup | kCloneNewtime;
  if ((flags & kPrivilegedNs) && !(flags & kCloneNewuser) && !parent.privileged()) return Errno::perm;
  if (flags & ~kModelled) {
    // Namespaces, pidfds, ptrace and cgroup placement are not modelled.
    warn_once(0x1000000000ULL | (flags & ~kModelled),
              fmt::format("vmlab: clone flags {:#x} ask for what is not modelled (namespaces, pidfds, ptrace, "
                          "cgroups): ENOSYS",
                          flags & ~kModelled));
    return Errno::nosys;
  }
  // alloc_pid() with clone3's set_tid: one tid for the one pid namespace, in range,
  // for CAP_CHECKPOINT_RESTORE only, and free (pids are never reused here).
  if (a.set_tid_size > 1) return Errno::inval;
  if (a.set_tid_size == 1) {
    constexpr int kPidMax = 4194304;  // /proc/sys/kernel/pid_max
    if (a.set_tid < 1 || a.set_tid >= kPidMax) return Errno::inval;
    if (!parent.privileged()) return Errno::perm;
    if (groups_.count(a.set_tid) || find_task(a.set_tid) != nullptr ||
        std::any_of(released_.begin(), released_.end(), [&](const auto& t) { return t->tid == a.set_tid; })) {
      return Errno::exist;
    }
  }

  // The address space: shared (CLONE_VM) or copied (dup_mm()), before anything else is
  // made, so that a failure leaves nothing behind.
  std::shared_ptr<mm::AddressSpace> mm;
  if (flags & kCloneVm) {
    mm = parent.mm;
    ++mm->users;
  } else {
    auto copy = dup_mm(sys_, *parent.mm);
    if (!copy) return copy.error();
    mm = std::move(*copy);
  }

  // The thread group: the parent's (CLONE_THREAD), or a new process.
  std::shared_ptr<ThreadGroup> tg = parent.tg;
  const int id = a.set_tid_size == 1 ? a.set_tid : alloc_pid();
  if (!(flags & kCloneThread)) {
    tg = new_group(id);
    const ThreadGroup& pg = *parent.tg;
    // CLONE_PARENT: a sibling of the caller, which its parent waits for.
    tg->ppid = (flags & kCloneParent) ? pg.ppid : pg.tgid;
    tg->rlimits = pg.rlimits;
    tg->pgid = pg.pgid;
    tg->sid = pg.sid;
    tg->uid = pg.uid;
    tg->gid = pg.gid;
    tg->exe = pg.exe;
    tg->oom_score_adj = pg.oom_score_adj;  // copy_signal()
    tg->oom_score_adj_min = pg.oom_score_adj_min;
  }
  Task& child = new_task(tg, id);
  child.comm = parent.comm;
  child.cpu = parent.cpu;  // sched_fork(): the parent's CPU
  child.cpus_allowed = parent.cpus_allowed;
  child.set_mm(std::move(mm));
  child.files = (flags & kCloneFiles) ? parent.files : parent.files->copy();
  child.fs = (flags & kCloneFs) ? parent.fs : std::make_shared<FsStruct>(*parent.fs);
  child.sighand = (flags & kCloneSighand) ? parent.sighand : std::make_shared<SigHand>(*parent.sighand);
  // copy_sighand(): clone3's CLONE_CLEAR_SIGHAND resets the copy's handlers to SIG_DFL
  // (ignored signals stay ignored), as exec does.
  if (flags & kCloneClearSighand) flush_signal_handlers(child);
  // The registers: the parent's, returning 0; a new stack and thread pointer if asked.
  child.regs = parent.regs;
  child.regs.reservation = ~0ULL;
  child.regs.x[10] = 0;
  if (a.stack != 0) child.regs.x[2] = a.stack + a.stack_size;
  if (flags & kCloneSettls) child.regs.x[4] = a.tls;
  // Signals: the mask is inherited, nothing is pending; a task sharing the memory but
  // not waiting for the child (a thread) gets no alternate stack (sas_ss_reset()).
  child.blocked = parent.blocked;
  if ((flags & (kCloneVm | kCloneVfork)) != kCloneVm) child.altstack = parent.altstack;
  if (flags & kCloneThread) {
    child.exit_signal = -1;
  } else if (flags & kCloneParent) {
    const Task* leader = find_task(parent.tgid());
    child.exit_signal = leader != nullptr ? leader->exit_signal : kSigchld;
  } else {
    child.exit_signal = a.exit_signal;
  }
  child.vdso = parent.vdso;
  rseq_fork(child, parent, flags & kCloneVm);
  if (flags & kCloneChildCleartid) child.clear_child_tid = a.child_tid;
  if (flags & kCloneChildSettid) child.set_child_tid = a.child_tid;

  if (!(flags & kCloneThread)) {
    if (auto pit = groups_.find(tg->ppid); pit != groups_.end()) pit->second->children.push_back(tg->tgid);
  }
  const int tid = child.tid;
  // CLONE_PARENT_SETTID: the parent's word, in the parent's memory.
  if (flags & kCloneParentSettid) (void)put_user<std::int32_t>(*this, parent, a.parent_tid, tid);  // EFAULT is ignored, as Linux does
  if (flags & kCloneVfork) {
    child.vfork_parent = parent.tid;
    parent.vfork_child = tid;
  }
  if (sys_.events().active()) {
    const auto kind = (flags & kCloneThread) ? obs::ProcessEvent::Kind::thread
                      : (flags & kCloneVfork) ? obs::ProcessEvent::Kind::vfork
                                              : obs::ProcessEvent::Kind::fork;
    sys_.events().emit(obs::ProcessEvent{kind, parent.tgid(), tid});
  }
  return tid;
}

Result<int> Kernel::fork(Task& parent) {
  CloneArgs a;
  a.exit_signal = kSigchld;
  return clone(parent, a);
}

Result<int> Kernel::vfork(Task& parent) {
  // CLONE_VM | CLONE_VFORK: the child runs in the parent's address space and the
  // parent waits until the child execs or exits.
  CloneArgs a;
  a.flags = kCloneVm | kCloneVfork;
  a.exit_signal = kSigchld;
  return clone(parent, a);
}

void Kernel::schedule_tail(Task& t) {
  if (t.set_child_tid == 0) return;
  // EFAULT is ignored: the child just does not learn its tid there.
  (void)put_user<std::int32_t>(*this, t, t.set_child_tid, t.tid);
  t.set_child_tid = 0;
}

}  // namespace vmlab::kern
