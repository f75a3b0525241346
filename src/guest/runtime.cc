#include "guest/runtime.h"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "guest/rv64/hart.h"
#include "kernel/rseq.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/syscall_table.h"

namespace vmlab::guest {

namespace {

std::string describe_wait(const kern::WaitState& w) {
  switch (w.kind) {
    case kern::WaitKind::child: return "wait4 for a child that never exits";
    case kern::WaitKind::pipe_read: return "read on an empty pipe";
    case kern::WaitKind::pipe_write: return "write on a full pipe";
    case kern::WaitKind::signal: return "rt_sigsuspend for a signal";
    case kern::WaitKind::vfork: return "its vfork child";
    case kern::WaitKind::sleep: return "sleep";
    case kern::WaitKind::none: break;
  }
  return "nothing";
}

}  // namespace

Runtime::Runtime(kern::Kernel& kernel, RuntimeOptions options)
    : kernel_(kernel), options_(options), tasks_(kernel), hart_(std::make_unique<rv64::Hart>(kernel, 0)) {
  if (options_.quantum == 0) options_.quantum = 1;
  tasks_.set_code_change_hook([this] { hart_->invalidate_code(); });
  tasks_.set_warning_sink([](std::string_view m) { std::cerr << m << '\n'; });
}

Runtime::~Runtime() = default;

Result<int> Runtime::start(std::string_view path, const std::vector<std::string>& argv,
                           const std::vector<std::string>& envp, const std::string& cwd,
                           std::array<std::shared_ptr<fs::OpenFile>, 3> stdio) {
  const std::string_view base = path.substr(path.rfind('/') + 1);
  kern::Process& p = kernel_.spawn(base);
  p.cwd = cwd;
  for (std::size_t fd = 0; fd < 3; ++fd) {
    if (stdio[fd] == nullptr) continue;
    if (p.fds.size() <= fd) p.fds.resize(fd + 1);
    p.fds[fd] = stdio[fd];
  }
  kern::Task& t = tasks_.adopt(p);
  first_pid_ = p.pid;
  note_pids();
  auto r = tasks_.exec(t, path, argv, envp);
  if (!r) {
    if (t.alive) tasks_.exit_task(t, 127 << 8);
    return r.error();
  }
  return p.pid;
}

void Runtime::note_pids() {
  for (int pid : tasks_.order()) {
    if (seen_.insert(pid).second) all_pids_.push_back(pid);
  }
}

bool Runtime::runnable(const kern::Task& t) const {
  return t.alive && (t.wait.kind == kern::WaitKind::none || t.wait.woken);
}

void Runtime::wake_tasks() {
  for (int pid : tasks_.order()) {
    kern::Task* t = tasks_.find(pid);
    if (t == nullptr || !t->alive || !t->blocked_now()) continue;
    if (kern::wait_is_over(tasks_, *t)) {
      // A vfork parent's clone has returned already: it just goes on.
      if (t->wait.kind == kern::WaitKind::vfork) t->wait = kern::WaitState{};
      else t->wait.woken = true;
    } else if (kern::signal_interrupts_wait(*t)) {
      kern::interrupt_wait(tasks_, *t);
    }
  }
}

RunResult Runtime::run() {
  RunResult res;
  while (true) {
    note_pids();
    tasks_.prune();
    wake_tasks();
    // Round robin: the next runnable task after the one that ran last.
    const std::vector<int> order = tasks_.order();
    const auto last = std::find(order.begin(), order.end(), last_pid_);
    const std::size_t start = last == order.end() ? order.size() - 1 : static_cast<std::size_t>(last - order.begin());
    kern::Task* next = nullptr;
    for (std::size_t k = 1; k <= order.size() && next == nullptr; ++k) {
      kern::Task* t = tasks_.find(order[(start + k) % order.size()]);
      if (t != nullptr && runnable(*t)) next = t;
    }
    if (next == nullptr) {
      bool alive = false;
      std::uint64_t wake = ~0ULL;
      for (int pid : order) {
        const kern::Task* t = tasks_.find(pid);
        if (t == nullptr || !t->alive) continue;
        alive = true;
        if (t->wait.kind == kern::WaitKind::sleep) wake = std::min(wake, t->wait.deadline_ns);
      }
      if (!alive) break;
      if (wake != ~0ULL) {
        // Nothing can run: time passes until the first sleeper wakes.
        tasks_.advance_to(wake);
        if (on_time_) on_time_(tasks_.now_ns());
        continue;
      }
      res.end = RunResult::End::deadlock;
      res.report = deadlock_report();
      break;
    }
    if (last_pid_ != 0 && next->pid != last_pid_) {
      ++switches_;
      if (kern::Task* prev = tasks_.find(last_pid_); prev != nullptr) {
        // The task that ran last was preempted if it could have gone on.
        if (runnable(*prev)) ++prev->nivcsw;
        kern::rseq_preempt(*prev);  // prepare_task_switch(): any switch away
      }
    }
    last_pid_ = next->pid;
    run_slice(*next);
    if (on_time_) on_time_(tasks_.now_ns());
    if (options_.max_instructions != 0 && instructions_ >= options_.max_instructions) {
      res.end = RunResult::End::limit;
      break;
    }
  }
  note_pids();
  if (const kern::Process* p = kernel_.find_any(first_pid_)) res.wait_status = p->exit_code;
  res.instructions = instructions_;
  res.context_switches = switches_;
  return res;
}

std::uint64_t Runtime::run_slice(kern::Task& t) {
  kern::Process* p = kernel_.find(t.pid);
  if (p == nullptr) return 0;
  const MachineConfig& cfg = kernel_.sys().config();
  // exit_to_user_mode_loop(): signals, then the rseq notification a registration or
  // a preemption asked for (it may force a SIGSEGV); false when the task stops running.
  auto to_user = [&] {
    if (!kern::deliver_signals(tasks_, t)) return false;
    if (!t.rseq_notify) return true;
    kern::rseq_notify_resume(tasks_, t);
    return kern::deliver_signals(tasks_, t);
  };
  // Serves the call at pc (pc moves past it); false when the task stops running.
  auto serve = [&] {
    const std::uint64_t t0 = tasks_.now_ns();
    const kern::SysOutcome out = kern::do_syscall(tasks_, t);
    t.stime_ns += tasks_.now_ns() - t0;
    if (out == kern::SysOutcome::exited) return false;
    if (out == kern::SysOutcome::blocked) {
      ++t.nvcsw;
      kern::rseq_preempt(t);  // it sleeps: schedule() switches away from it
      return false;
    }
    return to_user();
  };
  t.yielded = false;
  tasks_.schedule_tail(t);
  // A woken task completes the call it slept in, then returns to user mode.
  if (t.wait.woken ? !serve() : !to_user()) return 0;
  std::uint64_t budget = options_.quantum;
  std::uint64_t retired = 0;
  while (budget > 0 && t.alive && !t.blocked_now() && !t.yielded) {
    const hw::Cpu& cpu = kernel_.sys().mmu().cpu(0);
    const std::uint64_t i0 = t.regs.instret, now0 = tasks_.now_ns(), walks0 = cpu.walks;
    const rv64::Stop stop = hart_->run(*p, t.regs, budget);
    const std::uint64_t ran = t.regs.instret - i0;
    retired += ran;
    budget -= std::min(ran, budget);
    // User time: the instructions and their page walks; the rest (faults) is system time.
    const std::uint64_t user = ran * cfg.cost_instruction_ns + (cpu.walks - walks0) * cfg.cost_tlb_walk_ns;
    const std::uint64_t spent = tasks_.now_ns() - now0;
    t.utime_ns += user;
    t.stime_ns += spent > user ? spent - user : 0;
    if (stop.reason == rv64::StopReason::ecall) {
      if (!serve()) break;
    } else if (stop.reason == rv64::StopReason::signal) {
      kern::force_sig_fault(tasks_, t, stop.sig);
      if (!to_user()) break;
    } else {
      break;
    }
  }
  instructions_ += retired;
  if (t.alive) tasks_.update_maxrss(t);
  return retired;
}

std::string Runtime::deadlock_report() {
  std::string out = "deadlock: every task is blocked and none can wake another:";
  bool first = true;
  for (int pid : tasks_.order()) {
    const kern::Task* t = tasks_.find(pid);
    const kern::Process* p = kernel_.find(pid);
    if (t == nullptr || p == nullptr || !t->alive) continue;
    out += fmt::format("{} pid {} ({}) in {}", first ? "" : ";", pid, p->comm, describe_wait(t->wait));
    first = false;
  }
  return out;
}

}  // namespace vmlab::guest
