#include "kernel/sched.h"

#include "kernel/pipe.h"
#include "kernel/task_table.h"

namespace vmlab::kern {

bool child_eligible(TaskTable& tt, const Task& caller, int child, int pid_arg, int options) {
  const Task* ct = tt.find(child);
  if (pid_arg > 0 && child != pid_arg) return false;
  if (pid_arg == 0 && (ct == nullptr || ct->pgid != caller.pgid)) return false;
  if (pid_arg < -1 && (ct == nullptr || ct->pgid != -pid_arg)) return false;
  // A child that does not send SIGCHLD is a "clone" child: only __WCLONE waits for
  // it, and __WCLONE only for those; __WALL for both.
  if (!(options & kWall)) {
    const bool clone_child = ct != nullptr && ct->exit_signal != 17;
    if (clone_child != ((options & kWclone) != 0)) return false;
  }
  return true;
}

bool wait_is_over(TaskTable& tt, const Task& t) {
  const WaitState& w = t.wait;
  switch (w.kind) {
    case WaitKind::none:
      return true;
    case WaitKind::child: {
      // wait4(pid, status, options, rusage) sleeps with its arguments in a0..a3.
      const Process* p = tt.kernel().find(t.pid);
      if (p == nullptr) return true;
      const int pid_arg = static_cast<int>(t.regs.x[10]);
      const int options = static_cast<int>(t.regs.x[12]);
      bool any = false;
      for (int c : p->children) {
        if (!child_eligible(tt, t, c, pid_arg, options)) continue;
        any = true;
        const Process* cp = tt.kernel().find(c);
        if (cp == nullptr || !cp->alive()) return true;
      }
      return !any;  // ECHILD now
    }
    case WaitKind::pipe_read:
      return w.pipe->size() > 0 || w.pipe->writers == 0;
    case WaitKind::pipe_write:
      return w.pipe->room() >= w.need || w.pipe->readers == 0;
    case WaitKind::sleep:
      return tt.now_ns() >= w.deadline_ns;
    case WaitKind::signal:
      return false;  // only a signal ends it
    case WaitKind::vfork: {
      const Process* p = tt.kernel().find(t.pid);
      return p == nullptr || p->state != TaskState::vfork_waiting;
    }
  }
  return true;
}

}  // namespace vmlab::kern
