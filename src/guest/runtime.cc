#include "guest/runtime.h"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "guest/rv64/hart.h"
#include "kernel/kernel_log.h"
#include "kernel/rseq.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/syscall_table.h"

namespace vmlab::guest {

namespace {

constexpr std::uint64_t kNever = ~0ULL;

std::string describe_wait(const kern::WaitState& w) {
  switch (w.kind) {
    case kern::WaitKind::child: return "wait4 for a child that never exits";
    case kern::WaitKind::pipe_read: return "read on an empty pipe";
    case kern::WaitKind::pipe_write: return "write on a full pipe";
    case kern::WaitKind::signal: return "rt_sigsuspend for a signal";
    case kern::WaitKind::vfork: return "its vfork child";
    case kern::WaitKind::sleep: return "sleep";
    case kern::WaitKind::futex: return "futex wait that nobody wakes";
    case kern::WaitKind::poll: return "poll on descriptors that never become ready";
    case kern::WaitKind::log: return "a kernel log record that never comes";
    case kern::WaitKind::none: break;
  }
  return "nothing";
}

bool runnable(const kern::Task& t) { return !t.exited && !t.blocked_now(); }
bool allowed(const kern::Task& t, unsigned cpu) { return (t.cpus_allowed >> cpu) & 1; }

}  // namespace

Runtime::Runtime(kern::Kernel& kernel, RuntimeOptions options)
    : kernel_(kernel), options_(options), last_(kernel.config().cpus, 0) {
  if (options_.quantum == 0) options_.quantum = 1;
  for (unsigned cpu = 0; cpu < kernel.config().cpus; ++cpu) harts_.push_back(std::make_unique<rv64::Hart>(kernel, cpu));
  kernel_.set_code_change_hook([this] {
    for (auto& h : harts_) h->invalidate_code();
  });
  kernel_.set_warning_sink([](std::string_view m) { std::cerr << m << '\n'; });
  // A serial console: the kernel's messages on stderr as they are logged.
  kernel_.log().set_console([](std::string_view text) { std::cerr << text; });
}

Runtime::~Runtime() { kernel_.set_code_change_hook(nullptr); }

Result<int> Runtime::start(std::string_view path, const std::vector<std::string>& argv,
                           const std::vector<std::string>& envp, const std::string& cwd,
                           std::array<std::shared_ptr<fs::OpenFile>, 3> stdio) {
  const std::string_view base = path.substr(path.rfind('/') + 1);
  kern::Task& t = kernel_.spawn(base);
  t.fs->cwd = cwd;
  auto& fds = t.fds();
  for (std::size_t fd = 0; fd < 3; ++fd) {
    if (stdio[fd] == nullptr) continue;
    if (fds.size() <= fd) fds.resize(fd + 1);
    fds[fd] = stdio[fd];
  }
  first_pid_ = t.tgid();
  note_pids();
  auto r = kernel_.execve(t, path, argv, envp);
  if (!r) {
    if (!t.exited) kernel_.exit(t, 127);
    return r.error();
  }
  return first_pid_;
}

void Runtime::note_pids() {
  for (int tid : kernel_.run_queue().order()) {
    const kern::Task* t = kernel_.find_task(tid);
    if (t != nullptr && seen_.insert(t->tgid()).second) all_pids_.push_back(t->tgid());
  }
}

void Runtime::wake_tasks() {
  // A wait that ended during the slice that just ran ended by its end at the latest.
  const std::uint64_t now = kernel_.sys().clock().now(last_cpu_);
  for (int tid : kernel_.run_queue().order()) {
    kern::Task* t = kernel_.find_task(tid);
    if (t == nullptr || t->exited || !t->blocked_now()) continue;
    if (kern::wait_is_over(kernel_, *t)) {
      // A vfork parent's clone has returned already: it just goes on.
      if (t->wait.kind == kern::WaitKind::vfork) t->wait = kern::WaitState{};
      else t->wait.woken = true;
      woken_at_[tid] = now;
    } else if (kern::signal_interrupts_wait(*t)) {
      kern::interrupt_wait(kernel_, *t);
      woken_at_[tid] = now;
    }
  }
}

std::uint64_t Runtime::ready_at(const kern::Task& t) const {
  if (t.exited) return kNever;
  if (!t.blocked_now()) {
    auto it = woken_at_.find(t.tid);
    return it == woken_at_.end() ? 0 : it->second;
  }
  const kern::WaitState& w = t.wait;
  if (w.kind == kern::WaitKind::sleep) return w.deadline_ns;
  if (w.kind == kern::WaitKind::futex && w.deadline_ns != 0) return w.deadline_ns;
  return kNever;
}

unsigned Runtime::load(unsigned cpu) const {
  unsigned n = 0;
  for (int tid : kernel_.run_queue().order()) {
    const kern::Task* t = kernel_.find_task(tid);
    n += t != nullptr && !t->exited && placed_.count(tid) && t->cpu == cpu;
  }
  return n;
}

void Runtime::place(kern::Task& t) {
  unsigned best = t.cpu;
  unsigned best_load = allowed(t, best) ? load(best) : ~0u;
  for (unsigned cpu = 0; cpu < harts_.size(); ++cpu) {
    const unsigned l = load(cpu);
    if (allowed(t, cpu) && l < best_load) {
      best = cpu;
      best_load = l;
    }
  }
  t.cpu = best;
  placed_.insert(t.tid);
}

Runtime::Choice Runtime::choose() {
  const std::vector<int>& order = kernel_.run_queue().order();
  for (int tid : order) {
    kern::Task* t = kernel_.find_task(tid);
    if (t != nullptr && !t->exited && !placed_.count(tid)) place(*t);
  }
  const hw::Clock& clock = kernel_.sys().clock();
  // Idle balancing: a CPU with no task takes one that waits behind another (the last
  // in creation order of a CPU with two or more that can run now).
  for (unsigned idle = 0; idle < harts_.size() && harts_.size() > 1; ++idle) {
    if (load(idle) != 0) continue;
    for (unsigned busy = 0; busy < harts_.size(); ++busy) {
      std::vector<kern::Task*> ready;
      for (int tid : order) {
        kern::Task* t = kernel_.find_task(tid);
        if (t != nullptr && t->cpu == busy && runnable(*t) && ready_at(*t) <= clock.now(busy)) ready.push_back(t);
      }
      if (ready.size() < 2) continue;
      // The last that may run here and did not just run there.
      kern::Task* moved = nullptr;
      for (auto it = ready.rbegin(); it != ready.rend() && moved == nullptr; ++it) {
        if ((*it)->tid != last_[busy] && allowed(**it, idle)) moved = *it;
      }
      if (moved == nullptr) continue;
      moved->cpu = idle;
      break;
    }
  }
  Choice best;
  std::uint64_t best_start = kNever;
  for (unsigned cpu = 0; cpu < harts_.size(); ++cpu) {
    // Round robin: from the task after the one that ran here last.
    const auto last = std::find(order.begin(), order.end(), last_[cpu]);
    const std::size_t from = last == order.end() ? order.size() - 1 : static_cast<std::size_t>(last - order.begin());
    for (std::size_t k = 1; k <= order.size(); ++k) {
      kern::Task* t = kernel_.find_task(order[(from + k) % order.size()]);
      if (t == nullptr || t->cpu != cpu) continue;
      const std::uint64_t ready = ready_at(*t);
      if (ready == kNever) continue;
      const std::uint64_t start = std::max(ready, clock.now(cpu));
      if (start < best_start) {
        best_start = start;
        best = Choice{t, cpu, start};
      }
    }
  }
  return best;
}

RunResult Runtime::run() {
  RunResult res;
  hw::Clock& clock = kernel_.sys().clock();
  while (true) {
    note_pids();
    wake_tasks();
    const Choice next = choose();
    if (next.task == nullptr) {
      bool alive = false;
      for (const auto& [tid, t] : kernel_.tasks()) alive |= !t->exited;
      if (!alive) break;
      res.end = RunResult::End::deadlock;
      res.report = deadlock_report();
      break;
    }
    kern::Task& t = *next.task;
    const unsigned cpu = next.cpu;
    kernel_.switch_to(t, cpu);  // the CPU's clock is the one the task's wait is checked on
    if (next.start > clock.now(cpu)) {
      // Nothing can run on this CPU before then: time passes (a sleeper's deadline, or
      // the moment another CPU woke the task).
      clock.advance_to(cpu, next.start);
      if (on_time_) on_time_(clock.latest());
      if (t.blocked_now() && kern::wait_is_over(kernel_, t)) t.wait.woken = true;
    }
    if (last_[cpu] != 0 && t.tid != last_[cpu]) {
      ++switches_;
      if (kern::Task* prev = kernel_.find_task(last_[cpu]); prev != nullptr && prev->cpu == cpu) {
        // The task that ran here last was preempted if it could have gone on.
        if (runnable(*prev)) ++prev->usage.nivcsw;
        kern::rseq_preempt(*prev);  // prepare_task_switch(): any switch away
      }
    }
    last_[cpu] = t.tid;
    last_cpu_ = cpu;
    woken_at_.erase(t.tid);
    run_slice(t, cpu);
    if (on_time_) on_time_(clock.latest());
    if (options_.max_instructions != 0 && instructions_ >= options_.max_instructions) {
      res.end = RunResult::End::limit;
      break;
    }
  }
  note_pids();
  if (const kern::ThreadGroup* g = kernel_.find_group(first_pid_)) res.wait_status = g->exit_code;
  res.instructions = instructions_;
  res.context_switches = switches_;
  return res;
}

std::uint64_t Runtime::run_slice(kern::Task& t, unsigned cpu) {
  if (t.exited) return 0;
  kernel_.switch_to(t, cpu);
  const MachineConfig& cfg = kernel_.config();
  const hw::Clock& clock = kernel_.sys().clock();
  const hw::Cpu& hw_cpu = kernel_.sys().mmu().cpu(cpu);
  // exit_to_user_mode_loop(): signals, then the rseq notification a registration or
  // a preemption asked for (it may force a SIGSEGV); false when the task stops running.
  auto to_user = [&] {
    kernel_.run_kthreads();
    if (!kern::deliver_signals(kernel_, t)) return false;
    if (!t.rseq_notify) return true;
    kern::rseq_notify_resume(kernel_, t);
    return kern::deliver_signals(kernel_, t);
  };
  // Serves the call at pc (pc moves past it); false when the task stops running.
  auto serve = [&] {
    const std::uint64_t t0 = clock.now(cpu);
    const kern::SysOutcome out = kern::do_syscall(kernel_, t);
    t.usage.stime_ns += clock.now(cpu) - t0;
    if (out == kern::SysOutcome::exited) return false;
    if (out == kern::SysOutcome::blocked) {
      ++t.usage.nvcsw;
      kern::rseq_preempt(t);  // it sleeps: schedule() switches away from it
      return false;
    }
    return to_user();
  };
  t.yielded = false;
  kernel_.schedule_tail(t);
  // A woken task completes the call it slept in, then returns to user mode.
  if (t.wait.woken ? !serve() : !to_user()) return 0;
  std::uint64_t budget = options_.quantum;
  std::uint64_t retired = 0;
  rv64::Hart& hart = *harts_[cpu];
  while (budget > 0 && !t.exited && !t.blocked_now() && !t.yielded) {
    const std::uint64_t i0 = t.regs.instret, now0 = clock.now(cpu), walks0 = hw_cpu.walks;
    const rv64::Stop stop = hart.run(t, budget);
    const std::uint64_t ran = t.regs.instret - i0;
    retired += ran;
    budget -= std::min(ran, budget);
    // User time: the instructions and their page walks; the rest (faults) is system time.
    const std::uint64_t user = ran * cfg.cost_instruction_ns + (hw_cpu.walks - walks0) * cfg.cost_tlb_walk_ns;
    const std::uint64_t spent = clock.now(cpu) - now0;
    t.usage.utime_ns += user;
    t.usage.stime_ns += spent > user ? spent - user : 0;
    if (t.exited) break;  // killed while it ran (the OOM killer)
    if (stop.reason == rv64::StopReason::ecall) {
      if (!serve()) break;
    } else if (stop.reason == rv64::StopReason::signal) {
      kern::force_sig_fault(kernel_, t, stop.sig);
      if (!to_user()) break;
    } else {
      break;
    }
  }
  instructions_ += retired;
  if (!t.exited) kernel_.update_maxrss(t);
  return retired;
}

std::string Runtime::deadlock_report() {
  std::string out = "deadlock: every task is blocked and none can wake another:";
  bool first = true;
  for (int tid : kernel_.run_queue().order()) {
    const kern::Task* t = kernel_.find_task(tid);
    if (t == nullptr || t->exited) continue;
    out += fmt::format("{} pid {} ({}) in {}", first ? "" : ";", tid, t->comm, describe_wait(t->wait));
    first = false;
  }
  return out;
}

}  // namespace vmlab::guest
