// Running guest programs: the scheduler over the kernel's tasks, one hart per modelled
// CPU. Each CPU runs its tasks a quantum of instructions at a time, round robin in
// creation order; a task that makes a system call goes on with the rest of its quantum
// unless the call blocks it. Signals are delivered whenever a task returns to user
// mode. The host clock is never read, and the interleaving is deterministic: the same
// program and machine give the same run every time.
//
// Time: every CPU has its own virtual clock (hw::Clock). The scheduler always runs the
// next time slice that can start earliest, on whichever CPU (the lowest numbered on a
// tie), so what one CPU does at time t reaches the others no earlier than t. A task
// woken by another (a futex wake, a child's exit, data in a pipe) can run from the end
// of the waker's slice; a sleeper from its deadline. When no task can run and none
// sleeps with a deadline, the run is a deadlock and stops with a report (Linux would
// hang).
//
// Placement: a new task goes to the CPU with the fewest tasks (select_task_rq() at
// fork), a woken one back to its CPU; a CPU with nothing to run takes a task that waits
// behind another on a busier CPU (idle balancing).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kernel/kernel.h"

namespace vmlab::guest {

namespace rv64 {
class Hart;
}

struct RuntimeOptions {
  std::uint64_t quantum = 10000;        // instructions per time slice
  std::uint64_t max_instructions = 0;   // stop after this many in all (0: no limit)
};

struct RunResult {
  enum class End : std::uint8_t {
    exited,    // every task has exited
    deadlock,  // every live task waits for something no task can do
    limit,     // max_instructions reached
  } end = End::exited;
  int wait_status = 0;          // of the first process, as wait4 reports it
  std::string report;           // for a deadlock: who waits for what
  std::uint64_t instructions = 0;
  std::uint64_t context_switches = 0;
};

class Runtime {
 public:
  Runtime(kern::Kernel& kernel, RuntimeOptions options = {});
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  kern::Kernel& kernel() { return kernel_; }
  rv64::Hart& hart(unsigned cpu = 0) { return *harts_[cpu]; }

  // Starts the first process: a new process whose descriptors 0-2 are `stdio` (null
  // entries keep /dev/null), with `cwd`, execve'd to `path`. The error is execve's.
  Result<int> start(std::string_view path, const std::vector<std::string>& argv,
                    const std::vector<std::string>& envp, const std::string& cwd,
                    std::array<std::shared_ptr<fs::OpenFile>, 3> stdio = {});

  // Runs until every task has exited (or a deadlock, or the instruction limit).
  RunResult run();

  // Called with the virtual time after every time slice and every jump of the clock.
  void on_time(std::function<void(std::uint64_t now_ns)> fn) { on_time_ = std::move(fn); }

  // Every pid that ran as a guest process, in creation order.
  const std::vector<int>& all_pids() const { return all_pids_; }
  int first_pid() const { return first_pid_; }

 private:
  // The next slice the scheduler could run: `task` on `cpu`, starting at `start`.
  struct Choice {
    kern::Task* task = nullptr;
    unsigned cpu = 0;
    std::uint64_t start = 0;
  };
  Choice choose();
  // When a task can next run: now (its wait is over), a deadline, or never (~0).
  std::uint64_t ready_at(const kern::Task& t) const;
  // select_task_rq() for a task the scheduler has not seen: the least loaded CPU.
  void place(kern::Task& t);
  unsigned load(unsigned cpu) const;
  // Runs one task for a quantum on `cpu`; returns the instructions it retired.
  std::uint64_t run_slice(kern::Task& t, unsigned cpu);
  // Ends the waits that are over or interrupted by a signal.
  void wake_tasks();
  std::string deadlock_report();
  void note_pids();

  kern::Kernel& kernel_;
  RuntimeOptions options_;
  std::vector<std::unique_ptr<rv64::Hart>> harts_;  // one per CPU
  std::vector<int> last_;                           // by CPU: the task that ran there last
  std::unordered_set<int> placed_;                  // tasks given a CPU by place()
  // When a woken task may run: the end of the slice that woke it.
  std::unordered_map<int, std::uint64_t> woken_at_;
  std::function<void(std::uint64_t)> on_time_;
  std::vector<int> all_pids_;
  std::unordered_set<int> seen_;
  int first_pid_ = 0;
  unsigned last_cpu_ = 0;
  std::uint64_t instructions_ = 0;
  std::uint64_t switches_ = 0;
};

}  // namespace vmlab::guest
