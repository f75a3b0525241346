#include "kernel/signal.h"

#include <bit>
#include <cstring>

#include "kernel/rseq.h"
#include "kernel/signal_frame.h"
#include "kernel/task_table.h"

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
  const SigAction& ka = t.actions[static_cast<std::size_t>(sig)];
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

// The deliverable signals in the order get_signal() takes them.
template <class Fn>
void for_each_deliverable(const Task& t, Fn&& fn) {
  std::uint64_t mask = t.pending & ~t.blocked;
  for (std::uint64_t part : {mask & kSynchronous, mask & ~kSynchronous}) {
    while (part) {
      const int sig = std::countr_zero(part) + 1;
      part &= part - 1;
      if (!fn(sig)) return;
    }
  }
}

// dequeue_signal(): the oldest instance of `sig`.
KSigInfo dequeue(Task& t, int sig) {
  KSigInfo info{sig, kSiKernel};
  bool found = false, more = false;
  for (auto it = t.queue.begin(); it != t.queue.end();) {
    if (it->signo == sig && !found) {
      info = *it;
      found = true;
      it = t.queue.erase(it);
      continue;
    }
    if (it->signo == sig) more = true;
    ++it;
  }
  if (!more) t.pending &= ~sig_bit(sig);
  return info;
}

void queue_signal(Task& t, const KSigInfo& info) {
  const std::uint64_t m = sig_bit(info.signo);
  if (info.signo < 32 && (t.pending & m)) return;  // legacy_queue()
  t.queue.push_back(info);
  t.pending |= m;
}

// handle_signal() after get_signal() chose a handler.
void handle_signal(TaskTable& tt, Task& t, int sig, const KSigInfo& info) {
  SigAction& slot = t.actions[static_cast<std::size_t>(sig)];
  const SigAction ka = slot;
  if (ka.flags & kSaResethand) slot.handler = kSigDfl;  // SA_ONESHOT
  // sigmask_to_save(): the mask rt_sigsuspend replaced, if it did.
  const std::uint64_t saved = t.restore_saved_mask ? t.saved_mask : t.blocked;
  t.restore_saved_mask = false;
  rseq_signal_deliver(tt, t, sig);  // riscv's handle_signal(): before the frame saves the pc
  if (!setup_rt_frame(tt, t, info, ka, saved)) {
    t.blocked = saved;
    force_sigsegv(tt, t);
    return;
  }
  // signal_delivered(): the handler runs with the current mask plus its sa_mask and,
  // unless SA_NODEFER, the signal itself.
  std::uint64_t add = ka.mask;
  if (!(ka.flags & kSaNodefer)) add |= sig_bit(sig);
  t.blocked = (t.blocked | add) & ~kUnblockable;
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

bool send_signal(TaskTable& /*tt*/, Task& t, const KSigInfo& info) {
  if (!t.alive || !valid_signal(info.signo)) return false;
  if (sig_ignored(t, info.signo)) return false;
  queue_signal(t, info);
  return true;
}

void force_sig_fault(TaskTable& /*tt*/, Task& t, const SigInfo& fault) {
  const int sig = static_cast<int>(fault.signo);
  if (!valid_signal(sig) || !t.alive) return;
  SigAction& ka = t.actions[static_cast<std::size_t>(sig)];
  const bool blocked = t.blocked & sig_bit(sig);
  if (blocked || ka.handler == kSigIgn) {
    ka.handler = kSigDfl;
    if (blocked) t.blocked &= ~sig_bit(sig);
  }
  KSigInfo info;
  info.signo = sig;
  info.code = fault.code;
  info.addr = fault.addr;
  queue_signal(t, info);
}

void force_sigsegv(TaskTable& tt, Task& t) {
  SigAction& ka = t.actions[kSigsegv];
  ka.handler = kSigDfl;  // HANDLER_SIG_DFL
  t.blocked &= ~sig_bit(kSigsegv);
  force_sig_fault(tt, t, SigInfo{Signal::sigsegv, kSiKernel, 0});
}

int next_signal(const Task& t) {
  int out = 0;
  for_each_deliverable(t, [&](int sig) {
    out = sig;
    return false;
  });
  return out;
}

bool signal_interrupts_wait(const Task& t) {
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

bool deliver_signals(TaskTable& tt, Task& t) {
  while (t.alive) {
    const int sig = next_signal(t);
    if (sig == 0) break;
    const KSigInfo info = dequeue(t, sig);
    switch (effect_of(t, sig)) {
      case Effect::none:
        break;
      case Effect::handler:
        handle_signal(tt, t, sig, info);
        break;
      case Effect::fatal:
        // do_group_exit(): the wait status is the signal; no core is dumped
        // (RLIMIT_CORE is 0), so WCOREDUMP stays clear.
        tt.exit_task(t, sig);
        return false;
    }
  }
  return t.alive;
}

void interrupt_wait(TaskTable& tt, Task& t) {
  WaitState w = std::move(t.wait);
  t.wait = WaitState{};
  if (w.kind == WaitKind::vfork || w.kind == WaitKind::none) return;  // nothing to unwind
  // The signal that will be delivered first decides, as in handle_signal().
  int sig = 0;
  for_each_deliverable(t, [&](int s) {
    if (effect_of(t, s) == Effect::none) return true;
    sig = s;
    return false;
  });
  if (sig == 0 || effect_of(t, sig) == Effect::fatal) return;  // the task dies
  const SigAction& ka = t.actions[static_cast<std::size_t>(sig)];
  if (w.done == 0 && w.restart == Restart::sys && (ka.flags & kSaRestart)) return;  // pc stays at the ecall
  std::int64_t result = w.done ? static_cast<std::int64_t>(w.done) : -4;  // EINTR
  if (w.kind == WaitKind::sleep && w.rem_addr != 0 && w.done == 0) {
    // The time left, for the caller to sleep again (nanosleep()'s rem).
    const std::uint64_t now = tt.now_ns();
    const std::uint64_t left = w.deadline_ns > now ? w.deadline_ns - now : 0;
    std::uint8_t ts[16];
    const std::uint64_t sec = left / 1000000000ULL, nsec = left % 1000000000ULL;
    std::memcpy(ts, &sec, 8);
    std::memcpy(ts + 8, &nsec, 8);
    if (Process* p = tt.kernel().find(t.pid); p == nullptr || !tt.kernel().copy_to_user(*p, w.rem_addr, ts)) {
      result = -14;  // EFAULT
    }
  }
  t.regs.x[10] = static_cast<std::uint64_t>(result);
  t.regs.pc += 4;
}

void flush_signal_handlers(Task& t) {
  for (SigAction& ka : t.actions) {
    if (ka.handler != kSigIgn) ka.handler = kSigDfl;
    ka.flags = 0;
    ka.mask = 0;
  }
}

void discard_pending(Task& t, int sig) {
  const std::uint64_t m = sig_bit(sig);
  if (!(t.pending & m)) return;
  t.pending &= ~m;
  std::erase_if(t.queue, [sig](const KSigInfo& i) { return i.signo == sig; });
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
