#include "kernel/signal.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "kernel/kernel.h"
#include "kernel/rseq.h"
#include "kernel/signal_frame.h"

namespace vmlab::kern {

namespace {

constexpr int kSigkill = 9, kSigsegv = 11, kSigstop = 19;
// SYNCHRONOUS_MASK: faults the task caused itself are taken before anything else.
constexpr std::uint64_t kSynchronous = sig_bit(11) | sig_bit(7) | sig_bit(4) | sig_bit(5) | sig_bit(8) | sig_bit(31);
constexpr std::uint64_t kUnblockable = sig_bit(kSigkill) | sig_bit(kSigstop);

bool has_handler(const SigAction& ka) { return ka.handler != kSigDfl && ka.handler != kSigIgn; }

// What delivering `sig` would do: nothing (ignored), run a handler, or kill.
enum class Effect { none, handler, fatal };
Effect effect_of(const Task& t, int sig) {
  const SigAction& ka = t.action(sig);
  if (ka.handler == kSigIgn) return Effect::none;
  if (has_handler(ka)) return Effect::handler;
  const SigDefault d = sig_default(sig);
  return d == SigDefault::term || d == SigDefault::core ? Effect::fatal : Effect::none;
}

// sig_ignored(): dropped at generation unless blocked (it may be unblocked later
// with another action).
bool sig_ignored(const Task& t, int sig) {
  if (t.blocked & sig_bit(sig)) return false;
  if (sig_kernel_only(sig)) return sig == kSigstop;  // SIGSTOP: stop is not modelled
  return effect_of(t, sig) == Effect::none;
}

// The deliverable signals of one pending set in the order next_signal() takes them.
template <class Fn>
bool for_each_in(std::uint64_t mask, Fn&& fn) {
  for (std::uint64_t part : {mask & kSynchronous, mask & ~kSynchronous}) {
    while (part) {
      const int sig = std::countr_zero(part) + 1;
      part &= part - 1;
      if (!fn(sig)) return false;
    }
  }
  return true;
}

// Every deliverable signal, the thread's own first, then the process's.
template <class Fn>
void for_each_deliverable(const Task& t, Fn&& fn) {
  if (!for_each_in(t.pending.set & ~t.blocked, fn)) return;
  for_each_in(t.tg->shared_pending.set & ~t.blocked, fn);
}

// dequeue_signal(): the oldest instance of `sig`, from the thread's own set if it is
// pending there, else from the process's. One sent without its information (the
// queue was full) reads as SI_USER from pid 0 (collect_signal()).
KSigInfo dequeue(Task& t, int sig) {
  SigPending& from = (t.pending.set & sig_bit(sig)) ? t.pending : t.tg->shared_pending;
  KSigInfo info{sig, kSiUser};
  bool found = false, more = false;
  for (auto it = from.queue.begin(); it != from.queue.end();) {
    if (it->signo == sig && !found) {
      info = *it;
      found = true;
      it = from.queue.erase(it);
      continue;
    }
    if (it->signo == sig) more = true;
    ++it;
  }
  if (!more) from.set &= ~sig_bit(sig);
  return info;
}

void queue_signal(SigPending& pending, const KSigInfo& info) {
  const std::uint64_t m = sig_bit(info.signo);
  if (info.signo < 32 && (pending.set & m)) return;  // legacy_queue()
  pending.queue.push_back(info);
  pending.set |= m;
}

constexpr int kSigrtmin = 32;

// __sigqueue_alloc()'s check: whether the user may queue one more signal for `t`.
// Standard signals sent by the kernel or by kill() go past the limit
// (override_rlimit); the rest count against it.
bool may_queue(Kernel& k, const Task& t, const KSigInfo& info) {
  if (info.signo < kSigrtmin && info.code >= 0) return true;
  return k.queued_signals(t.tg->uid) < t.tg->rlimits[kRlimitSigpending].cur;
}

// wants_signal(): a thread that may be told of `sig` (`current` runs now).
bool wants_signal(const Task& t, int sig, const Task* current) {
  if (t.blocked & sig_bit(sig)) return false;
  if (t.exited) return false;
  if (sig == kSigkill) return true;
  return &t == current || !t.sigpending;
}

// complete_signal() for a signal queued for the process: picks the thread to take it
// (the main thread if it wants it, else the next one after the last chosen), and
// starts the group exit when the signal is fatal to the process.
void complete_group_signal(Kernel& k, Task& main, int sig) {
  ThreadGroup& g = *main.tg;
  const Task* current = k.current();
  Task* chosen = nullptr;
  if (wants_signal(main, sig, current)) {
    chosen = &main;
  } else if (!g.threads.empty()) {
    // From the thread after curr_target, round the group once.
    auto start = std::find(g.threads.begin(), g.threads.end(), g.curr_target);
    std::size_t i = start == g.threads.end() ? 0 : static_cast<std::size_t>(start - g.threads.begin());
    for (std::size_t n = 0; n < g.threads.size() && chosen == nullptr; ++n) {
      Task* t = k.find_task(g.threads[(i + n) % g.threads.size()]);
      if (t != nullptr && wants_signal(*t, sig, current)) chosen = t;
    }
    if (chosen == nullptr) return;  // every thread blocks it: it waits in the set
    g.curr_target = chosen->tid;
  }
  if (chosen == nullptr) return;
  if (effect_of(main, sig) == Effect::fatal && sig_default(sig) != SigDefault::core && !g.group_exit) {
    // A fatal signal that dumps no core ends the whole process: every thread is
    // sent SIGKILL and dies when it next runs.
    g.group_exit = true;
    g.group_exit_code = sig;
    for (int tid : g.threads) {
      Task* t = k.find_task(tid);
      if (t == nullptr || t->exited) continue;
      queue_signal(t->pending, KSigInfo{kSigkill, kSiKernel});
      t->sigpending = true;
    }
    return;
  }
  chosen->sigpending = true;
}

// handle_signal() after get_signal() chose a handler.
void handle_signal(Kernel& k, Task& t, int sig, const KSigInfo& info) {
  SigAction& slot = t.action(sig);
  const SigAction ka = slot;
  if (ka.flags & kSaResethand) slot.handler = kSigDfl;  // SA_ONESHOT
  // sigmask_to_save(): the mask rt_sigsuspend replaced, if it did.
  const std::uint64_t saved = t.restore_saved_mask ? t.saved_mask : t.blocked;
  t.restore_saved_mask = false;
  rseq_signal_deliver(k, t, sig);  // riscv's handle_signal(): before the frame saves the pc
  if (!setup_rt_frame(k, t, info, ka, saved)) {
    t.blocked = saved;
    force_sigsegv(k, t);
    return;
  }
  // signal_delivered(): the handler runs with the current mask plus its sa_mask and,
  // unless SA_NODEFER, the signal itself.
  std::uint64_t add = ka.mask;
  if (!(ka.flags & kSaNodefer)) add |= sig_bit(sig);
  t.blocked = (t.blocked | add) & ~kUnblockable;
  recalc_sigpending(t);
}

}  // namespace

SigDefault sig_default(int sig) {
  switch (sig) {
    case 17: case 18: case 23: case 28:  // SIGCHLD, SIGCONT, SIGURG, SIGWINCH
      return SigDefault::ignore;
    case 19: case 20: case 21: case 22:  // SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU
      return SigDefault::stop;
    case 3: case 4: case 5: case 6: case 7: case 8: case 11: case 24: case 25: case 31:
      return SigDefault::core;
    default:
      return SigDefault::term;
  }
}

SendResult send_signal(Kernel& k, Task& t, const KSigInfo& info, SigTarget target) {
  if (!valid_signal(info.signo)) return SendResult::ignored;
  if (target == SigTarget::thread ? t.exited : !t.tg->alive()) return SendResult::ignored;
  if (sig_ignored(t, info.signo)) return SendResult::ignored;
  SigPending& pending = target == SigTarget::thread ? t.pending : t.tg->shared_pending;
  const std::uint64_t bit = sig_bit(info.signo);
  if (info.signo < kSigrtmin && (pending.set & bit)) return SendResult::pending;  // legacy_queue()
  if (may_queue(k, t, info)) {
    queue_signal(pending, info);
  } else if (info.signo >= kSigrtmin && info.code != kSiUser) {
    return SendResult::overflow;
  } else {
    pending.set |= bit;  // sent, its information lost
  }
  if (target == SigTarget::thread) {
    if (wants_signal(t, info.signo, &t)) t.sigpending = true;  // signal_wake_up()
  } else {
    complete_group_signal(k, t, info.signo);
  }
  return SendResult::pending;
}

void force_sig_fault(Kernel& /*k*/, Task& t, const SigInfo& fault) {
  const int sig = static_cast<int>(fault.signo);
  if (!valid_signal(sig) || t.exited) return;
  SigAction& ka = t.action(sig);
  const bool blocked = t.blocked & sig_bit(sig);
  if (blocked || ka.handler == kSigIgn) {
    ka.handler = kSigDfl;
    if (blocked) t.blocked &= ~sig_bit(sig);
  }
  KSigInfo info;
  info.signo = sig;
  info.code = fault.code;
  info.addr = fault.addr;
  queue_signal(t.pending, info);
  t.sigpending = true;
}

void force_sigsegv(Kernel& k, Task& t) {
  SigAction& ka = t.action(kSigsegv);
  ka.handler = kSigDfl;  // HANDLER_SIG_DFL
  t.blocked &= ~sig_bit(kSigsegv);
  force_sig_fault(k, t, SigInfo{Signal::sigsegv, kSiKernel, 0});
}

void recalc_sigpending(Task& t) { t.sigpending = (pending_set(t) & ~t.blocked) != 0; }

int next_signal(const Task& t) {
  int out = 0;
  for_each_deliverable(t, [&](int sig) {
    out = sig;
    return false;
  });
  return out;
}

bool signal_interrupts_wait(const Task& t) {
  if (!t.sigpending) return false;
  bool yes = false;
  for_each_deliverable(t, [&](int sig) {
    const Effect e = effect_of(t, sig);
    if (e == Effect::fatal || (e == Effect::handler && t.wait.restart != Restart::none)) {
      yes = true;
      return false;
    }
    return true;
  });
  return yes;
}

bool deliver_signals(Kernel& k, Task& t) {
  while (!t.exited && t.sigpending) {
    const int sig = next_signal(t);
    if (sig == 0) {
      recalc_sigpending(t);
      break;
    }
    const KSigInfo info = dequeue(t, sig);
    switch (effect_of(t, sig)) {
      case Effect::none:
        break;
      case Effect::handler:
        handle_signal(k, t, sig, info);
        break;
      case Effect::fatal:
        // do_group_exit(): the wait status is the signal; no core is dumped
        // (RLIMIT_CORE is 0), so WCOREDUMP stays clear.
        k.group_exit(t, sig);
        return false;
    }
  }
  return !t.exited;
}

void interrupt_wait(Kernel& k, Task& t) {
  WaitState w = std::move(t.wait);
  t.wait = WaitState{};
  if (w.kind == WaitKind::futex) futex_unqueue(k, t);
  if (w.kind == WaitKind::vfork || w.kind == WaitKind::none) return;  // nothing to unwind
  // The signal that will be delivered first decides, as in handle_signal().
  int sig = 0;
  for_each_deliverable(t, [&](int s) {
    if (effect_of(t, s) == Effect::none) return true;
    sig = s;
    return false;
  });
  if (sig == 0 || effect_of(t, sig) == Effect::fatal) return;  // the task dies
  const SigAction& ka = t.action(sig);
  if (w.done == 0 && w.restart == Restart::sys && (ka.flags & kSaRestart)) return;  // pc stays at the ecall
  std::int64_t result = w.done ? static_cast<std::int64_t>(w.done) : -4;  // EINTR
  if ((w.kind == WaitKind::sleep || w.kind == WaitKind::poll) && w.rem_addr != 0 && w.done == 0) {
    // The time left, for the caller to sleep again (nanosleep()'s rem, ppoll()'s and
    // pselect6()'s timeout).
    const std::uint64_t now = k.now_ns();
    const std::uint64_t left = w.deadline_ns > now ? w.deadline_ns - now : 0;
    std::uint8_t ts[16];
    const std::uint64_t sec = left / 1000000000ULL, nsec = left % 1000000000ULL;
    std::memcpy(ts, &sec, 8);
    std::memcpy(ts + 8, &nsec, 8);
    if (t.mm == nullptr || !k.copy_to_user(t, w.rem_addr, ts)) result = -14;  // EFAULT
  }
  t.regs.x[10] = static_cast<std::uint64_t>(result);
  t.regs.pc += 4;
}

void flush_signal_handlers(Task& t) {
  for (SigAction& ka : t.sighand->actions) {
    if (ka.handler != kSigIgn) ka.handler = kSigDfl;
    ka.flags = 0;
    ka.mask = 0;
  }
}

void discard_pending(Kernel& k, Task& t, int sig) {
  const std::uint64_t m = sig_bit(sig);
  auto drop = [&](SigPending& p) {
    if (!(p.set & m)) return;
    p.set &= ~m;
    std::erase_if(p.queue, [sig](const KSigInfo& i) { return i.signo == sig; });
  };
  drop(t.tg->shared_pending);
  for (int tid : t.tg->threads) {
    if (Task* other = k.find_task(tid)) drop(other->pending);
  }
}

bool on_sig_stack(const Task& t, std::uint64_t sp) {
  if (t.altstack.flags & kSsAutodisarm) return false;
  return sp > t.altstack.sp && sp - t.altstack.sp <= t.altstack.size;
}

int sas_ss_flags(const Task& t, std::uint64_t sp) {
  if (t.altstack.size == 0) return kSsDisable;
  return on_sig_stack(t, sp) ? kSsOnstack : 0;
}

}  // namespace vmlab::kern
