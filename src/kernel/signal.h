// Signals for guest tasks (kernel/signal.c): generation to a thread or to a whole
// process, the default actions, and delivery on the way back to user mode: a handler
// gets a riscv64 rt_sigframe (kernel/signal_frame.h), a fatal signal ends the process.
// Stop and continue are not modelled: SIGSTOP, SIGTSTP, SIGTTIN and SIGTTOU are
// ignored when their action is the default one, and SIGCONT only is what its default
// is, ignored.
#pragma once

#include <cstdint>

#include "kernel/task.h"
#include "vmlab/signal.h"

namespace vmlab::kern {

class Kernel;

enum class SigDefault : std::uint8_t { term, core, ignore, stop };

// sig_kernel_*(): what SIG_DFL does with `sig` (real-time signals terminate).
SigDefault sig_default(int sig);
// SIGKILL and SIGSTOP: cannot be caught, blocked or ignored.
inline bool sig_kernel_only(int sig) { return sig == 9 || sig == 19; }
inline bool valid_signal(int sig) { return sig >= 1 && sig <= kNsig; }

// Who a signal is for: one thread (tkill, tgkill, a fault) or the process
// (PIDTYPE_TGID: kill, SIGCHLD), whose threads any may take it.
enum class SigTarget : std::uint8_t { thread, group };

// What became of a signal sent.
enum class SendResult : std::uint8_t {
  ignored,   // dropped: ignored, or the task or process is gone
  pending,   // pending now (queued, or a standard signal already pending)
  overflow,  // a real-time signal from tkill/sigqueue over RLIMIT_SIGPENDING: EAGAIN
};

// __send_signal_locked(): queues `info` for `t` (or its process) unless it would be
// ignored (sig_ignored()); a standard signal already pending is not queued twice. The
// user's queued signals are held to the target's RLIMIT_SIGPENDING: past it a
// real-time signal sent other than by kill() fails, any other is sent without its
// information. Then complete_signal(): a thread that can take it is told
// (TIF_SIGPENDING), and a signal fatal to the process starts its group exit: every
// thread gets SIGKILL.
SendResult send_signal(Kernel& k, Task& t, const KSigInfo& info, SigTarget target);

// force_sig_info_to_task(): a fault the task cannot ignore or block. A blocked or
// ignored signal is unblocked and its action reset to SIG_DFL, so it kills.
void force_sig_fault(Kernel& k, Task& t, const SigInfo& fault);
// force_sigsegv(): a signal frame could not be built or restored.
void force_sigsegv(Kernel& k, Task& t);

// recalc_sigpending(): whether the task has a signal it can take now, in its own or
// its process's pending set; sets or clears TIF_SIGPENDING accordingly.
void recalc_sigpending(Task& t);
// The signal get_signal() would take next: synchronous fault signals first, then the
// lowest number, the thread's own before the process's; 0 when nothing deliverable
// is pending.
int next_signal(const Task& t);
// Whether a pending signal would end a blocking wait now: one with a handler, or a
// fatal one (for an uninterruptible vfork wait, only a fatal one).
bool signal_interrupts_wait(const Task& t);

// get_signal() and handle_signal() until nothing deliverable is left: frames for
// handlers (nested, the last on top), the default action otherwise. Returns false if
// the task died.
bool deliver_signals(Kernel& k, Task& t);

// The end of a blocking wait by a signal: the call returns EINTR (or the bytes it
// moved), or is restarted after a SA_RESTART handler, as handle_signal() decides
// from the -ERESTART* code the wait stands for.
void interrupt_wait(Kernel& k, Task& t);

// flush_signal_handlers() at exec: handlers back to SIG_DFL, ignored stay ignored.
void flush_signal_handlers(Task& t);
// rt_sigaction() to SIG_IGN (or a default that ignores) discards what is pending, in
// every thread of the process.
void discard_pending(Kernel& k, Task& t, int sig);
// The signals pending for the thread, and for its process.
inline std::uint64_t pending_set(const Task& t) { return t.pending.set | t.tg->shared_pending.set; }

// sas_ss_flags() and on_sig_stack() for the task's alternate stack at `sp`.
bool on_sig_stack(const Task& t, std::uint64_t sp);
int sas_ss_flags(const Task& t, std::uint64_t sp);

}  // namespace vmlab::kern
