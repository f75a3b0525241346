// Running guest processes: the scheduler over the kernel's guest tasks. Every task
// runs on CPU 0's hart in turn, a quantum of instructions at a time (round robin in
// creation order); a task that makes a system call goes on with the rest of its
// quantum unless the call blocks it. Signals are delivered whenever a task returns
// to user mode. When every live task is blocked, the virtual clock jumps to the
// earliest sleeper's deadline; when none sleeps, the run is a deadlock and stops with
// a report (Linux would hang). The host clock is never read.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "kernel/task_table.h"

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

  kern::TaskTable& tasks() { return tasks_; }
  rv64::Hart& hart() { return *hart_; }

  // Starts the first process: a new process whose descriptors 0-2 are `stdio` (null
  // entries keep /dev/null), with `cwd`, execve'd to `path`. The error is execve's.
  Result<int> start(std::string_view path, const std::vector<std::string>& argv,
                    const std::vector<std::string>& envp, const std::string& cwd,
                    std::array<std::shared_ptr<fs::OpenFile>, 3> stdio = {});

  // Runs until every task has exited (or a deadlock, or the instruction limit).
  RunResult run();

  // Called with the virtual time after every time slice and every jump of the clock.
  void on_time(std::function<void(std::uint64_t now_ns)> fn) { on_time_ = std::move(fn); }

  // Every pid that ran as a guest task, in creation order.
  const std::vector<int>& all_pids() const { return all_pids_; }
  int first_pid() const { return first_pid_; }

 private:
  // Runs one task for a quantum; returns the instructions it retired.
  std::uint64_t run_slice(kern::Task& t);
  // Ends the waits that are over or interrupted by a signal.
  void wake_tasks();
  bool runnable(const kern::Task& t) const;
  std::string deadlock_report();
  void note_pids();

  kern::Kernel& kernel_;
  RuntimeOptions options_;
  kern::TaskTable tasks_;
  std::unique_ptr<rv64::Hart> hart_;
  std::function<void(std::uint64_t)> on_time_;
  std::vector<int> all_pids_;
  std::unordered_set<int> seen_;
  int first_pid_ = 0;
  int last_pid_ = 0;
  std::uint64_t instructions_ = 0;
  std::uint64_t switches_ = 0;
};

}  // namespace vmlab::guest
