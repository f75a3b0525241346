// Signal system calls (kernel/signal.c): kill, tkill, tgkill, rt_sigaction,
// rt_sigprocmask, rt_sigpending, rt_sigsuspend, sigaltstack, and rt_sigreturn
// (arch/riscv/kernel/signal.c).
#include <cstring>

#include "kernel/signal.h"
#include "kernel/signal_frame.h"
#include "kernel/sys_handlers.h"
#include "kernel/kernel.h"
#include "kernel/user_mem.h"

namespace vmlab::kern {

namespace {

constexpr std::uint64_t kSigsetSize = 8;  // _NSIG / 8
constexpr std::uint64_t kUnblockable = sig_bit(9) | sig_bit(19);
// UAPI_SA_FLAGS: the sa_flags bits the kernel keeps (SA_UNSUPPORTED and unknown bits
// are cleared so that a program can tell what is supported).
constexpr std::uint64_t kUapiSaFlags = kSaNocldstop | kSaNocldwait | kSaSiginfo | kSaOnstack | kSaRestart |
                                       kSaNodefer | kSaResethand | 0x800 /* SA_EXPOSE_TAGBITS */;

int as_int(std::uint64_t v) { return static_cast<int>(static_cast<std::uint32_t>(v)); }

// check_kill_permission(): EINVAL for a bad number, EPERM for another user's
// process; nothing is sent for signal 0.
std::int64_t may_signal(SysCtx& c, const Task& target, int sig) {
  if (sig < 0 || sig > kNsig) return err(Errno::inval);
  if (target.tg->uid != c.t.tg->uid && !c.t.privileged()) return err(Errno::perm);
  return 0;
}

// group_send_sig_info() to process `pid`.
std::int64_t send_to(SysCtx& c, int pid, const KSigInfo& info) {
  if (info.signo < 0 || info.signo > kNsig) return err(Errno::inval);
  Task* target = c.k.find(pid);
  if (target == nullptr) return err(Errno::srch);
  if (const std::int64_t r = may_signal(c, *target, info.signo); r != 0) return r;
  if (info.signo == 0) return 0;
  // A zombie takes the signal and ignores it; kill()'s SI_USER never overflows.
  (void)send_signal(c.k, *target, info, SigTarget::group);
  return 0;
}

// do_send_specific(): one thread, `tgid` its process or 0 for any.
std::int64_t send_to_thread(SysCtx& c, int tgid, int tid, const KSigInfo& info) {
  Task* target = c.k.find_task(tid);
  if (target == nullptr || target->exited || (tgid > 0 && target->tgid() != tgid)) return err(Errno::srch);
  if (const std::int64_t r = may_signal(c, *target, info.signo); r != 0) return r;
  if (info.signo == 0) return 0;
  if (send_signal(c.k, *target, info, SigTarget::thread) == SendResult::overflow) return err(Errno::again);
  return 0;
}

KSigInfo user_info(SysCtx& c, int sig, int code) {
  KSigInfo info;
  info.signo = sig;
  info.code = code;
  info.pid = c.t.tgid();
  info.uid = static_cast<int>(c.t.tg->uid);
  return info;
}

// set_current_blocked(): a new mask; signals of the process this thread now blocks
// go to a thread that can take them (retarget_shared_pending()).
void set_blocked(SysCtx& c, std::uint64_t mask) {
  const std::uint64_t newly = mask & ~c.t.blocked & c.t.tg->shared_pending.set;
  c.t.blocked = mask;
  recalc_sigpending(c.t);
  if (newly == 0) return;
  for (int tid : c.t.tg->threads) {
    Task* other = c.k.find_task(tid);
    if (other == nullptr || other == &c.t || other->exited) continue;
    if (newly & ~other->blocked) other->sigpending = true;
  }
}

}  // namespace

// kill_something_info()
std::int64_t sys_kill(SysCtx& c, const SysArgs& a) {
  const int pid = as_int(a[0]);
  const int sig = as_int(a[1]);
  const KSigInfo info = user_info(c, sig, kSiUser);  // for the thread group (PIDTYPE_TGID)
  if (pid > 0) return send_to(c, pid, info);
  if (sig < 0 || sig > kNsig) return err(Errno::inval);
  // A process group (0: the caller's): success if any member took it, else the
  // last error. -1: every process but init and the caller; EPERM counts as neither.
  const int pgid = pid == 0 ? c.t.tg->pgid : -pid;
  std::int64_t result = pid == -1 ? 0 : err(Errno::srch);
  bool success = false;
  int count = 0;
  for (int other : c.k.pids()) {
    const ThreadGroup* g = c.k.find_group(other);
    if (g == nullptr) continue;
    if (pid == -1 ? (other <= 1 || other == c.t.tgid()) : g->pgid != pgid) continue;
    ++count;
    const std::int64_t r = send_to(c, other, info);
    if (pid == -1) {
      if (r != err(Errno::perm)) result = r;
    } else {
      success |= r == 0;
      result = r;
    }
  }
  if (pid == -1) return count ? result : err(Errno::srch);
  return success ? 0 : result;
}

std::int64_t sys_tkill(SysCtx& c, const SysArgs& a) {
  const int tid = as_int(a[0]);
  if (tid <= 0) return err(Errno::inval);
  const int sig = as_int(a[1]);
  if (sig < 0 || sig > kNsig) return err(Errno::inval);
  return send_to_thread(c, 0, tid, user_info(c, sig, kSiTkill));
}

std::int64_t sys_tgkill(SysCtx& c, const SysArgs& a) {
  const int tgid = as_int(a[0]), tid = as_int(a[1]);
  if (tid <= 0 || tgid <= 0) return err(Errno::inval);
  const int sig = as_int(a[2]);
  if (sig < 0 || sig > kNsig) return err(Errno::inval);
  return send_to_thread(c, tgid, tid, user_info(c, sig, kSiTkill));
}

std::int64_t sys_rt_sigaction(SysCtx& c, const SysArgs& a) {
  const int sig = as_int(a[0]);
  if (a[3] != kSigsetSize) return err(Errno::inval);
  SigAction next;
  if (a[1] != 0) {
    auto v = get_user<std::array<std::uint64_t, 3>>(c.k, c.t, a[1]);
    if (!v) return err(Errno::fault);
    next = {(*v)[0], (*v)[1], (*v)[2]};
  }
  // do_sigaction()
  if (!valid_signal(sig) || (a[1] != 0 && sig_kernel_only(sig))) return err(Errno::inval);
  SigAction& slot = c.t.action(sig);
  SigAction old = slot;
  old.flags &= kUapiSaFlags;
  if (a[1] != 0) {
    next.flags &= kUapiSaFlags;
    next.mask &= ~kUnblockable;
    slot = next;
    // sig_handler_ignored(): what is pending is dropped, blocked or not.
    if (next.handler == kSigIgn || (next.handler == kSigDfl && sig_default(sig) == SigDefault::ignore)) {
      discard_pending(c.k, c.t, sig);
    }
  }
  if (a[2] != 0) {
    const std::uint64_t v[3] = {old.handler, old.flags, old.mask};
    if (!put_user(c.k, c.t, a[2], v)) return err(Errno::fault);
  }
  return 0;
}

std::int64_t sys_rt_sigprocmask(SysCtx& c, const SysArgs& a) {
  constexpr int kBlock = 0, kUnblock = 1, kSetmask = 2;
  if (a[3] != kSigsetSize) return err(Errno::inval);
  const std::uint64_t old = c.t.blocked;
  if (a[1] != 0) {
    auto v = get_user<std::uint64_t>(c.k, c.t, a[1]);
    if (!v) return err(Errno::fault);
    const std::uint64_t set = *v & ~kUnblockable;
    switch (as_int(a[0])) {
      case kBlock: set_blocked(c, c.t.blocked | set); break;
      case kUnblock: set_blocked(c, c.t.blocked & ~set); break;
      case kSetmask: set_blocked(c, set); break;
      default: return err(Errno::inval);
    }
  }
  if (a[2] != 0 && !put_user(c.k, c.t, a[2], old)) return err(Errno::fault);
  return 0;
}

std::int64_t sys_rt_sigreturn(SysCtx& c, const SysArgs&) {
  if (!restore_rt_frame(c.k, c.t)) {
    force_sigsegv(c.k, c.t);  // badframe
    return 0;
  }
  return static_cast<std::int64_t>(c.t.regs.x[10]);
}

// The blocked signals that are pending.
std::int64_t sys_rt_sigpending(SysCtx& c, const SysArgs& a) {
  if (a[1] > kSigsetSize) return err(Errno::inval);
  const std::uint64_t set = pending_set(c.t) & c.t.blocked;
  std::uint8_t b[8];
  std::memcpy(b, &set, 8);
  if (!c.k.copy_to_user(c.t, a[0], std::span<const std::uint8_t>(b, a[1]))) return err(Errno::fault);
  return 0;
}

// sigsuspend(): waits with the given mask until a signal is delivered; the handler
// returns to the old mask (the frame saves it), and the call returns EINTR.
std::int64_t sys_rt_sigsuspend(SysCtx& c, const SysArgs& a) {
  if (a[1] != kSigsetSize) return err(Errno::inval);
  auto v = get_user<std::uint64_t>(c.k, c.t, a[0]);
  if (!v) return err(Errno::fault);
  if (c.resume == nullptr) {
    c.t.saved_mask = c.t.blocked;
    c.t.restore_saved_mask = true;
  }
  set_blocked(c, *v & ~kUnblockable);
  WaitState w;
  w.kind = WaitKind::signal;
  w.restart = Restart::nohand;
  return block(c, std::move(w));
}

std::int64_t sys_sigaltstack(SysCtx& c, const SysArgs& a) {
  const std::uint64_t sp = c.t.regs.x[2];
  AltStack next;
  if (a[0] != 0) {
    auto v = get_user<std::array<std::uint64_t, 3>>(c.k, c.t, a[0]);
    if (!v) return err(Errno::fault);
    next.sp = (*v)[0];
    next.flags = static_cast<int>(static_cast<std::uint32_t>((*v)[1]));
    next.size = (*v)[2];
  }
  const std::uint64_t old[3] = {c.t.altstack.sp,
                                static_cast<std::uint32_t>(sas_ss_flags(c.t, sp) | (c.t.altstack.flags & kSsAutodisarm)),
                                c.t.altstack.size};
  const int r = do_sigaltstack(c.t, a[0] != 0 ? &next : nullptr, sp);
  if (r != 0) return r;
  if (a[1] != 0 && !put_user(c.k, c.t, a[1], old)) return err(Errno::fault);
  return 0;
}

}  // namespace vmlab::kern
