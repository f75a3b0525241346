// signal_struct: what the threads of one process share beyond their address space,
// descriptors, working directory and signal handlers. It holds the process's identity:
// its tgid, its parent and children, the signals sent to the process as a whole,
// limits, process group and session, credentials, how the process ended, and the
// times and faults of its exited threads and of its reaped children.
//
// Parent and children are kept per process: a child forked by any thread is a child of
// the process, and any of its threads may wait for it, as do_wait() lets every thread
// of a group reap the children of the others (without __WNOTHREAD). A child's parent
// is the process, so the parent's exiting thread never orphans it (find_new_reaper()
// picks a live thread of the same group first).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "kernel/rlimit.h"
#include "kernel/signal_types.h"
#include "vmlab/events.h"

namespace vmlab::kern {

// CPU time, faults and context switches, of a thread or summed over a process.
struct Usage {
  std::uint64_t utime_ns = 0, stime_ns = 0, min_flt = 0, maj_flt = 0, nvcsw = 0, nivcsw = 0;
  // Faults by how they were resolved (counted or not), for reports.
  std::array<std::uint64_t, static_cast<unsigned>(obs::FaultKind::count)> faults_by_kind{};
  Usage& operator+=(const Usage& o) {
    utime_ns += o.utime_ns;
    stime_ns += o.stime_ns;
    min_flt += o.min_flt;
    maj_flt += o.maj_flt;
    nvcsw += o.nvcsw;
    nivcsw += o.nivcsw;
    for (std::size_t i = 0; i < faults_by_kind.size(); ++i) faults_by_kind[i] += o.faults_by_kind[i];
    return *this;
  }
};

enum class GroupState : std::uint8_t {
  running,  // some thread has not exited
  zombie,   // every thread has exited: the parent may reap it (exit_code is final)
  reaped,   // the parent (or init) has collected it: only its record is left
};

struct ThreadGroup {
  int tgid = 0;
  int ppid = 1;                // the parent process: 1 once orphaned (init reaps at once)
  std::vector<int> children;   // child processes not yet reaped, by tgid, oldest first
  std::vector<int> threads;    // its tasks not yet released, by tid, in creation order
  int live = 0;                // threads that have not exited (signal->live)

  SigPending shared_pending;   // signals sent to the process (kill()): any thread takes them
  int curr_target = 0;         // the thread complete_signal() last chose to take one
  RLimits rlimits{};
  int pgid = 0, sid = 0;       // process group and session
  std::uint32_t uid = 1000, gid = 1000;
  // /proc/PID/oom_score_adj (-1000..1000, -1000 exempts from the OOM killer) and the
  // lowest value an unprivileged write may set (oom_score_adj_min). Inherited at fork.
  int oom_score_adj = 0;
  int oom_score_adj_min = 0;
  std::string exe;             // the executable's path (/proc/PID/exe; mm->exe_file)

  // Ending. `group_exit` (SIGNAL_GROUP_EXIT) is set by exit_group(), a fatal signal
  // or an exec that kills the other threads; `group_exit_code` is then the status
  // every thread exits with. `exit_code` is the wait status the parent sees.
  GroupState state = GroupState::running;
  bool group_exit = false;
  int group_exit_code = 0;
  int exit_code = 0;

  // What released threads used (added as each goes, as __exit_signal() does), and
  // what reaped children used, their children included (wait_task_zombie()).
  Usage dead;
  Usage children_usage;
  // Peak RSS (hiwater_rss) in kB as getrusage() reports it: the largest any of the
  // process's address spaces reached (every exec'd image), and its children's.
  std::uint64_t maxrss_kb = 0, cmaxrss_kb = 0;

  bool alive() const { return state == GroupState::running; }
  bool privileged() const { return uid == 0; }
};

}  // namespace vmlab::kern
