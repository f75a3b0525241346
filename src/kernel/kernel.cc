#include "kernel/kernel.h"

#include <cstring>
#include <set>

#include "fs/inode.h"
#include "mm/filemap.h"
#include "kernel/fs_state.h"
#include "kernel/mm_hooks.h"
#include "kernel/kernel_log.h"
#include "kernel/pipe.h"
#include "kernel/stack_image.h"
#include "mm/fault.h"
#include "mm/mman.h"
#include "mm/vma_ops.h"
#include "vmlab/mman.h"

namespace vmlab::kern {

namespace {
// memfs is vmlab's disk filesystem; it shows as the first partition of the first disk.
constexpr std::uint32_t kRootDev = (8 << 8) | 1;  // 08:01
}  // namespace

// INIT_RLIMITS, with the machine's stack and data limits and the thread-count based
// NPROC and SIGPENDING of set_max_threads() (16 KiB kernel stacks on riscv64).
RLimits initial_rlimits(const MachineConfig& c, std::uint64_t total_pages) {
  RLimits r{};
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

Kernel::Kernel(const MachineConfig& config, mm::MemorySystem& sys)
    : config_(config),
      sys_(sys),
      rootfs_(kRootDev, [&sys](fs::Inode& inode) { sys.evict_inode(inode); }),
      mm_hooks_(std::make_unique<KernelMmHooks>(*this)),
      log_(std::make_shared<KernelLog>(config.cpus, config.console_loglevel)),
      run_queue_(std::make_unique<RunQueue>()),
      curr_(config.cpus, nullptr),
      rng_state_(config.seed ^ 0x5eed5eed5eedULL) {
  log_->set_kernel(this);
  setup_mounts();
  make_boot_swapfile();
  sys_.set_kernel_hooks(mm_hooks_.get());
}

Kernel::~Kernel() {
  sys_.set_kernel_hooks(nullptr);
  // Files of the log released from here on find no kernel to log their messages to.
  log_->set_kernel(nullptr);
  // Host files get what the guest wrote through writable mounts before the machine goes.
  for (auto& inode : fs_->hostfs.inodes()) {
    if (inode->type == fs::InodeType::regular) mm::page_cache_writeback(sys_, *inode, 0, ~0ULL);
  }
  // Tear every address space down while the memory system still exists.
  for (auto& [tid, t] : tasks_) {
    if (t->files) t->files->fds.clear();
    t->mm_id = nullptr;
    mmput(std::move(t->mm));
  }
}

std::vector<fs::Inode*> Kernel::inodes() {
  std::set<fs::Inode*> seen;
  std::vector<fs::Inode*> todo{rootfs_.root().get()};
  for (const auto& [path, m] : vfs().mounts()) todo.push_back(m->root.get());
  for (const auto& inode : fs_->hostfs.inodes()) todo.push_back(inode.get());
  while (!todo.empty()) {
    fs::Inode* i = todo.back();
    todo.pop_back();
    if (!seen.insert(i).second) continue;
    for (auto& [name, child] : i->entries) todo.push_back(child.get());
  }
  if (vdso_) seen.insert(vdso_.get());
  for (const auto& [tid, t] : tasks_) {
    if (t->files) {
      for (const auto& f : t->files->fds) {
        if (f) seen.insert(f->inode.get());
      }
    }
    if (!t->mm) continue;
    for (const mm::Vma& v : t->mm->vmas) {
      if (v.file) seen.insert(v.file->inode.get());
    }
  }
  return {seen.begin(), seen.end()};
}

Task* Kernel::find_task(int tid) {
  auto it = tasks_.find(tid);
  return it == tasks_.end() ? nullptr : it->second.get();
}

Task* Kernel::find(int pid) {
  auto g = groups_.find(pid);
  if (g == groups_.end() || g->second->state == GroupState::reaped) return nullptr;
  return find_task(pid);
}

const ThreadGroup* Kernel::find_group(int pid) const {
  auto g = groups_.find(pid);
  return g == groups_.end() ? nullptr : g->second.get();
}

std::vector<int> Kernel::pids() const {
  std::vector<int> out;
  for (const auto& [pid, g] : groups_) {
    if (g->state != GroupState::reaped) out.push_back(pid);
  }
  return out;
}

std::uint64_t Kernel::queued_signals(std::uint32_t uid) const {
  std::uint64_t n = 0;
  std::set<const ThreadGroup*> groups;
  for (const auto& [tid, t] : tasks_) {
    if (t->exited || t->tg->uid != uid) continue;
    n += t->pending.queue.size();
    if (groups.insert(t->tg.get()).second) n += t->tg->shared_pending.queue.size();
  }
  return n;
}

Usage Kernel::usage(const ThreadGroup& g) const {
  Usage u = g.dead;
  for (int tid : g.threads) {
    if (auto it = tasks_.find(tid); it != tasks_.end()) u += it->second->usage;
  }
  return u;
}

std::shared_ptr<ThreadGroup> Kernel::new_group(int tgid) {
  auto g = std::make_shared<ThreadGroup>();
  g->tgid = tgid;
  groups_[tgid] = g;
  return g;
}

Task& Kernel::new_task(std::shared_ptr<ThreadGroup> tg, int tid) {
  auto t = std::make_unique<Task>();
  t->tid = tid;
  t->start_time_ns = now_ns();  // start_boottime, for stat's starttime
  t->tg = std::move(tg);
  t->tg->threads.push_back(t->tid);
  ++t->tg->live;
  Task& ref = *t;
  tasks_.emplace(ref.tid, std::move(t));
  run_queue_->add(ref.tid);
  return ref;
}

Task& Kernel::spawn(std::string_view comm) {
  const int pid = alloc_pid();
  Task& t = new_task(new_group(pid), pid);
  ThreadGroup& g = *t.tg;
  g.ppid = 1;
  g.pgid = g.sid = g.tgid;  // a process of the C++ API leads its own group and session
  g.rlimits = initial_rlimits(config_, sys_.total_pages());
  t.comm = std::string(comm.substr(0, 15));
  t.files = std::make_shared<FilesStruct>();
  t.fs = std::make_shared<FsStruct>();
  t.sighand = std::make_shared<SigHand>();
  t.set_mm(std::make_shared<mm::AddressSpace>(sys_, config_.layout));
  mm::AddressSpace& mm = *t.mm;
  mm.cap_sys_admin = t.privileged();
  // The heap of a program without program headers: where a PIE's would begin.
  mm.start_brk = mm.brk = page_align_down(mm.task_size / 3 * 2);  // ELF_ET_DYN_BASE

  // The stack exec leaves: the argument pages plus 128 KiB, growing down.
  StackSpec spec;
  spec.top = mm.stack_top;
  spec.argv = {std::string(comm)};
  spec.execfn = std::string(comm);
  spec.stack_rlimit = config_.stack_rlimit;
  auto image = build_stack_image(spec);
  for (int fd = 0; fd < 3; ++fd) (void)open(t, "/dev/null", kORdwr, 0);  // stdin, stdout, stderr
  if (image) {
    auto vma = std::make_unique<mm::Vma>();
    vma->start = image->vma_start;
    vma->end = mm.stack_top;
    vma->flags = mm::VM_READ | mm::VM_WRITE | mm::VM_MAYREAD | mm::VM_MAYWRITE | mm::VM_MAYEXEC |
                 mm::VM_GROWSDOWN | mm::VM_ACCOUNT;
    vma->pgoff = vma->start >> kPageShift;
    const std::int64_t pages = static_cast<std::int64_t>(vma->pages());
    (void)sys_.vm_enough_memory(pages, 0, true);  // the charge setup_arg_pages() makes
    mm.account_vm(vma->flags, pages);
    mm::vma_link(mm, std::move(vma));
    mm.start_stack = image->sp;
    mm.arg_start = image->arg_start;
    mm.arg_end = image->arg_end;
    mm.env_start = image->env_start;
    mm.env_end = image->env_end;
    (void)copy_to_user(t, image->sp, image->bytes);
  }
  t.regs.x[2] = mm.start_stack;
  if (sys_.events().active()) sys_.events().emit(obs::ProcessEvent{obs::ProcessEvent::Kind::spawn, t.tid, 0});
  return t;
}

void Kernel::switch_to(Task& t, unsigned cpu) {
  t.cpu = cpu;  // task_cpu()
  curr_[cpu] = &t;
  sys_.mmu().set_current(cpu);
  if (t.mm) sys_.mmu().switch_to(sys_.mmu().cpu(cpu), t.mm.get(), t.mm->pgd);
}

SigInfo Kernel::user_fault(Task& t, VirtAddr addr, hw::AccessType type, unsigned error_code) {
  mm::FaultResult r = mm::handle_user_fault(*t.mm, addr, type, error_code);
  ++t.usage.faults_by_kind[static_cast<unsigned>(r.kind)];
  if (r.counts_for_task()) (r.major ? t.usage.maj_flt : t.usage.min_flt)++;
  if (sys_.events().active()) {
    sys_.events().emit(obs::FaultEvent{t.tgid(), addr, r.kind, type == hw::AccessType::write, r.major});
  }
  // VM_FAULT_OOM: the allocation failed even after the OOM killer
  // (pagefault_out_of_memory()): the faulting process dies.
  if (r.signal.signo == Signal::sigkill) kill(t, Signal::sigkill);
  return r.signal;
}

void Kernel::run_kthreads() { (void)mm::kswapd_run(sys_); }  // whether it ran changes nothing here

FaultIn Kernel::fault_in(Task& t, VirtAddr va, hw::AccessType type) {
  hw::Mmu& mmu = sys_.mmu();
  switch_to(t, t.cpu);
  return fault_in_page(mmu, mmu.cpu(t.cpu), va, type,
                       [&](unsigned error_code) { return user_fault(t, va, type, error_code); });
}

void Kernel::update_maxrss(Task& t) {
  if (!t.mm) return;
  const std::uint64_t rss = std::max(t.mm->hiwater_rss, t.mm->rss_pages());
  t.tg->maxrss_kb = std::max(t.tg->maxrss_kb, rss * (kPageSize / 1024));
}

std::shared_ptr<fs::OpenFile> Kernel::host_stream(int host_fd, bool write_end) {
  return make_host_stream(next_pipe_ino(), host_fd, write_end);
}

void Kernel::random_bytes(std::uint8_t* out, std::size_t n) {
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

void Kernel::warn_once(std::uint64_t key, std::string_view message) {
  if (!warned_.insert(key).second) return;
  warn(message);
}

}  // namespace vmlab::kern
