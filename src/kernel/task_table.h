// The guest tasks of one machine and what their system calls share: the table of
// Tasks beside the kernel's processes, the run order, the virtual clock as guests
// read it, the generator behind getrandom(), the [vdso] page, and the paths every
// task leaves the kernel by (exit, fork, exec). The scheduler loop that runs the
// tasks on a hart is in guest/runtime; this is the part of it the kernel owns.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/kernel.h"
#include "kernel/task.h"

namespace vmlab::fs {
class Inode;
class OpenFile;
}  // namespace vmlab::fs

namespace vmlab::kern {

// CLOCK_REALTIME at virtual time 0: 2024-01-01 00:00:00 UTC. Guests see wall-clock
// time advance with the virtual clock only.
inline constexpr std::uint64_t kRealtimeEpochSec = 1704067200;

// The limits a machine's first process starts with (INIT_RLIMITS, set_max_threads()).
std::array<RLimit, kRlimits> initial_rlimits(const MachineConfig& c, std::uint64_t total_pages);

class TaskTable {
 public:
  explicit TaskTable(Kernel& kernel);
  ~TaskTable();
  TaskTable(const TaskTable&) = delete;
  TaskTable& operator=(const TaskTable&) = delete;

  Kernel& kernel() { return kernel_; }
  const MachineConfig& config() const { return kernel_.sys().config(); }

  // The Task of an existing process that has none yet (the first guest process).
  Task& adopt(Process& p);
  Task* find(int pid);
  // Creates the child's task as a copy of the parent's (copy_process(): registers,
  // dispositions, mask, limits; no pending signals, no alternate stack for CLONE_VM).
  Task& clone_task(const Task& parent, int child_pid);
  // Tasks in creation order, the order the scheduler visits them.
  const std::vector<int>& order() const { return order_; }
  // Forgets tasks whose process has been reaped.
  void prune();

  // The virtual clock: every cost the machine has priced (Machine::virtual_time_ns()).
  std::uint64_t now_ns() const;
  // Advances the clock to `ns` (a sleeper's deadline when nothing can run).
  void advance_to(std::uint64_t ns);

  // exit_group() and death by signal: do_exit(), then exit_notify() (SIGCHLD to the
  // parent, or reaping at once when the parent ignores SIGCHLD). `wait_status` is as
  // wait4 reports it.
  void exit_task(Task& t, int wait_status);
  // schedule_tail(): what a new child does before it first returns to user mode
  // (CLONE_CHILD_SETTID's write, in the child's own address space).
  void schedule_tail(Task& t);
  // exit_notify() for a process that has already become a zombie.
  void exit_notify(Task& t);
  // wait_task_zombie() for the parent's task: reaps the child and adds its times
  // and peak RSS to the parent's children's (cutime, cstime, cmaxrss).
  void reap_child(Task& parent, int child_pid);
  // execve() from the guest: Kernel::execve, then what exec does to the task
  // (flush_signal_handlers(), close-on-exec descriptors, fresh registers, [vdso]).
  // A "#!" script runs its interpreter (binfmt_script), at most 4 levels deep; the
  // name execve was given (`filename`, `path` at the first level) stays the process's
  // comm and AT_EXECFN, as bprm->filename does.
  Result<void> exec(Task& t, std::string_view path, const std::vector<std::string>& argv,
                    const std::vector<std::string>& envp, int depth = 0, std::string_view filename = {});
  // Maps the one-page [vdso] holding the signal return trampoline (Kernel::map_vdso),
  // as arch_setup_additional_pages() does after the program is loaded.
  Result<std::uint64_t> map_vdso(Process& p);

  // A host stream (stdin, stdout, stderr) as an open file the guest sees as a pipe.
  std::shared_ptr<fs::OpenFile> host_stream(int host_fd, bool write_end);
  // Inode numbers of pipefs.
  std::uint64_t next_pipe_ino();

  // getrandom(): the machine's deterministic stream, seeded from layout.seed.
  void random_bytes(std::uint8_t* out, std::size_t n);

  // An unknown system call number: one line on the warning sink, once per number.
  void warn_once(std::uint64_t key, std::string_view message);
  void set_warning_sink(std::function<void(std::string_view)> sink) { warn_ = std::move(sink); }
  void warn(std::string_view message) {
    if (warn_) warn_(message);
  }

  // fence.i, riscv_flush_icache() and exec: decoded code must be forgotten.
  void set_code_change_hook(std::function<void()> hook) { on_code_change_ = std::move(hook); }
  void code_changed() {
    if (on_code_change_) on_code_change_();
  }

  // Peak RSS of the process in kB (hiwater_rss), kept in the task for getrusage.
  void update_maxrss(Task& t);
  // The largest peak RSS a process reached over its life (every exec'd image), in kB;
  // remembered after the task is gone.
  std::uint64_t peak_rss_kb(int pid) const {
    auto it = peak_rss_.find(pid);
    return it == peak_rss_.end() ? 0 : it->second;
  }

 private:
  Kernel& kernel_;
  std::map<int, std::unique_ptr<Task>> tasks_;
  std::vector<int> order_;
  std::map<int, std::uint64_t> peak_rss_;
  std::set<std::uint64_t> warned_;
  std::function<void(std::string_view)> warn_;
  std::function<void()> on_code_change_;
  std::uint64_t rng_state_ = 0;
  std::uint64_t pipe_ino_ = 0;
};

}  // namespace vmlab::kern
