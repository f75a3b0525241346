#include "kernel/sched.h"

#include "kernel/kernel.h"
#include "kernel/kernel_log.h"
#include "kernel/pipe.h"
#include "kernel/poll.h"

namespace vmlab::kern {

bool child_eligible(Kernel& k, const Task& caller, int child, int pid_arg, int options) {
  const ThreadGroup* cg = k.find_group(child);
  if (pid_arg > 0 && child != pid_arg) return false;
  if (pid_arg == 0 && (cg == nullptr || cg->pgid != caller.tg->pgid)) return false;
  if (pid_arg < -1 && (cg == nullptr || cg->pgid != -pid_arg)) return false;
  // A child that does not send SIGCHLD is a "clone" child: only __WCLONE waits for
  // it, and __WCLONE only for those; __WALL for both.
  if (!(options & kWall)) {
    const Task* leader = k.find_task(child);
    const bool clone_child = leader != nullptr && leader->exit_signal != kSigchld;
    if (clone_child != ((options & kWclone) != 0)) return false;
  }
  return true;
}

bool wait_is_over(Kernel& k, const Task& t) {
  const WaitState& w = t.wait;
  switch (w.kind) {
    case WaitKind::none:
      return true;
    case WaitKind::child: {
      // wait4(pid, status, options, rusage) sleeps with its arguments in a0..a3.
      const int pid_arg = static_cast<int>(t.regs.x[10]);
      const int options = static_cast<int>(t.regs.x[12]);
      bool any = false;
      for (int c : t.tg->children) {
        if (!child_eligible(k, t, c, pid_arg, options)) continue;
        any = true;
        const ThreadGroup* cg = k.find_group(c);
        if (cg == nullptr || cg->state != GroupState::running) return true;
      }
      return !any;  // ECHILD now
    }
    case WaitKind::pipe_read:
      return w.pipe->size() > 0 || w.pipe->writers == 0;
    case WaitKind::pipe_write:
      return w.pipe->room() >= w.need || w.pipe->readers == 0;
    case WaitKind::sleep:
      return k.now_ns() >= w.deadline_ns;
    case WaitKind::signal:
      return false;  // only a signal ends it
    case WaitKind::vfork:
      return t.vfork_child == 0;
    case WaitKind::futex:
      return w.futex_woken || (w.deadline_ns != 0 && k.now_ns() >= w.deadline_ns);
    case WaitKind::log:
      // wait_event_interruptible(log_wait, prb_read_valid(seq)) (syslog_print(), devkmsg_read())
      return k.log().ring().read_valid(w.log_seq) != nullptr;
    case WaitKind::poll:
      if (w.deadline_ns != 0 && k.now_ns() >= w.deadline_ns) return true;
      for (const PollEntry& e : w.polled) {
        if (poll_mask(*e.file) & (e.events | kPollErr | kPollHup)) return true;
      }
      return false;
  }
  return true;
}

}  // namespace vmlab::kern
