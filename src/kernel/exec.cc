// execve(): fs/binfmt_elf.c load_elf_binary(). The program's PT_LOAD segments are
// mapped privately from its file with their own protections, the end of the last
// file page of a segment is zeroed and the rest of its memory size becomes anonymous
// memory, the interpreter goes at the mmap base, and the new stack holds argv, envp
// and the auxiliary vector.
#include <algorithm>
#include <cstring>

#include "fs/inode.h"
#include "kernel/signal.h"
#include "fs/path.h"
#include "fs/vfs.h"
#include "kernel/elf_image.h"
#include "kernel/kernel.h"
#include "kernel/kernel_log.h"
#include "kernel/printk.h"
#include "kernel/rseq.h"
#include "kernel/stack_image.h"
#include "mm/mman.h"
#include "mm/vma_ops.h"
#include "vmlab/fcntl.h"
#include "vmlab/mman.h"

namespace vmlab::kern {

namespace {

struct Loaded {
  std::uint64_t bias = 0;
  std::uint64_t brk = 0;  // end of the highest segment's memory, biased
  std::uint64_t start_code = ~0ULL, end_code = 0, start_data = 0, end_data = 0;
};

int segment_prot(const ElfSegment& s) {
  return (s.r ? kProtRead : 0) | (s.w ? kProtWrite : 0) | (s.x ? kProtExec : 0);
}

// elf_load(): one PT_LOAD at `bias`.
Result<void> load_segment(Kernel& k, Task& p, const std::shared_ptr<fs::OpenFile>& file, const ElfSegment& s,
                          std::uint64_t bias) {
  mm::AddressSpace& mm = *p.mm;
  const int prot = segment_prot(s);
  const VirtAddr vaddr = bias + s.vaddr;
  const std::uint64_t page_off = vaddr & (kPageSize - 1);
  VirtAddr zero_start = 0, zero_end = 0;
  if (s.filesz > 0) {
    // elf_map(): the file pages holding the segment.
    mm::MmapArgs args{page_align_down(vaddr), page_align_up(s.filesz + page_off), prot, kMapPrivate | kMapFixed,
                      file, s.offset - page_off};
    auto r = mm::do_mmap(mm, args, nullptr);
    if (!r) return r.error();
    zero_start = vaddr + s.filesz;
    zero_end = vaddr + s.memsz;
    if (s.memsz > s.filesz && (prot & kProtWrite)) {
      // padzero(): the rest of the last file page reads as zeros (a write, so it
      // becomes a private anonymous copy).
      const std::uint64_t tail = page_align_up(zero_start) - zero_start;
      if (tail > 0) {
        std::vector<std::uint8_t> zeros(tail, 0);
        if (!k.copy_to_user(p, zero_start, zeros)) return Errno::fault;
      }
    }
  } else {
    zero_start = page_align_down(vaddr);
    zero_end = zero_start + page_off + s.memsz;
  }
  if (s.memsz > s.filesz) {
    // vm_brk_flags(): the whole pages past the file are anonymous memory.
    const VirtAddr from = page_align_up(zero_start);
    const VirtAddr to = page_align_up(zero_end);
    if (to > from) {
      mm::MmapArgs args{from, to - from, kProtRead | kProtWrite | (s.x ? kProtExec : 0),
                        kMapPrivate | kMapFixed | kMapAnonymous, nullptr, 0};
      auto r = mm::do_mmap(mm, args, nullptr);
      if (!r) return r.error();
    }
  }
  return {};
}

// Maps every PT_LOAD of `elf` and records the layout values.
Result<Loaded> load_image(Kernel& k, Task& p, const std::shared_ptr<fs::OpenFile>& file, const ElfImage& elf,
                          std::uint64_t et_dyn_base) {
  mm::AddressSpace& mm = *p.mm;
  Loaded out;
  LoadPlacement place = load_placement(elf, et_dyn_base);
  if (place.kind == LoadPlacement::Kind::fixed) {
    out.bias = place.bias;
  } else {
    // Room for the whole image, padded only when it wants more than page alignment.
    const std::uint64_t pad = place.alignment > kPageSize ? place.alignment : 0;
    auto area = mm::get_unmapped_area(mm, file.get(), 0, place.total_size + pad, 0, 0);
    if (!area) return area.error();
    out.bias = mmap_base_bias(elf, place, *area);
  }
  for (const ElfSegment& s : elf.segments) {
    auto r = load_segment(k, p, file, s, out.bias);
    if (!r) return r.error();
    const std::uint64_t v = out.bias + s.vaddr;
    if (s.x) {
      out.start_code = std::min(out.start_code, v);
      out.end_code = std::max(out.end_code, v + s.filesz);
    }
    out.start_data = std::max(out.start_data, v);
    out.end_data = std::max(out.end_data, v + s.filesz);
    out.brk = std::max(out.brk, v + s.memsz);
  }
  if (out.start_code == ~0ULL) out.start_code = 0;
  return out;
}

// A deterministic generator for AT_RANDOM (splitmix64 over the machine seed).
std::array<std::uint8_t, 16> at_random_bytes(std::uint64_t seed, int pid) {
  std::uint64_t x = seed ^ (static_cast<std::uint64_t>(pid) * 0x9e3779b97f4a7c15ULL);
  std::array<std::uint8_t, 16> out{};
  for (int half = 0; half < 2; ++half) {
    x += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(half * 8 + i)] = static_cast<std::uint8_t>(z >> (8 * i));
  }
  return out;
}

constexpr std::uint64_t kStackWord = 8;  // bprm->p starts one word below the top

// Pages charged to Committed_AS for a stack being built; given back on every way out
// until the stack VMA is linked (mmput() of bprm->mm on a failed exec).
struct StackCharge {
  mm::MemorySystem& sys;
  std::int64_t pages = 0;
  explicit StackCharge(mm::MemorySystem& s) : sys(s) {}
  StackCharge(const StackCharge&) = delete;
  StackCharge& operator=(const StackCharge&) = delete;
  ~StackCharge() {
    if (pages != 0) sys.vm_unacct_memory(pages);
  }
  // security_vm_enough_memory_mm() for `more` pages of the new mm.
  bool add(std::int64_t more, bool cap_sys_admin, std::uint64_t mm_total_vm = 0) {
    if (!sys.vm_enough_memory(more, mm_total_vm, cap_sys_admin)) return false;
    pages += more;
    return true;
  }
  // The stack VMA (VM_ACCOUNT) holds the charge from now on.
  void hand_over() { pages = 0; }
};

}  // namespace

Result<VirtAddr> Kernel::exec_elf(Task& p, std::string_view path, const std::vector<std::string>& argv,
                                 const std::vector<std::string>& envp, std::string_view filename) {
  auto walked = walk_at(p, kAtFdcwd, path, fs::kWalkFollow);
  if (!walked) return walked.error();
  const std::string exe_path = walked->path;  // d_path(): what maps and /proc/PID/exe show
  Result<std::shared_ptr<fs::Inode>> inode = walked->inode;
  if ((*inode)->is_dir()) return Errno::acces;
  if ((*inode)->type != fs::InodeType::regular) return Errno::acces;
  // do_open_execat(): may_open(MAY_EXEC) wants an execute bit for the caller, and one
  // bit at least for root; the interpreter is opened the same way.
  const fs::Caller who = p.caller();
  if (auto ok = fs::permission(**inode, *walked->mount, fs::kMayExec, who); !ok) return ok.error();

  // The new stack before the point of no return, as alloc_bprm() and
  // do_execveat_common() build it: bprm_mm_init()'s one-page VMA is charged to
  // Committed_AS (ENOMEM), bprm_stack_limits() and copy_strings() check the strings
  // (E2BIG), and the VMA grows to hold them (each page charged). Any failure leaves
  // the process as it was; `charged` goes back unless the stack VMA takes it over.
  StackCharge charged{sys_};
  if (!charged.add(1, p.privileged())) return Errno::nomem;
  StackSpec spec;
  spec.argv = argv;
  spec.envp = envp;
  spec.execfn = std::string(filename);
  spec.stack_rlimit = config_.stack_rlimit;
  auto strings = arg_strings_size(spec);
  if (!strings) return strings.error().error;
  const std::int64_t string_pages = static_cast<std::int64_t>(page_align_up(kStackWord + *strings) >> kPageShift);
  if (string_pages > 1 && !charged.add(string_pages - 1, p.privileged())) return Errno::nomem;
  // do_execveat_common(): an empty argv gets "" for argv[0] (stack_image.cc), which
  // Linux reports once per boot, once the strings are copied.
  if (argv.empty() && log_->first_time("execve NULL argv")) {
    printk(*this, LogLevel::warning, "process '{}' launched '{}' with NULL argv: empty string added\n", p.comm,
           filename);
  }
  const std::uint16_t machine = config_.layout == Layout::x86_64 ? kEmX86_64 : kEmRiscv;
  auto read_all = [&](fs::Inode& i) {
    std::vector<std::uint8_t> bytes(i.size);
    (void)fs::file_read(sys_, i, 0, bytes.data(), bytes.size());
    return bytes;
  };
  const std::vector<std::uint8_t> bytes = read_all(**inode);
  const std::uint64_t task_size = p.mm->task_size;
  auto elf = parse_elf(bytes, machine, task_size);
  if (!elf && !elf.error().fatal) return elf.error().error;
  std::shared_ptr<fs::Inode> interp_inode;
  std::string interp_path;
  std::optional<ElfImage> interp;
  std::optional<Errno> fatal;  // found where Linux is past the point of no return
  if (!elf) fatal = elf.error().error;
  if (elf && elf->interp) {
    auto ii = walk_at(p, kAtFdcwd, *elf->interp, fs::kWalkFollow);
    if (!ii) return ii.error();
    interp_inode = ii->inode;
    interp_path = ii->path;
    if (interp_inode->is_dir() || interp_inode->type != fs::InodeType::regular) return Errno::acces;
    if (auto ok = fs::permission(*interp_inode, *ii->mount, fs::kMayExec, who); !ok) return ok.error();
    auto ie = parse_elf(read_all(*interp_inode), machine, task_size);
    if (!ie && !ie.error().fatal) return ie.error().error;
    if (ie) interp = *ie;
    else fatal = ie.error().error;
  }

  // The point of no return (begin_new_exec()): the other threads die and this one
  // becomes the leader (de_thread()), then the old address space goes (exec_mmap());
  // a vfork parent runs again.
  de_thread(p);
  if (p.vfork_parent != 0) {
    if (Task* parent = find_task(p.vfork_parent); parent != nullptr && parent->vfork_child == p.tid) {
      parent->vfork_child = 0;
    }
    p.vfork_parent = 0;
  }
  sys_.mmu().drop_mm(p.mm.get());
  mmput(std::move(p.mm));
  p.set_mm(std::make_shared<mm::AddressSpace>(sys_, config_.layout));
  p.mm->cap_sys_admin = p.privileged();
  // load_elf_binary() meets these in its segment loops, after begin_new_exec():
  // bprm_execve() then kills the task (force_fatal_sig(SIGSEGV)).
  if (fatal) {
    kill(p, Signal::sigsegv);
    return *fatal;
  }
  mm::AddressSpace& mm = *p.mm;
  auto file = std::make_shared<fs::OpenFile>(*inode, exe_path, kORdonly);
  p.tg->exe = exe_path;
  auto main = load_image(*this, p, file, *elf, elf_et_dyn_base(machine, task_size));
  if (!main) {
    kill(p, Signal::sigsegv);
    return main.error();
  }
  std::uint64_t interp_bias = 0;
  if (interp) {
    auto ifile = std::make_shared<fs::OpenFile>(interp_inode, interp_path, kORdonly);
    auto loaded = load_image(*this, p, ifile, *interp, 0);
    if (!loaded) {
      kill(p, Signal::sigsegv);
      return loaded.error();
    }
    interp_bias = loaded->bias;
  }
  mm.start_code = main->start_code;
  mm.end_code = main->end_code;
  mm.start_data = main->start_data;
  mm.end_data = main->end_data;
  mm.start_brk = mm.brk = page_align_up(main->brk);

  // create_elf_tables() on a new stack (setup_arg_pages()).
  spec.top = mm.stack_top;
  spec.random = at_random_bytes(config_.seed, p.tgid());
  if (machine == kEmX86_64) spec.platform = "x86_64";
  const std::uint64_t entry = main->bias + elf->entry;
  // riscv64: ARCH_DLINFO first (AT_SYSINFO_EHDR left out: vmlab's [vdso] page holds
  // only the signal trampoline, not an ELF image; cache sizes unknown, as on QEMU's
  // virt board; AT_MINSIGSTKSZ the rt_sigframe size), then AT_HWCAP with the
  // rv64gc letters I, M, A, F, D, C; no AT_HWCAP2 or AT_PLATFORM. AT_RSEQ_* come last
  // (kernel/rseq.h).
  if (machine == kEmRiscv) {
    constexpr std::uint64_t kHwcapRv64gc = (1 << ('I' - 'A')) | (1 << ('M' - 'A')) | (1 << ('A' - 'A')) |
                                           (1 << ('F' - 'A')) | (1 << ('D' - 'A')) | (1 << ('C' - 'A'));
    spec.auxv = {{kAtL1iCachesize, 0}, {kAtL1iCachegeometry, 0}, {kAtL1dCachesize, 0},
                 {kAtL1dCachegeometry, 0}, {kAtL2Cachesize, 0}, {kAtL2Cachegeometry, 0},
                 {kAtMinsigstksz, kRiscvMinSigStkSz}, {kAtHwcap, kHwcapRv64gc},
                 {kAtPagesz, kPageSize}, {kAtClktck, 100},
                 {kAtPhdr, main->bias + elf->phdr_vaddr}, {kAtPhent, 56}, {kAtPhnum, elf->phnum},
                 {kAtBase, interp_bias}, {kAtFlags, 0}, {kAtEntry, entry},
                 {kAtUid, p.tg->uid}, {kAtEuid, p.tg->uid}, {kAtGid, p.tg->gid}, {kAtEgid, p.tg->gid},
                 {kAtSecure, 0}, {kAtRandom, 0}, {kAtExecfn, 0},
                 {kAtRseqFeatureSize, kRseqFeatureSize}, {kAtRseqAlign, kRseqAlign}, {kAtNull, 0}};
  } else {
    spec.auxv = {{kAtHwcap, 0},
                 {kAtPagesz, kPageSize},
                 {kAtClktck, 100},
                 {kAtPhdr, main->bias + elf->phdr_vaddr},
                 {kAtPhent, 56},
                 {kAtPhnum, elf->phnum},
                 {kAtBase, interp_bias},
                 {kAtFlags, 0},
                 {kAtEntry, entry},
                 {kAtUid, p.tg->uid},
                 {kAtEuid, p.tg->uid},
                 {kAtGid, p.tg->gid},
                 {kAtEgid, p.tg->gid},
                 {kAtSecure, 0},
                 {kAtRandom, 0},
                 {kAtHwcap2, 0},
                 {kAtExecfn, 0},
                 {kAtPlatform, 0},
                 {kAtRseqFeatureSize, kRseqFeatureSize},
                 {kAtRseqAlign, kRseqAlign},
                 {kAtNull, 0}};
  }
  auto image = build_stack_image(spec);
  if (!image) {
    kill(p, Signal::sigsegv);
    return image.error().error;
  }
  auto stack = std::make_unique<mm::Vma>();
  stack->start = image->vma_start;
  stack->end = mm.stack_top;
  stack->flags = mm::VM_READ | mm::VM_WRITE | mm::VM_MAYREAD | mm::VM_MAYWRITE | mm::VM_MAYEXEC | mm::VM_GROWSDOWN |
                 mm::VM_ACCOUNT | (elf->exec_stack ? mm::VM_EXEC : 0);
  stack->pgoff = stack->start >> kPageShift;
  const std::int64_t pages = static_cast<std::int64_t>(stack->pages());
  // setup_arg_pages(): expand_stack() charges the growth beyond the string pages
  // (acct_stack_growth()); refused, exec fails with EFAULT past the point of no return.
  if (pages > charged.pages && !charged.add(pages - charged.pages, p.privileged(), mm.total_vm)) {
    kill(p, Signal::sigsegv);
    return Errno::fault;
  }
  charged.hand_over();
  mm.account_vm(stack->flags, pages);
  mm::vma_link(mm, std::move(stack));
  mm.start_stack = image->sp;
  mm.arg_start = image->arg_start;
  mm.arg_end = image->arg_end;
  mm.env_start = image->env_start;
  mm.env_end = image->env_end;
  if (!copy_to_user(p, image->sp, image->bytes)) {
    kill(p, Signal::sigsegv);
    return Errno::fault;
  }
  // __set_task_comm(kbasename(bprm->filename))
  const std::string_view base = filename.substr(filename.rfind('/') + 1);
  p.comm = std::string(base.substr(0, 15));
  if (sys_.events().active()) sys_.events().emit(obs::ProcessEvent{obs::ProcessEvent::Kind::exec, p.tgid(), 0});
  return interp ? interp_bias + interp->entry : entry;
}


void Kernel::de_thread(Task& t) {
  ThreadGroup& g = *t.tg;
  if (g.threads.size() == 1) return;
  // zap_other_threads(): the other threads are killed. The process is not ending, so
  // their deaths set no group status.
  const std::vector<int> threads = g.threads;
  for (int tid : threads) {
    Task* other = find_task(tid);
    if (other != nullptr && other != &t && !other->exited) exit_thread(*other, 9 /* SIGKILL */);
  }
  if (t.leader()) return;
  // A thread that is not the leader takes its place: the leader's pid becomes its
  // tid (exchange_tids()), the old leader is released, and it keeps the process's
  // start time and sends SIGCHLD when the process ends.
  const int old_tid = t.tid;
  const int tgid = g.tgid;
  Task* leader = find_task(tgid);
  if (leader != nullptr) t.start_time_ns = leader->start_time_ns;
  release_task(tgid);
  auto node = tasks_.extract(old_tid);
  node.key() = tgid;
  t.tid = tgid;
  tasks_.insert(std::move(node));
  run_queue_->rename(old_tid, tgid);
  std::replace(g.threads.begin(), g.threads.end(), old_tid, tgid);
  t.exit_signal = kSigchld;
}

Result<VirtAddr> Kernel::execve(Task& t, std::string_view path, const std::vector<std::string>& argv,
                                const std::vector<std::string>& envp) {
  return exec_binary(t, path, argv, envp, 0, path);
}

Result<VirtAddr> Kernel::exec_binary(Task& t, std::string_view path, const std::vector<std::string>& argv,
                                     const std::vector<std::string>& envp, int depth, std::string_view filename) {
  update_maxrss(t);
  auto entry = exec_elf(t, path, argv, envp, filename);
  if (!entry && entry.error() == Errno::noexec) {
    // binfmt_script: "#!interpreter [one argument]" in the first 256 bytes runs the
    // interpreter with the script's path in place of argv[0].
    auto text = read_whole_file(fs::normalize_path(t.fs->cwd, path));
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
      return exec_binary(t, interp, args, envp, depth + 1, filename);
    }
  }
  if (!entry) return entry.error();  // past the point of no return the process was killed
  // start_thread(): every register 0 but pc and sp; the instruction counter runs on.
  const std::uint64_t instret = t.regs.instret;
  t.regs = hw::Rv64Regs{};
  t.regs.instret = instret;
  t.regs.pc = *entry;
  t.regs.x[2] = t.mm->start_stack;
  // flush_signal_handlers() on a handler table of the process's own (unshare_sighand()).
  if (t.sighand.use_count() > 1) t.sighand = std::make_shared<SigHand>(*t.sighand);
  flush_signal_handlers(t);
  t.altstack = AltStack{};
  t.clear_child_tid = 0;
  t.robust_list = 0;
  rseq_execve(t);
  // do_close_on_exec(), on a descriptor table of the process's own (unshare_files()).
  if (t.files.use_count() > 1) t.files = t.files->copy();
  for (std::size_t fd = 0; fd < t.files->cloexec.size(); ++fd) {
    if (t.files->cloexec[fd]) (void)close(t, static_cast<int>(fd));  // an empty slot's EBADF is of no interest
  }
  t.files->cloexec.clear();
  if (config_.layout == Layout::riscv64) {
    auto vdso = map_vdso(t);
    t.vdso = vdso ? *vdso : 0;
  }
  code_changed();
  return entry;
}

}  // namespace vmlab::kern
