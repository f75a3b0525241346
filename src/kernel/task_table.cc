#include "kernel/task_table.h"

#include <algorithm>
#include <cstring>

#include "fs/inode.h"
#include "fs/page_cache.h"
#include "fs/path.h"
#include "kernel/pipe.h"
#include "kernel/rseq.h"
#include "kernel/signal.h"
#include "mm/mman.h"
#include "vmlab/mman.h"

namespace vmlab::kern {

// INIT_RLIMITS, with the machine's stack and data limits and the thread-count based
// NPROC and SIGPENDING of set_max_threads() (16 KiB kernel stacks on riscv64).
std::array<RLimit, kRlimits> initial_rlimits(const MachineConfig& c, std::uint64_t total_pages) {
  std::array<RLimit, kRlimits> r{};
  const std::uint64_t threads = std::max<std::uint64_t>(20, total_pages / 32);
  r[kRlimitData] = {c.data_rlimit, kRlimInfinity};
  r[kRlimitStack] = {c.stack_rlimit, kRlimInfinity};
  r[kRlimitCore] = {0, kRlimInfinity};
  r[kRlimitNproc] = {threads / 2, threads / 2};
  r[kRlimitNofile] = {1024, 4096};  // INR_OPEN_CUR, INR_OPEN_MAX
  r[kRlimitMemlock] = {8 * MiB, 8 * MiB};
  r[kRlimitSigpending] = {threads / 2, threads / 2};
  r[kRlimitMsgqueue] = {819200, 819200};
  r[kRlimitNice] = {0, 0};
  r[kRlimitRtprio] = {0, 0};
  return r;
}

namespace {

constexpr int kSigchld = 17;

}  // namespace

TaskTable::TaskTable(Kernel& kernel) : kernel_(kernel), rng_state_(kernel.sys().config().seed ^ 0x5eed5eed5eedULL) {
  kernel_.attach_tasks(this);
}

TaskTable::~TaskTable() { kernel_.attach_tasks(nullptr); }

Task& TaskTable::adopt(Process& p) {
  auto t = std::make_unique<Task>();
  t->pid = p.pid;
  t->pgid = t->sid = p.pid;
  t->rlimits = initial_rlimits(config(), kernel_.sys().total_pages());
  Task& ref = *t;
  tasks_[p.pid] = std::move(t);
  order_.push_back(p.pid);
  return ref;
}

Task* TaskTable::find(int pid) {
  auto it = tasks_.find(pid);
  return it == tasks_.end() ? nullptr : it->second.get();
}

Task& TaskTable::clone_task(const Task& parent, int child_pid) {
  auto t = std::make_unique<Task>();
  t->pid = child_pid;
  t->regs = parent.regs;
  t->regs.reservation = ~0ULL;
  t->actions = parent.actions;
  t->blocked = parent.blocked;
  t->altstack = parent.altstack;
  t->cloexec = parent.cloexec;
  t->rlimits = parent.rlimits;
  t->pgid = parent.pgid;
  t->sid = parent.sid;
  t->vdso = parent.vdso;
  Task& ref = *t;
  tasks_[child_pid] = std::move(t);
  order_.push_back(child_pid);
  return ref;
}

void TaskTable::prune() {
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    if (kernel_.find(it->first) == nullptr) {
      std::erase(order_, it->first);
      it = tasks_.erase(it);
    } else {
      ++it;
    }
  }
}

std::uint64_t TaskTable::now_ns() const { return kernel_.sys().clock().now(); }

void TaskTable::advance_to(std::uint64_t ns) {
  hw::Clock& clock = kernel_.sys().clock();
  clock.advance_to(kernel_.sys().mmu().current(), ns);
}

void TaskTable::update_maxrss(Task& t) {
  Process* p = kernel_.find(t.pid);
  if (p == nullptr || !p->mm) return;
  const std::uint64_t rss = std::max(p->mm->hiwater_rss, p->mm->rss_pages());
  t.maxrss_kb = std::max(t.maxrss_kb, rss * (kPageSize / 1024));
  std::uint64_t& peak = peak_rss_[t.pid];
  peak = std::max(peak, t.maxrss_kb);
}

void TaskTable::exit_task(Task& t, int wait_status) {
  Process* p = kernel_.find(t.pid);
  if (p == nullptr || !t.alive) return;
  update_maxrss(t);
  // mm_release(): a task sharing its mm (a vfork child) clears its tid word.
  if (t.clear_child_tid != 0 && p->mm && p->mm->users > 1) {
    const std::uint8_t zero[4] = {};
    (void)kernel_.copy_to_user(*p, t.clear_child_tid, zero);
  }
  const int sig = wait_status & 0x7f;
  if (sig != 0) kernel_.kill(*p, static_cast<Signal>(sig));
  else kernel_.exit(*p, (wait_status >> 8) & 0xff);
  exit_notify(t);
}

void TaskTable::schedule_tail(Task& t) {
  if (t.set_child_tid == 0) return;
  if (Process* p = kernel_.find(t.pid)) {
    const std::int32_t tid = t.pid;
    std::uint8_t b[4];
    std::memcpy(b, &tid, 4);
    (void)kernel_.copy_to_user(*p, t.set_child_tid, b);
  }
  t.set_child_tid = 0;
}

void TaskTable::exit_notify(Task& t) {
  t.alive = false;
  t.wait = WaitState{};
  t.pending = 0;
  t.queue.clear();
  const Process* p = kernel_.find_any(t.pid);
  if (p == nullptr) return;
  const int status = p->exit_code;
  Process* pp = kernel_.find(p->ppid);
  Task* parent = find(p->ppid);
  if (pp == nullptr || parent == nullptr || !parent->alive || kernel_.find(t.pid) == nullptr) return;
  // do_notify_parent(): SIGCHLD with what became of the child, unless the parent
  // ignores SIGCHLD or set SA_NOCLDWAIT, in which case the child is reaped at once.
  KSigInfo info;
  info.signo = t.exit_signal;
  info.pid = t.pid;
  info.uid = static_cast<int>(p->uid);
  if (status & 0x7f) {
    info.code = (status & 0x80) ? kCldDumped : kCldKilled;
    info.status = status & 0x7f;
  } else {
    info.code = kCldExited;
    info.status = (status >> 8) & 0xff;
  }
  info.utime = nsec_to_clock_t(t.utime_ns + t.cutime_ns);
  info.stime = nsec_to_clock_t(t.stime_ns + t.cstime_ns);
  const SigAction& chld = parent->actions[kSigchld];
  bool autoreap = false;
  int sig = t.exit_signal;
  if (sig == kSigchld && (chld.handler == kSigIgn || (chld.flags & kSaNocldwait))) {
    autoreap = true;
    if (chld.handler == kSigIgn) sig = 0;
  }
  if (sig != 0 && valid_signal(sig)) {
    info.signo = sig;
    info.group = true;  // __group_send_sig_info()
    send_signal(*this, *parent, info);
  }
  if (autoreap) {
    reap_child(*parent, t.pid);
  }
}

void TaskTable::reap_child(Task& parent, int child_pid) {
  Process* pp = kernel_.find(parent.pid);
  Task* child = find(child_pid);
  if (pp == nullptr) return;
  auto r = kernel_.wait(*pp, child_pid);
  if (!r || r->pid != child_pid) return;
  // wait_task_zombie(): the child's times and peak RSS join the parent's children's.
  if (child != nullptr) {
    parent.cutime_ns += child->utime_ns + child->cutime_ns;
    parent.cstime_ns += child->stime_ns + child->cstime_ns;
    parent.cmaxrss_kb = std::max({parent.cmaxrss_kb, child->maxrss_kb, child->cmaxrss_kb});
  }
  // The child's Task goes at the scheduler's next prune(), not here: an auto-reaped
  // child (SIGCHLD ignored) is reaped from its own exit_group, which still holds it.
}

Result<void> TaskTable::exec(Task& t, std::string_view path, const std::vector<std::string>& argv,
                             const std::vector<std::string>& envp, int depth, std::string_view filename) {
  Process* p = kernel_.find(t.pid);
  if (p == nullptr) return Errno::srch;
  if (depth == 0) filename = path;
  update_maxrss(t);
  auto entry = kernel_.execve(*p, path, argv, envp, filename);
  if (!entry && entry.error() == Errno::noexec) {
    // binfmt_script: "#!interpreter [one argument]" in the first 256 bytes runs the
    // interpreter with the script's path in place of argv[0].
    auto text = kernel_.read_whole_file(fs::normalize_path(p->cwd, path));
    if (text && text->starts_with("#!")) {
      if (depth >= 4) return Errno::loop;  // BINPRM_MAX_RECURSION
      std::string line = text->substr(2, std::min<std::size_t>(text->size(), 256) - 2);
      const std::size_t nl = line.find('\n');
      if (nl == std::string::npos && text->size() > 256) return Errno::noexec;
      line = line.substr(0, nl);
      auto blank = [](char c) { return c == ' ' || c == '\t'; };
      std::size_t i = 0;
      while (i < line.size() && blank(line[i])) ++i;
      std::size_t j = i;
      while (j < line.size() && !blank(line[j])) ++j;
      const std::string interp = line.substr(i, j - i);
      while (j < line.size() && blank(line[j])) ++j;
      std::string arg = line.substr(j);
      while (!arg.empty() && blank(arg.back())) arg.pop_back();
      if (interp.empty()) return Errno::noexec;
      std::vector<std::string> args{interp};
      if (!arg.empty()) args.push_back(arg);
      args.emplace_back(path);
      if (argv.size() > 1) args.insert(args.end(), argv.begin() + 1, argv.end());
      return exec(t, interp, args, envp, depth + 1, filename);
    }
  }
  if (!entry) {
    // Past the point of no return the process was killed (SIGSEGV).
    if (!p->alive()) exit_notify(t);
    return entry.error();
  }
  // start_thread(): every register 0 but pc and sp; the instruction counter runs on.
  const std::uint64_t instret = t.regs.instret;
  t.regs = hw::Rv64Regs{};
  t.regs.instret = instret;
  t.regs.pc = *entry;
  t.regs.x[2] = p->mm->start_stack;
  flush_signal_handlers(t);
  t.altstack = AltStack{};
  t.clear_child_tid = 0;
  t.robust_list = 0;
  rseq_execve(t);
  // do_close_on_exec()
  for (std::size_t fd = 0; fd < t.cloexec.size(); ++fd) {
    if (t.cloexec[fd]) (void)kernel_.close(*p, static_cast<int>(fd));
  }
  t.cloexec.clear();
  auto vdso = map_vdso(*p);
  t.vdso = vdso ? *vdso : 0;
  code_changed();
  return {};
}

Result<std::uint64_t> TaskTable::map_vdso(Process& p) { return kernel_.map_vdso(p); }

std::shared_ptr<fs::OpenFile> TaskTable::host_stream(int host_fd, bool write_end) {
  return make_host_stream(++pipe_ino_, host_fd, write_end);
}

std::uint64_t TaskTable::next_pipe_ino() { return ++pipe_ino_; }

void TaskTable::random_bytes(std::uint8_t* out, std::size_t n) {
  // splitmix64: deterministic for a seed, good enough for what guests use it for.
  for (std::size_t i = 0; i < n; i += 8) {
    rng_state_ += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = rng_state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    const std::size_t k = std::min<std::size_t>(8, n - i);
    std::memcpy(out + i, &z, k);
  }
}

void TaskTable::warn_once(std::uint64_t key, std::string_view message) {
  if (!warned_.insert(key).second) return;
  warn(message);
}

}  // namespace vmlab::kern
