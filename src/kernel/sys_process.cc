// Process system calls: clone (fork, and vfork as posix_spawn and system() use it),
// execve, exit, wait4, the ids, resource limits and process groups
// (kernel/fork.c, kernel/exit.c, kernel/sys.c, fs/exec.c).
#include <algorithm>

#include <fmt/format.h>

#include "kernel/rseq.h"
#include "kernel/sched.h"
#include "kernel/sys_handlers.h"
#include "kernel/task_table.h"
#include "kernel/user_mem.h"

namespace vmlab::kern {

namespace {

constexpr std::uint64_t kCloneVm = 0x100, kCloneFs = 0x200, kCloneFiles = 0x400, kCloneSighand = 0x800;
constexpr std::uint64_t kClonePidfd = 0x1000, kClonePtrace = 0x2000, kCloneVfork = 0x4000, kCloneParent = 0x8000;
constexpr std::uint64_t kCloneThread = 0x10000, kCloneNewns = 0x20000, kCloneSysvsem = 0x40000;
constexpr std::uint64_t kCloneSettls = 0x80000, kCloneParentSettid = 0x100000, kCloneChildCleartid = 0x200000;
constexpr std::uint64_t kCloneDetached = 0x400000, kCloneUntraced = 0x800000, kCloneChildSettid = 0x01000000;
constexpr std::uint64_t kCloneNewuser = 0x10000000;
constexpr std::uint64_t kCloneIo = 0x80000000;
// Flags vmlab accepts: fork, vfork with a shared mm, and the tid bookkeeping.
constexpr std::uint64_t kCloneSupported = 0xff | kCloneVm | kCloneVfork | kCloneSettls | kCloneParentSettid |
                                          kCloneChildCleartid | kCloneChildSettid | kCloneDetached |
                                          kCloneUntraced | kClonePtrace | kCloneSysvsem | kCloneIo;

int as_int(std::uint64_t v) { return static_cast<int>(static_cast<std::uint32_t>(v)); }

// The struct rusage getrusage() and wait4() fill (144 bytes).
struct Rusage {
  std::uint64_t utime_ns = 0, stime_ns = 0, maxrss_kb = 0, minflt = 0, majflt = 0, nvcsw = 0, nivcsw = 0;
};

Result<void> put_rusage(Kernel& k, Process& p, VirtAddr addr, const Rusage& r) {
  std::int64_t v[18] = {};
  v[0] = static_cast<std::int64_t>(r.utime_ns / 1000000000ULL);
  v[1] = static_cast<std::int64_t>(r.utime_ns % 1000000000ULL / 1000);
  v[2] = static_cast<std::int64_t>(r.stime_ns / 1000000000ULL);
  v[3] = static_cast<std::int64_t>(r.stime_ns % 1000000000ULL / 1000);
  v[4] = static_cast<std::int64_t>(r.maxrss_kb);
  v[8] = static_cast<std::int64_t>(r.minflt);
  v[9] = static_cast<std::int64_t>(r.majflt);
  v[16] = static_cast<std::int64_t>(r.nvcsw);
  v[17] = static_cast<std::int64_t>(r.nivcsw);
  return put_user(k, p, addr, v);
}

std::int64_t copy_rlimit_out(SysCtx& c, VirtAddr addr, const RLimit& r) {
  const std::uint64_t v[2] = {r.cur, r.max};
  return addr != 0 && !put_user(c.k, c.p, addr, v) ? err(Errno::fault) : 0;
}

// do_prlimit() on task `t`.
std::int64_t do_prlimit(SysCtx& c, Task& t, unsigned resource, const RLimit* next, RLimit* old) {
  if (resource >= kRlimits) return err(Errno::inval);
  RLimit& cur = t.rlimits[resource];
  if (next != nullptr) {
    if (next->cur > next->max) return err(Errno::inval);
    if (resource == kRlimitNofile && next->max > 1048576) return err(Errno::perm);  // sysctl_nr_open
    if (next->max > cur.max && !c.p.privileged()) return err(Errno::perm);        // CAP_SYS_RESOURCE
  }
  if (old != nullptr) *old = cur;
  if (next != nullptr) cur = *next;
  return 0;
}

}  // namespace

// kernel_clone() with the legacy argument order riscv64 uses: flags, newsp,
// parent_tidptr, tls, child_tidptr.
std::int64_t sys_clone(SysCtx& c, const SysArgs& a) {
  const std::uint64_t flags = a[0];
  const std::uint64_t newsp = a[1], parent_tid = a[2], tls = a[3], child_tid = a[4];
  // copy_process()'s consistency rules.
  if ((flags & (kCloneNewns | kCloneFs)) == (kCloneNewns | kCloneFs)) return err(Errno::inval);
  if ((flags & (kCloneNewuser | kCloneFs)) == (kCloneNewuser | kCloneFs)) return err(Errno::inval);
  if ((flags & kCloneThread) && !(flags & kCloneSighand)) return err(Errno::inval);
  if ((flags & kCloneSighand) && !(flags & kCloneVm)) return err(Errno::inval);
  const int exit_signal = static_cast<int>(flags & 0xff);
  if (exit_signal > kNsig) return err(Errno::inval);
  const bool vfork = flags & kCloneVfork;
  if ((flags & ~kCloneSupported) || ((flags & kCloneVm) && !vfork)) {
    // Threads, shared file tables or filesystems, namespaces, pidfds: not modelled.
    c.tt.warn_once(0x1000000000ULL | flags,
                   fmt::format("vmlab: clone flags {:#x} are not supported (threads and shared tables are "
                               "not modelled): ENOSYS",
                               flags));
    return err(Errno::nosys);
  }
  // RLIMIT_NPROC: processes of this user.
  std::uint64_t mine = 0;
  for (const auto& [pid, proc] : c.k.processes()) mine += proc->alive() && proc->uid == c.p.uid;
  if (mine >= c.t.rlimits[kRlimitNproc].cur && !c.p.privileged()) return err(Errno::again);

  // CLONE_VM | CLONE_VFORK shares the address space (Kernel::vfork); CLONE_VFORK alone
  // copies it as fork does, and the parent still waits for the child's exec or exit.
  auto pid = (flags & kCloneVm) ? c.k.vfork(c.p) : c.k.fork(c.p);
  if (!pid) return err(pid.error());
  if (vfork && !(flags & kCloneVm)) {
    if (Process* cp = c.k.find(*pid)) cp->vforked = true;  // it wakes the parent at exec or exit
    c.p.state = TaskState::vfork_waiting;
    c.p.vfork_child = *pid;
  }
  Task& child = c.tt.clone_task(c.t, *pid);
  rseq_fork(child, c.t, flags & kCloneVm);
  child.regs.x[10] = 0;  // the child's clone() returns 0
  if (newsp != 0) child.regs.x[2] = newsp;
  if (flags & kCloneSettls) child.regs.x[4] = tls;
  child.exit_signal = exit_signal;
  if (flags & kCloneChildCleartid) child.clear_child_tid = child_tid;
  if (flags & kCloneChildSettid) child.set_child_tid = child_tid;
  if (flags & kCloneParentSettid) (void)put_user<std::int32_t>(c.k, c.p, parent_tid, *pid);
  if (vfork) {
    // wait_for_vfork_done(): killable only. clone has returned already; the parent
    // goes on when the child execs or exits.
    WaitState w;
    w.kind = WaitKind::vfork;
    w.restart = Restart::none;
    w.nr = c.nr;
    w.woken = false;
    c.t.wait = std::move(w);
  }
  return *pid;
}

// glibc falls back to clone() when clone3 is missing, as on kernels before 5.3.
std::int64_t sys_clone3(SysCtx&, const SysArgs&) { return err(Errno::nosys); }

std::int64_t sys_execve(SysCtx& c, const SysArgs& a) {
  auto path = get_path(c.k, c.p, a[0]);
  if (!path) return err(path.error());
  if (path->empty()) return err(Errno::noent);
  auto argv = get_string_array(c.k, c.p, a[1]);
  if (!argv) return err(argv.error());
  auto envp = get_string_array(c.k, c.p, a[2]);
  if (!envp) return err(envp.error());
  auto r = c.tt.exec(c.t, *path, *argv, *envp);
  if (!c.t.alive) return kSysNoReturn;
  if (!r) return err(r.error());
  return 0;
}

// exit() ends the thread, which for vmlab's single-threaded processes is the process.
std::int64_t sys_exit(SysCtx& c, const SysArgs& a) {
  c.tt.exit_task(c.t, (as_int(a[0]) & 0xff) << 8);
  return kSysNoReturn;
}

std::int64_t sys_exit_group(SysCtx& c, const SysArgs& a) { return sys_exit(c, a); }

std::int64_t sys_wait4(SysCtx& c, const SysArgs& a) {
  const int pid = as_int(a[0]);
  const VirtAddr status_addr = a[1];
  const int options = as_int(a[2]);
  const VirtAddr ru_addr = a[3];
  if (options & ~(kWnohang | kWuntraced | kWcontinued | kWnothread | kWclone | kWall)) return err(Errno::inval);
  if (pid == INT32_MIN) return err(Errno::srch);  // -INT_MIN is not defined
  bool any = false;
  int zombie = 0;
  for (int ch : c.p.children) {
    if (!child_eligible(c.tt, c.t, ch, pid, options)) continue;
    any = true;
    const Process* cp = c.k.find(ch);
    if (cp != nullptr && !cp->alive()) {
      zombie = ch;
      break;
    }
  }
  if (!any) return err(Errno::child);
  if (zombie == 0) {
    if (options & kWnohang) return 0;
    WaitState w;
    w.kind = WaitKind::child;
    return block(c, std::move(w));
  }
  // wait_task_zombie(): the status and the child's getrusage(RUSAGE_BOTH).
  const Process& cp = *c.k.find(zombie);
  const int status = cp.exit_code;
  Rusage ru;
  ru.minflt = cp.min_flt + cp.cmin_flt;
  ru.majflt = cp.maj_flt + cp.cmaj_flt;
  if (const Task* ct = c.tt.find(zombie)) {
    ru.utime_ns = ct->utime_ns + ct->cutime_ns;
    ru.stime_ns = ct->stime_ns + ct->cstime_ns;
    ru.maxrss_kb = std::max(ct->maxrss_kb, ct->cmaxrss_kb);
    ru.nvcsw = ct->nvcsw;
    ru.nivcsw = ct->nivcsw;
  }
  c.tt.reap_child(c.t, zombie);
  if (status_addr != 0 && !put_user<std::int32_t>(c.k, c.p, status_addr, status)) return err(Errno::fault);
  if (ru_addr != 0 && !put_rusage(c.k, c.p, ru_addr, ru)) return err(Errno::fault);
  return zombie;
}

std::int64_t sys_getpid(SysCtx& c, const SysArgs&) { return c.p.pid; }
std::int64_t sys_gettid(SysCtx& c, const SysArgs&) { return c.p.pid; }
std::int64_t sys_getppid(SysCtx& c, const SysArgs&) { return c.p.ppid; }

std::int64_t sys_set_tid_address(SysCtx& c, const SysArgs& a) {
  c.t.clear_child_tid = a[0];
  return c.p.pid;
}

std::int64_t sys_set_robust_list(SysCtx& c, const SysArgs& a) {
  if (a[1] != 24) return err(Errno::inval);  // sizeof(struct robust_list_head)
  c.t.robust_list = a[0];
  return 0;
}

std::int64_t sys_prlimit64(SysCtx& c, const SysArgs& a) {
  const int pid = as_int(a[0]);
  RLimit next;
  if (a[2] != 0) {
    auto v = get_user<std::array<std::uint64_t, 2>>(c.k, c.p, a[2]);
    if (!v) return err(Errno::fault);
    next = {(*v)[0], (*v)[1]};
  }
  Task* t = pid == 0 ? &c.t : c.tt.find(pid);
  if (t == nullptr || !t->alive) return err(Errno::srch);
  RLimit old;
  const std::int64_t r = do_prlimit(c, *t, static_cast<unsigned>(a[1]), a[2] ? &next : nullptr, &old);
  if (r != 0) return r;
  return copy_rlimit_out(c, a[3], old);
}

std::int64_t sys_getrlimit(SysCtx& c, const SysArgs& a) {
  if (a[0] >= kRlimits) return err(Errno::inval);
  return copy_rlimit_out(c, a[1], c.t.rlimits[a[0]]);
}

std::int64_t sys_setrlimit(SysCtx& c, const SysArgs& a) {
  auto v = get_user<std::array<std::uint64_t, 2>>(c.k, c.p, a[1]);
  if (!v) return err(Errno::fault);
  const RLimit next{(*v)[0], (*v)[1]};
  return do_prlimit(c, c.t, static_cast<unsigned>(a[0]), &next, nullptr);
}

std::int64_t sys_getuid(SysCtx& c, const SysArgs&) { return c.p.uid; }
std::int64_t sys_geteuid(SysCtx& c, const SysArgs&) { return c.p.uid; }
std::int64_t sys_getgid(SysCtx& c, const SysArgs&) { return c.p.gid; }
std::int64_t sys_getegid(SysCtx& c, const SysArgs&) { return c.p.gid; }

std::int64_t sys_getresuid(SysCtx& c, const SysArgs& a) {
  for (int i = 0; i < 3; ++i) {
    if (!put_user<std::uint32_t>(c.k, c.p, a[static_cast<std::size_t>(i)], c.p.uid)) return err(Errno::fault);
  }
  return 0;
}

std::int64_t sys_getresgid(SysCtx& c, const SysArgs& a) {
  for (int i = 0; i < 3; ++i) {
    if (!put_user<std::uint32_t>(c.k, c.p, a[static_cast<std::size_t>(i)], c.p.gid)) return err(Errno::fault);
  }
  return 0;
}

// No supplementary groups.
std::int64_t sys_getgroups(SysCtx&, const SysArgs& a) { return as_int(a[0]) < 0 ? err(Errno::inval) : 0; }

std::int64_t sys_getpgid(SysCtx& c, const SysArgs& a) {
  const int pid = as_int(a[0]);
  const Task* t = pid == 0 ? &c.t : c.tt.find(pid);
  if (t == nullptr) return err(Errno::srch);
  return t->pgid;
}

std::int64_t sys_setpgid(SysCtx& c, const SysArgs& a) {
  int pid = as_int(a[0]);
  int pgid = as_int(a[1]);
  if (pid == 0) pid = c.p.pid;
  if (pgid == 0) pgid = pid;
  if (pgid < 0) return err(Errno::inval);
  Task* t = c.tt.find(pid);
  if (t == nullptr || (pid != c.p.pid && std::find(c.p.children.begin(), c.p.children.end(), pid) == c.p.children.end()))
    return err(Errno::srch);
  if (t->sid == pid) return err(Errno::perm);  // a session leader
  // The group must exist in the session unless it is the task's own.
  if (pgid != pid) {
    bool found = false;
    for (int other : c.tt.order()) {
      const Task* o = c.tt.find(other);
      found |= o != nullptr && o->alive && o->pgid == pgid && o->sid == t->sid;
    }
    if (!found) return err(Errno::perm);
  }
  t->pgid = pgid;
  return 0;
}

std::int64_t sys_getsid(SysCtx& c, const SysArgs& a) {
  const int pid = as_int(a[0]);
  const Task* t = pid == 0 ? &c.t : c.tt.find(pid);
  if (t == nullptr) return err(Errno::srch);
  return t->sid;
}

std::int64_t sys_setsid(SysCtx& c, const SysArgs&) {
  // A process group leader cannot start a session.
  for (int other : c.tt.order()) {
    const Task* o = c.tt.find(other);
    if (o != nullptr && o->alive && o->pgid == c.p.pid) return err(Errno::perm);
  }
  c.t.sid = c.t.pgid = c.p.pid;
  return c.p.pid;
}

std::int64_t sys_sched_yield(SysCtx& c, const SysArgs&) {
  c.t.yielded = true;
  return 0;
}

// Every CPU of the machine, in an 8-byte mask (cpumask_size() for NR_CPUS <= 64).
std::int64_t sys_sched_getaffinity(SysCtx& c, const SysArgs& a) {
  const int pid = as_int(a[0]);
  const std::uint64_t len = a[1];
  const unsigned cpus = c.tt.config().cpus;
  if (len * 8 < cpus || (len & 7)) return err(Errno::inval);
  if (pid != 0 && c.tt.find(pid) == nullptr) return err(Errno::srch);
  const std::uint64_t mask = cpus >= 64 ? ~0ULL : (1ULL << cpus) - 1;
  if (!put_user(c.k, c.p, a[2], mask)) return err(Errno::fault);
  return 8;
}

// Every hart runs on CPU 0 of node 0.
std::int64_t sys_getcpu(SysCtx& c, const SysArgs& a) {
  if (a[0] != 0 && !put_user<std::uint32_t>(c.k, c.p, a[0], 0)) return err(Errno::fault);
  if (a[1] != 0 && !put_user<std::uint32_t>(c.k, c.p, a[1], 0)) return err(Errno::fault);
  return 0;
}

std::int64_t sys_umask(SysCtx& c, const SysArgs& a) {
  const std::uint32_t old = c.p.umask;
  c.p.umask = static_cast<std::uint32_t>(a[0]) & 0777;
  return old;
}

std::int64_t sys_prctl(SysCtx& c, const SysArgs& a) {
  constexpr int kSetPdeathsig = 1, kGetPdeathsig = 2, kGetDumpable = 3, kSetDumpable = 4;
  constexpr int kSetName = 15, kGetName = 16;
  switch (as_int(a[0])) {
    case kSetName: {
      // strncpy_from_user() of TASK_COMM_LEN - 1 bytes: longer names are cut.
      std::string name;
      for (std::uint64_t i = 0; i < 15; ++i) {
        auto ch = get_user<char>(c.k, c.p, a[1] + i);
        if (!ch) return err(Errno::fault);
        if (*ch == 0) break;
        name.push_back(*ch);
      }
      c.p.comm = name;
      return 0;
    }
    case kGetName: {
      std::array<std::uint8_t, 16> name{};
      std::copy_n(c.p.comm.begin(), std::min<std::size_t>(15, c.p.comm.size()), name.begin());
      return put_user(c.k, c.p, a[1], name) ? 0 : err(Errno::fault);
    }
    case kSetPdeathsig:
      return a[1] <= static_cast<std::uint64_t>(kNsig) ? 0 : err(Errno::inval);
    case kGetPdeathsig:
      return put_user<std::int32_t>(c.k, c.p, a[1], 0) ? 0 : err(Errno::fault);
    case kGetDumpable:
      return 1;
    case kSetDumpable:
      return a[1] <= 1 ? 0 : err(Errno::inval);
    default:
      return err(Errno::inval);
  }
}

}  // namespace vmlab::kern
