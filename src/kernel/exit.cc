// Ending tasks and processes (kernel/exit.c): do_exit() of one thread, do_group_exit()
// of a whole process, exit_notify() to the parent, release_task(), and the parent's
// side of it, wait_task_zombie().
#include <algorithm>

#include "kernel/futex.h"
#include "kernel/kernel.h"
#include "kernel/signal.h"
#include "mm/vma_ops.h"

namespace vmlab::kern {

void Kernel::exit(Task& t, int code) { group_exit(t, (code & 0xff) << 8); }

void Kernel::kill(Task& t, Signal sig) { group_exit(t, static_cast<int>(sig)); }

void Kernel::group_exit(Task& t, int wait_status) {
  if (t.exited) return;
  ThreadGroup& g = *t.tg;
  // do_group_exit(): the first group exit sets the status every thread leaves with.
  if (!g.group_exit) {
    g.group_exit = true;
    g.group_exit_code = wait_status;
  }
  // zap_other_threads(): the other threads are sent SIGKILL; they die before they
  // could run again, so vmlab ends them here.
  const std::vector<int> threads = g.threads;
  for (int tid : threads) {
    Task* other = find_task(tid);
    if (other != nullptr && other != &t && !other->exited) exit_thread(*other, g.group_exit_code);
  }
  exit_thread(t, g.group_exit_code);
}

void Kernel::mmput(std::shared_ptr<mm::AddressSpace> mm) {
  if (mm == nullptr || --mm->users > 0) return;
  // exit_mmap(): unmap everything, then free the tables and the PGD.
  sys_.mmu().drop_mm(mm.get());
  while (!mm->vmas.empty()) {
    mm::Vma& v = *mm->vmas.begin();
    (void)mm::unmap_range(*mm, v.start, v.end);
  }
}

void Kernel::close_all(Task& t) {
  // exit_files(): the last task holding the table closes what is in it.
  if (t.files && t.files.use_count() == 1) t.files->fds.clear();
  t.files.reset();
}

void Kernel::exit_thread(Task& t, int wait_status) {
  if (t.exited) return;
  ThreadGroup& g = *t.tg;
  update_maxrss(t);
  futex_unqueue(*this, t);
  // exit_mm() -> mm_release(): robust futexes, the CLONE_CHILD_CLEARTID word, and the
  // vfork parent, which runs again once its child lets go of the shared mm.
  if (t.mm) futex_exit_release(*this, t);
  if (t.vfork_parent != 0) {
    if (Task* parent = find_task(t.vfork_parent); parent != nullptr && parent->vfork_child == t.tid) {
      parent->vfork_child = 0;
    }
    t.vfork_parent = 0;
  }
  t.mm_id = nullptr;
  mmput(std::move(t.mm));
  close_all(t);
  t.fs.reset();
  t.exited = true;
  t.exit_code = wait_status;
  t.wait = WaitState{};
  t.pending.clear();
  if (t.leader()) g.exit_code = wait_status;  // the status wait reports unless a group exit set one
  if (--g.live > 0) {
    // Another thread goes on; this one, unless it leads the group, is gone at once
    // (a thread's exit_signal is -1: nobody waits for it).
    if (!t.leader()) release_task(t.tid);
    return;
  }
  // The last thread: the process has ended.
  if (g.group_exit) g.exit_code = g.group_exit_code;
  g.state = GroupState::zombie;
  g.shared_pending.clear();
  // forget_original_parent(): children go to init, which reaps the zombies among them.
  for (int c : g.children) {
    if (auto it = groups_.find(c); it != groups_.end()) {
      it->second->ppid = 1;
      if (it->second->state == GroupState::zombie) reap(c);
    }
  }
  g.children.clear();
  if (sys_.events().active()) {
    sys_.events().emit(obs::ProcessEvent{obs::ProcessEvent::Kind::exit, g.tgid, g.exit_code});
  }
  if (!t.leader()) release_task(t.tid);
  exit_notify(g);
}

void Kernel::exit_notify(ThreadGroup& g) {
  if (g.ppid == 1) {  // init reaps at once
    reap(g.tgid);
    return;
  }
  auto pit = groups_.find(g.ppid);
  Task* leader = find_task(g.tgid);
  Task* parent = nullptr;
  if (pit != groups_.end() && pit->second->alive()) {
    for (int tid : pit->second->threads) {
      Task* p = find_task(tid);
      if (p != nullptr && !p->exited) {
        parent = p;
        break;
      }
    }
  }
  if (parent == nullptr || leader == nullptr) return;
  // do_notify_parent(): SIGCHLD with what became of the child, unless the parent
  // ignores SIGCHLD or set SA_NOCLDWAIT, in which case the child is reaped at once.
  const int status = g.exit_code;
  KSigInfo info;
  info.pid = g.tgid;
  info.uid = static_cast<int>(g.uid);
  if (status & 0x7f) {
    info.code = (status & 0x80) ? kCldDumped : kCldKilled;
    info.status = status & 0x7f;
  } else {
    info.code = kCldExited;
    info.status = (status >> 8) & 0xff;
  }
  const Usage used = usage(g);
  info.utime = nsec_to_clock_t(used.utime_ns + g.children_usage.utime_ns);
  info.stime = nsec_to_clock_t(used.stime_ns + g.children_usage.stime_ns);
  const SigAction& chld = parent->action(kSigchld);
  bool autoreap = false;
  int sig = leader->exit_signal;
  if (sig == kSigchld && (chld.handler == kSigIgn || (chld.flags & kSaNocldwait))) {
    autoreap = true;
    if (chld.handler == kSigIgn) sig = 0;
  }
  if (sig > 0 && valid_signal(sig)) {
    info.signo = sig;
    // __group_send_sig_info(); a standard signal from the kernel cannot overflow.
    (void)send_signal(*this, *parent, info, SigTarget::group);
  }
  if (autoreap) reap_child(*parent, g.tgid);
}

void Kernel::release_task(int tid) {
  auto node = tasks_.extract(tid);
  if (!node) return;
  Task& t = *node.mapped();
  ThreadGroup& g = *t.tg;
  // __exit_signal(): the thread's times and faults stay with its process.
  g.dead += t.usage;
  std::erase(g.threads, tid);
  run_queue_->remove(tid);
  for (Task*& c : curr_) {
    if (c == &t) c = nullptr;
  }
  t.files.reset();
  t.fs.reset();
  t.pending.clear();
  released_.push_back(std::move(node.mapped()));
}

void Kernel::reap(int pid) {
  auto it = groups_.find(pid);
  if (it == groups_.end() || it->second->state == GroupState::reaped) return;
  ThreadGroup& g = *it->second;
  g.state = GroupState::reaped;
  release_task(pid);
  g.children = {};
}

void Kernel::reap_child(Task& parent, int child_pid) {
  ThreadGroup& pg = *parent.tg;
  auto it = groups_.find(child_pid);
  if (it == groups_.end() || it->second->state != GroupState::zombie) return;
  ThreadGroup& cg = *it->second;
  // wait_task_zombie(): the child's times, faults and peak RSS, and its children's,
  // join the parent's children's.
  pg.children_usage += usage(cg);
  pg.children_usage += cg.children_usage;
  pg.cmaxrss_kb = std::max({pg.cmaxrss_kb, cg.maxrss_kb, cg.cmaxrss_kb});
  std::erase(pg.children, child_pid);
  reap(child_pid);
}

Result<WaitResult> Kernel::wait(Task& parent, int child) {
  ThreadGroup& pg = *parent.tg;
  bool any = false;
  for (int c : pg.children) {
    if (child != -1 && c != child) continue;
    any = true;
    const ThreadGroup* cg = find_group(c);
    if (cg == nullptr || cg->state != GroupState::zombie) continue;
    const WaitResult r{c, cg->exit_code};
    reap_child(parent, c);
    return r;
  }
  if (!any) return Errno::child;
  return WaitResult{0, 0};
}

}  // namespace vmlab::kern
