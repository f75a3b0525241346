// Process system calls: clone (fork, and vfork as posix_spawn and system() use it),
// execve, exit, wait4, the ids, resource limits and process groups
// (kernel/fork.c, kernel/exit.c, kernel/sys.c, fs/exec.c).
#include <algorithm>
#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "kernel/rseq.h"
#include "kernel/sched.h"
#include "kernel/sys_handlers.h"
#include "kernel/kernel.h"
#include "kernel/signal.h"
#include "kernel/user_mem.h"

namespace vmlab::kern {

namespace {

int as_int(std::uint64_t v) { return static_cast<int>(static_cast<std::uint32_t>(v)); }

std::int64_t copy_rlimit_out(SysCtx& c, VirtAddr addr, const RLimit& r) {
  const std::uint64_t v[2] = {r.cur, r.max};
  return addr != 0 && !put_user(c.k, c.t, addr, v) ? err(Errno::fault) : 0;
}

// do_prlimit() on task `t`.
std::int64_t do_prlimit(SysCtx& c, ThreadGroup& g, unsigned resource, const RLimit* next, RLimit* old) {
  if (resource >= kRlimits) return err(Errno::inval);
  RLimit& cur = g.rlimits[resource];
  if (next != nullptr) {
    if (next->cur > next->max) return err(Errno::inval);
    if (resource == kRlimitNofile && next->max > 1048576) return err(Errno::perm);  // sysctl_nr_open
    if (next->max > cur.max && !c.t.privileged()) return err(Errno::perm);        // CAP_SYS_RESOURCE
  }
  if (old != nullptr) *old = cur;
  if (next != nullptr) cur = *next;
  return 0;
}

}  // namespace

// The parent's side of a clone: the vfork wait, after clone has returned.
std::int64_t finish_clone(SysCtx& c, const CloneArgs& args) {
  auto tid = c.k.clone(c.t, args);
  if (!tid) return err(tid.error());
  if (args.flags & kCloneVfork) {
    // wait_for_vfork_done(): killable only. clone has returned already; the parent
    // goes on when the child execs or exits.
    WaitState w;
    w.kind = WaitKind::vfork;
    w.restart = Restart::none;
    c.t.wait = std::move(w);
    c.t.wait.nr = c.nr;
  }
  return *tid;
}

// kernel_clone() with the legacy argument order riscv64 uses: flags, newsp,
// parent_tidptr, tls, child_tidptr. Only the low 32 bits of flags count
// (lower_32_bits()), and their low byte is the exit signal, unchecked: a child with
// one past _NSIG signals nobody when it ends (do_notify_parent()). A pidfd would go
// to parent_tidptr.
std::int64_t sys_clone(SysCtx& c, const SysArgs& a) {
  const std::uint64_t flags = a[0] & 0xffffffffULL;
  CloneArgs args;
  args.flags = flags & ~kCsignal;
  args.exit_signal = static_cast<int>(flags & kCsignal);
  args.stack = a[1];
  args.parent_tid = a[2];
  args.pidfd = a[2];
  args.tls = a[3];
  args.child_tid = a[4];
  return finish_clone(c, args);
}

// clone3(struct clone_args *, size): copy_clone_args_from_user() and
// clone3_args_valid().
std::int64_t sys_clone3(SysCtx& c, const SysArgs& a) {
  constexpr std::uint64_t kVer0 = 64, kVer2 = 88;  // CLONE_ARGS_SIZE_VER0, VER2
  const std::uint64_t size = a[1];
  if (size > kPageSize) return err(Errno::toobig);
  if (size < kVer0) return err(Errno::inval);
  std::array<std::uint64_t, 11> v{};  // flags, pidfd, child_tid, parent_tid, exit_signal, stack,
                                      // stack_size, tls, set_tid, set_tid_size, cgroup
  std::vector<std::uint8_t> raw(size);
  if (!c.k.copy_from_user(c.t, raw, a[0])) return err(Errno::fault);
  // A larger struct from a newer libc is fine if what this kernel does not know is 0.
  for (std::uint64_t i = kVer2; i < size; ++i) {
    if (raw[i] != 0) return err(Errno::toobig);
  }
  std::memcpy(v.data(), raw.data(), std::min<std::uint64_t>(size, sizeof v));
  const std::uint64_t flags = v[0], exit_signal = v[4], stack = v[5], stack_size = v[6];
  const std::uint64_t set_tid = v[8], set_tid_size = v[9];
  if (set_tid_size > 32) return err(Errno::inval);  // MAX_PID_NS_LEVEL
  if (set_tid != 0 && set_tid_size == 0) return err(Errno::inval);
  if (set_tid == 0 && set_tid_size > 0) return err(Errno::inval);
  if ((exit_signal & ~kCsignal) || exit_signal > static_cast<std::uint64_t>(kNsig)) return err(Errno::inval);
  if ((flags & kCloneIntoCgroup) && (v[10] > 0x7fffffff || size < kVer2)) return err(Errno::inval);
  // The set_tid array is read now; its tids are checked where the pid is allocated.
  std::vector<std::int32_t> tids(set_tid_size);
  for (std::uint64_t i = 0; i < set_tid_size; ++i) {
    auto tid = get_user<std::int32_t>(c.k, c.t, set_tid + 4 * i);
    if (!tid) return err(Errno::fault);
    tids[i] = *tid;
  }
  // clone3_args_valid(): known flags only; CLONE_DETACHED and the CSIGNAL bits (but
  // CLONE_NEWTIME) are not flags here; no exit signal for a thread or a sibling; a
  // stack comes with its size, and lies below TASK_SIZE (access_ok()).
  if (flags & ~(0xffffffffULL | kCloneClearSighand | kCloneIntoCgroup)) return err(Errno::inval);
  if (flags & (kCloneDetached | (kCsignal & ~kCloneNewtime))) return err(Errno::inval);
  if ((flags & (kCloneSighand | kCloneClearSighand)) == (kCloneSighand | kCloneClearSighand)) return err(Errno::inval);
  if ((flags & (kCloneThread | kCloneParent)) && exit_signal != 0) return err(Errno::inval);
  if ((stack == 0) != (stack_size == 0)) return err(Errno::inval);
  const std::uint64_t task_size = c.t.mm->task_size;
  if (stack != 0 && (stack_size > task_size || stack > task_size - stack_size)) return err(Errno::inval);
  CloneArgs args;
  args.flags = flags;
  args.pidfd = v[1];
  args.child_tid = v[2];
  args.parent_tid = v[3];
  args.exit_signal = static_cast<int>(exit_signal);
  args.stack = stack;
  args.stack_size = stack_size;
  args.tls = v[7];
  args.set_tid_size = set_tid_size;
  args.set_tid = tids.empty() ? 0 : tids[0];
  return finish_clone(c, args);
}

std::int64_t sys_execve(SysCtx& c, const SysArgs& a) {
  auto path = get_path(c.k, c.t, a[0]);
  if (!path) return err(path.error());
  if (path->empty()) return err(Errno::noent);
  auto argv = get_string_array(c.k, c.t, a[1]);
  if (!argv) return err(argv.error());
  auto envp = get_string_array(c.k, c.t, a[2]);
  if (!envp) return err(envp.error());
  auto r = c.k.execve(c.t, *path, *argv, *envp);
  if (c.t.exited) return kSysNoReturn;
  if (!r) return err(r.error());
  return 0;
}

// exit() ends the calling thread; the process ends with the last one.
std::int64_t sys_exit(SysCtx& c, const SysArgs& a) {
  c.k.exit_thread(c.t, (as_int(a[0]) & 0xff) << 8);
  return kSysNoReturn;
}

// exit_group() ends every thread of the process.
std::int64_t sys_exit_group(SysCtx& c, const SysArgs& a) {
  c.k.exit(c.t, as_int(a[0]));
  return kSysNoReturn;
}

std::int64_t sys_wait4(SysCtx& c, const SysArgs& a) {
  const int pid = as_int(a[0]);
  const VirtAddr status_addr = a[1];
  const int options = as_int(a[2]);
  const VirtAddr ru_addr = a[3];
  if (options & ~(kWnohang | kWuntraced | kWcontinued | kWnothread | kWclone | kWall)) return err(Errno::inval);
  if (pid == INT32_MIN) return err(Errno::srch);  // -INT_MIN is not defined
  bool any = false;
  int zombie = 0;
  for (int ch : c.t.tg->children) {
    if (!child_eligible(c.k, c.t, ch, pid, options)) continue;
    any = true;
    const ThreadGroup* cg = c.k.find_group(ch);
    if (cg != nullptr && cg->state == GroupState::zombie) {
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
  const ThreadGroup& cg = *c.k.find_group(zombie);
  const int status = cg.exit_code;
  Usage ru = c.k.usage(cg);
  ru += cg.children_usage;
  const std::uint64_t maxrss = std::max(cg.maxrss_kb, cg.cmaxrss_kb);
  c.k.reap_child(c.t, zombie);
  if (status_addr != 0 && !put_user<std::int32_t>(c.k, c.t, status_addr, status)) return err(Errno::fault);
  if (ru_addr != 0 && !put_rusage(c.k, c.t, ru_addr, ru, maxrss)) return err(Errno::fault);
  return zombie;
}

std::int64_t sys_getpid(SysCtx& c, const SysArgs&) { return c.t.tgid(); }
std::int64_t sys_gettid(SysCtx& c, const SysArgs&) { return c.t.tid; }
std::int64_t sys_getppid(SysCtx& c, const SysArgs&) { return c.t.tg->ppid; }

std::int64_t sys_set_tid_address(SysCtx& c, const SysArgs& a) {
  c.t.clear_child_tid = a[0];
  return c.t.tid;
}

constexpr std::uint64_t kRobustListHeadSize = 24;  // sizeof(struct robust_list_head)

std::int64_t sys_set_robust_list(SysCtx& c, const SysArgs& a) {
  if (a[1] != kRobustListHeadSize) return err(Errno::inval);
  c.t.robust_list = a[0];
  return 0;
}

// get_robust_list(pid, head_ptr, len_ptr): any task of the same user, or with
// CAP_SYS_PTRACE (ptrace_may_access(PTRACE_MODE_READ_REALCREDS)).
std::int64_t sys_get_robust_list(SysCtx& c, const SysArgs& a) {
  const int pid = as_int(a[0]);
  Task* t = pid == 0 ? &c.t : c.k.find_task(pid);
  if (t == nullptr || t->exited) return err(Errno::srch);
  if (t->tg->uid != c.t.tg->uid && !c.t.privileged()) return err(Errno::perm);
  if (!put_user<std::uint64_t>(c.k, c.t, a[2], kRobustListHeadSize)) return err(Errno::fault);
  if (!put_user<std::uint64_t>(c.k, c.t, a[1], t->robust_list)) return err(Errno::fault);
  return 0;
}

std::int64_t sys_prlimit64(SysCtx& c, const SysArgs& a) {
  const int pid = as_int(a[0]);
  RLimit next;
  if (a[2] != 0) {
    auto v = get_user<std::array<std::uint64_t, 2>>(c.k, c.t, a[2]);
    if (!v) return err(Errno::fault);
    next = {(*v)[0], (*v)[1]};
  }
  Task* t = pid == 0 ? &c.t : c.k.find_task(pid);
  if (t == nullptr || t->exited) return err(Errno::srch);
  RLimit old;
  const std::int64_t r = do_prlimit(c, *t->tg, static_cast<unsigned>(a[1]), a[2] ? &next : nullptr, &old);
  if (r != 0) return r;
  return copy_rlimit_out(c, a[3], old);
}

std::int64_t sys_getrlimit(SysCtx& c, const SysArgs& a) {
  if (a[0] >= kRlimits) return err(Errno::inval);
  return copy_rlimit_out(c, a[1], c.t.tg->rlimits[a[0]]);
}

std::int64_t sys_setrlimit(SysCtx& c, const SysArgs& a) {
  auto v = get_user<std::array<std::uint64_t, 2>>(c.k, c.t, a[1]);
  if (!v) return err(Errno::fault);
  const RLimit next{(*v)[0], (*v)[1]};
  return do_prlimit(c, *c.t.tg, static_cast<unsigned>(a[0]), &next, nullptr);
}

std::int64_t sys_getuid(SysCtx& c, const SysArgs&) { return c.t.tg->uid; }
std::int64_t sys_geteuid(SysCtx& c, const SysArgs&) { return c.t.tg->uid; }
std::int64_t sys_getgid(SysCtx& c, const SysArgs&) { return c.t.tg->gid; }
std::int64_t sys_getegid(SysCtx& c, const SysArgs&) { return c.t.tg->gid; }

std::int64_t sys_getresuid(SysCtx& c, const SysArgs& a) {
  for (int i = 0; i < 3; ++i) {
    if (!put_user<std::uint32_t>(c.k, c.t, a[static_cast<std::size_t>(i)], c.t.tg->uid)) return err(Errno::fault);
  }
  return 0;
}

std::int64_t sys_getresgid(SysCtx& c, const SysArgs& a) {
  for (int i = 0; i < 3; ++i) {
    if (!put_user<std::uint32_t>(c.k, c.t, a[static_cast<std::size_t>(i)], c.t.tg->gid)) return err(Errno::fault);
  }
  return 0;
}

// No supplementary groups.
std::int64_t sys_getgroups(SysCtx&, const SysArgs& a) { return as_int(a[0]) < 0 ? err(Errno::inval) : 0; }

std::int64_t sys_getpgid(SysCtx& c, const SysArgs& a) {
  const int pid = as_int(a[0]);
  const Task* t = pid == 0 ? &c.t : c.k.find(pid);
  if (t == nullptr) return err(Errno::srch);
  return t->tg->pgid;
}

std::int64_t sys_setpgid(SysCtx& c, const SysArgs& a) {
  const int self = c.t.tgid();
  int pid = as_int(a[0]);
  int pgid = as_int(a[1]);
  if (pid == 0) pid = self;
  if (pgid == 0) pgid = pid;
  if (pgid < 0) return err(Errno::inval);
  const std::vector<int>& children = c.t.tg->children;
  Task* t = c.k.find(pid);
  if (t == nullptr || (pid != self && std::find(children.begin(), children.end(), pid) == children.end()))
    return err(Errno::srch);
  ThreadGroup& g = *t->tg;
  if (g.sid == pid) return err(Errno::perm);  // a session leader
  // The group must exist in the session unless it is the process's own.
  if (pgid != pid) {
    bool found = false;
    for (int other : c.k.pids()) {
      const ThreadGroup* o = c.k.find_group(other);
      found |= o != nullptr && o->alive() && o->pgid == pgid && o->sid == g.sid;
    }
    if (!found) return err(Errno::perm);
  }
  g.pgid = pgid;
  return 0;
}

std::int64_t sys_getsid(SysCtx& c, const SysArgs& a) {
  const int pid = as_int(a[0]);
  const Task* t = pid == 0 ? &c.t : c.k.find(pid);
  if (t == nullptr) return err(Errno::srch);
  return t->tg->sid;
}

std::int64_t sys_setsid(SysCtx& c, const SysArgs&) {
  const int self = c.t.tgid();
  // A process group leader cannot start a session.
  for (int other : c.k.pids()) {
    const ThreadGroup* o = c.k.find_group(other);
    if (o != nullptr && o->alive() && o->pgid == self) return err(Errno::perm);
  }
  c.t.tg->sid = c.t.tg->pgid = self;
  return self;
}

std::int64_t sys_sched_yield(SysCtx& c, const SysArgs&) {
  c.t.yielded = true;
  return 0;
}

namespace {

constexpr std::uint64_t kCpumaskSize = 8;  // cpumask_size(): one long for NR_CPUS <= 64

std::uint64_t online_cpus(const Kernel& k) {
  const unsigned cpus = k.config().cpus;
  return cpus >= 64 ? ~0ULL : (1ULL << cpus) - 1;
}

// find_process_by_pid(): the task, or the caller for 0.
Task* affinity_target(SysCtx& c, int pid) { return pid == 0 ? &c.t : c.k.find_task(pid); }

}  // namespace

// sched_setaffinity(pid, len, mask): the CPUs a task may run on, among those online. A
// task off its allowed CPUs moves to the first of them at once.
std::int64_t sys_sched_setaffinity(SysCtx& c, const SysArgs& a) {
  const int pid = as_int(a[0]);
  // get_user_cpu_mask(): a shorter mask is zero-extended, a longer one cut.
  std::uint64_t mask = 0;
  const std::uint64_t len = std::min<std::uint64_t>(a[1], kCpumaskSize);
  std::uint8_t bytes[8] = {};
  if (len > 0 && !c.k.copy_from_user(c.t, std::span<std::uint8_t>(bytes, len), a[2])) return err(Errno::fault);
  std::memcpy(&mask, bytes, 8);
  Task* t = affinity_target(c, pid);
  if (t == nullptr || t->exited) return err(Errno::srch);
  // check_same_owner() or CAP_SYS_NICE.
  if (t->tg->uid != c.t.tg->uid && !c.t.privileged()) return err(Errno::perm);
  mask &= online_cpus(c.k);
  if (mask == 0) return err(Errno::inval);
  t->cpus_allowed = mask;
  if (!(mask & (1ULL << t->cpu))) {
    // __set_cpus_allowed_ptr(): moved to an allowed CPU at once; the caller itself
    // leaves this CPU when the call returns.
    t->cpu = static_cast<unsigned>(std::countr_zero(mask));
    if (t == &c.t) c.t.yielded = true;
  }
  return 0;
}

// sched_getaffinity(pid, len, mask): the task's CPUs, in cpumask_size() bytes.
std::int64_t sys_sched_getaffinity(SysCtx& c, const SysArgs& a) {
  const int pid = as_int(a[0]);
  const std::uint64_t len = a[1];
  const unsigned cpus = c.k.config().cpus;
  if (len * 8 < cpus || (len & 7)) return err(Errno::inval);
  const Task* t = affinity_target(c, pid);
  if (t == nullptr || t->exited) return err(Errno::srch);
  const std::uint64_t mask = t->cpus_allowed & online_cpus(c.k);
  if (!put_user(c.k, c.t, a[2], mask)) return err(Errno::fault);
  return static_cast<std::int64_t>(kCpumaskSize);
}

// getcpu(cpu, node): the CPU the caller runs on, node 0.
std::int64_t sys_getcpu(SysCtx& c, const SysArgs& a) {
  if (a[0] != 0 && !put_user<std::uint32_t>(c.k, c.t, a[0], c.t.cpu)) return err(Errno::fault);
  if (a[1] != 0 && !put_user<std::uint32_t>(c.k, c.t, a[1], 0)) return err(Errno::fault);
  return 0;
}

std::int64_t sys_umask(SysCtx& c, const SysArgs& a) {
  const std::uint32_t old = c.t.fs->umask;
  c.t.fs->umask = static_cast<std::uint32_t>(a[0]) & 0777;
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
        auto ch = get_user<char>(c.k, c.t, a[1] + i);
        if (!ch) return err(Errno::fault);
        if (*ch == 0) break;
        name.push_back(*ch);
      }
      c.t.comm = name;
      return 0;
    }
    case kGetName: {
      std::array<std::uint8_t, 16> name{};
      std::copy_n(c.t.comm.begin(), std::min<std::size_t>(15, c.t.comm.size()), name.begin());
      return put_user(c.k, c.t, a[1], name) ? 0 : err(Errno::fault);
    }
    case kSetPdeathsig:
      return a[1] <= static_cast<std::uint64_t>(kNsig) ? 0 : err(Errno::inval);
    case kGetPdeathsig:
      return put_user<std::int32_t>(c.k, c.t, a[1], 0) ? 0 : err(Errno::fault);
    case kGetDumpable:
      return 1;
    case kSetDumpable:
      return a[1] <= 1 ? 0 : err(Errno::inval);
    default:
      return err(Errno::inval);
  }
}

}  // namespace vmlab::kern
