#include "kernel/kernel.h"

#include <set>

#include "fs/inode.h"
#include "fs/page_cache.h"
#include "kernel/fs_state.h"
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

Kernel::Kernel(const MachineConfig& config, mm::MemorySystem& sys)
    : config_(config), sys_(sys), rootfs_(kRootDev, [&sys](fs::Inode& inode) { sys.evict_inode(inode); }) {
  setup_mounts();
}

Kernel::~Kernel() {
  // Host files get what the guest wrote through writable mounts before the machine goes.
  for (auto& inode : fs_->hostfs.inodes()) {
    if (inode->type == fs::InodeType::regular) fs::page_cache_writeback(sys_, *inode, 0, ~0ULL);
  }
  // Tear every address space down while the memory system still exists.
  for (auto& [pid, p] : procs_) {
    p->fds.clear();
    if (p->mm) release_mm(*p);
  }
}

void Kernel::reap(int pid) {
  auto node = procs_.extract(pid);
  if (!node) return;
  // What stays is the exit status, the counters and the names: a few hundred bytes.
  Process& p = *node.mapped();
  p.fds = {};
  p.children = {};
  reaped_.insert(std::move(node));
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
  for (const auto& [pid, p] : procs_) {
    for (const auto& f : p->fds) {
      if (f) seen.insert(f->inode.get());
    }
    if (!p->mm) continue;
    for (const mm::Vma& v : p->mm->vmas) {
      if (v.file) seen.insert(v.file->inode.get());
    }
  }
  return {seen.begin(), seen.end()};
}

const Process* Kernel::find_any(int pid) const {
  if (auto it = procs_.find(pid); it != procs_.end()) return it->second.get();
  if (auto it = reaped_.find(pid); it != reaped_.end()) return it->second.get();
  return nullptr;
}

Process* Kernel::find(int pid) {
  auto it = procs_.find(pid);
  return it == procs_.end() ? nullptr : it->second.get();
}

Process& Kernel::spawn(std::string_view comm) {
  auto p = std::make_unique<Process>();
  p->pid = alloc_pid();
  p->start_time_ns = sys_.clock().now();  // start_boottime, for stat's starttime
  p->ppid = 1;
  p->comm = std::string(comm.substr(0, 15));
  p->set_mm(std::make_shared<mm::AddressSpace>(sys_, config_.layout));
  mm::AddressSpace& mm = *p->mm;
  mm.cap_sys_admin = p->privileged();
  // The heap of a program without program headers: where a PIE's would begin.
  mm.start_brk = mm.brk = page_align_down(mm.task_size / 3 * 2);  // ELF_ET_DYN_BASE

  // The stack exec leaves: the argument pages plus 128 KiB, growing down.
  StackSpec spec;
  spec.top = mm.stack_top;
  spec.argv = {std::string(comm)};
  spec.execfn = std::string(comm);
  spec.stack_rlimit = config_.stack_rlimit;
  auto image = build_stack_image(spec);
  Process& ref = *p;
  procs_.emplace(ref.pid, std::move(p));
  for (int fd = 0; fd < 3; ++fd) (void)open(ref, "/dev/null", kORdwr, 0);  // stdin, stdout, stderr
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
    (void)copy_to_user(ref, image->sp, image->bytes);
  }
  if (sys_.events().active()) sys_.events().emit(obs::ProcessEvent{obs::ProcessEvent::Kind::spawn, ref.pid, 0});
  return ref;
}

void Kernel::switch_to(Process& p, unsigned cpu) {
  p.cpu = cpu;  // task_cpu()
  sys_.mmu().set_current(cpu);
  sys_.mmu().switch_to(sys_.mmu().cpu(cpu), p.mm.get(), p.mm->pgd);
}

SigInfo Kernel::user_fault(Process& p, VirtAddr addr, hw::AccessType type, unsigned error_code) {
  mm::FaultResult r = mm::handle_user_fault(*p.mm, addr, type, error_code);
  ++p.faults_by_kind[static_cast<unsigned>(r.kind)];
  if (r.counts_for_task()) (r.major ? p.maj_flt : p.min_flt)++;
  if (sys_.events().active()) {
    sys_.events().emit(obs::FaultEvent{p.pid, addr, r.kind, type == hw::AccessType::write, r.major});
  }
  // VM_FAULT_OOM: with no reclaim or OOM-killer victim selection modelled yet, the
  // faulting task is the one killed (pagefault_out_of_memory()).
  if (r.signal.signo == Signal::sigkill) kill(p, Signal::sigkill);
  return r.signal;
}

void Kernel::release_mm(Process& p) {
  std::shared_ptr<mm::AddressSpace> mm = std::move(p.mm);
  p.mm_id = nullptr;
  if (--mm->users > 0) return;
  // exit_mmap(): unmap everything, then free the tables and the PGD.
  sys_.mmu().drop_mm(mm.get());
  while (!mm->vmas.empty()) {
    mm::Vma& v = *mm->vmas.begin();
    (void)mm::unmap_range(*mm, v.start, v.end);
  }
}

void Kernel::close_all(Process& p) {
  for (auto& f : p.fds) f.reset();
  p.fds.clear();
}

void Kernel::exit(Process& p, int code) { do_exit(p, (code & 0xff) << 8); }

void Kernel::kill(Process& p, Signal sig) { do_exit(p, static_cast<int>(sig)); }

void Kernel::do_exit(Process& p, int status) {
  if (!p.alive()) return;
  close_all(p);
  if (p.mm) release_mm(p);
  p.state = TaskState::zombie;
  p.exit_code = status;
  // A vfork parent runs again once its child exits.
  if (p.vforked) {
    if (Process* parent = find(p.ppid); parent && parent->state == TaskState::vfork_waiting) {
      parent->state = TaskState::running;
      parent->vfork_child = 0;
    }
  }
  // Orphans go to init, which reaps them when they exit.
  for (int c : p.children) {
    if (Process* child = find(c)) {
      child->ppid = 1;
      if (!child->alive()) reap(c);
    }
  }
  p.children.clear();
  if (sys_.events().active()) sys_.events().emit(obs::ProcessEvent{obs::ProcessEvent::Kind::exit, p.pid, status});
  if (p.ppid == 1) reap(p.pid);  // reaped by init at once
}

Result<WaitResult> Kernel::wait(Process& parent, int child) {
  for (int c : parent.children) {
    if (child != -1 && c != child) continue;
    Process* cp = find(c);
    if (cp == nullptr || cp->alive()) continue;
    // wait_task_zombie(): the parent collects the child's fault counts.
    parent.cmin_flt += cp->min_flt + cp->cmin_flt;
    parent.cmaj_flt += cp->maj_flt + cp->cmaj_flt;
    WaitResult r{c, cp->exit_code};
    std::erase(parent.children, c);
    reap(c);
    return r;
  }
  bool any = false;
  for (int c : parent.children) any |= (child == -1 || c == child);
  if (!any) return Errno::child;
  return WaitResult{0, 0};
}

}  // namespace vmlab::kern
