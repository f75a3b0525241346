#include "fs/proc/procfs.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "fs/inode.h"
#include "fs/proc/stat_format.h"
#include "fs/proc/vmstat_format.h"
#include "kernel/kernel.h"
#include "mm/address_space.h"
#include "mm/memory_system.h"
#include "mm/page_table.h"
#include "mm/swap_state.h"
#include "mm/vma.h"

namespace vmlab::proc {

using obs::NodeStat;
using obs::VmEvent;

MapsEntry maps_entry(const mm::AddressSpace& mm, const mm::Vma& v) {
  MapsEntry e;
  e.start = v.start;
  e.end = v.end;
  e.read = v.flags & mm::VM_READ;
  e.write = v.flags & mm::VM_WRITE;
  e.exec = v.flags & mm::VM_EXEC;
  e.shared = v.flags & mm::VM_MAYSHARE;
  if (v.file) {
    const fs::Inode& inode = *v.file->inode;
    e.offset = v.pgoff << kPageShift;
    e.dev_major = inode.dev_major();
    e.dev_minor = inode.dev_minor();
    e.inode = inode.ino;
    e.name = v.file->path;
    if (v.file->deleted_name || inode.nlink == 0) e.name += " (deleted)";
  } else if (v.start < mm.brk && v.end > mm.start_brk) {  // vma_is_initial_heap()
    e.name = "[heap]";
  } else if (v.start <= mm.start_stack && v.end >= mm.start_stack) {  // vma_is_initial_stack()
    e.name = "[stack]";
  } else if (!v.anon_name.empty()) {
    e.name = "[anon:" + v.anon_name + "]";
  }
  return e;
}

namespace {
// smaps_page_accumulate()
void accumulate(SmapsCounts& c, const mm::Frame& page, std::uint64_t size, std::uint64_t pss, bool dirty,
                bool locked, bool is_private) {
  c.pss_shifted += pss;
  if (page.anon()) c.pss_anon_shifted += pss;
  else if (page.test(mm::PG_swapbacked)) c.pss_shmem_shifted += pss;
  else c.pss_file_shifted += pss;
  if (locked) c.pss_locked_shifted += pss;
  if (dirty || page.test(mm::PG_dirty)) {
    c.pss_dirty_shifted += pss;
    (is_private ? c.private_dirty : c.shared_dirty) += size;
  } else {
    (is_private ? c.private_clean : c.shared_clean) += size;
  }
}
}  // namespace

SmapsCounts smaps_counts(mm::MemorySystem& sys, mm::AddressSpace& mm, const mm::Vma& v) {
  SmapsCounts c;
  c.size = v.end - v.start;
  const bool locked = v.flags & mm::VM_LOCKED;
  mm::for_each_pte(mm, v.start, v.end, [&](VirtAddr, hw::Pte& pte) {
    if (hw::is_swap_pte(pte)) {
      // smaps_pte_entry(): a swapped-out page counts as Swap, and its SwapPss is
      // divided among the entries that share the slot (swp_swapcount()).
      c.swap += kPageSize;
      const unsigned sharers = mm::swap_count(sys, hw::pte_swap_entry(pte));
      c.swap_pss_shifted += sharers >= 2 ? (kPageSize << kPssShift) / sharers : kPageSize << kPssShift;
      return;
    }
    // vm_normal_page(): the zero page and PROT_NONE-less holes are not counted.
    if (!hw::pte_present(pte) || hw::pte_special(pte)) return;
    const mm::Frame& page = sys.frame(hw::pte_pfn(pte));
    const bool dirty = hw::pte_dirty(pte);
    constexpr std::uint64_t size = kPageSize;
    if (page.anon()) {
      c.anonymous += size;
      if (!page.test(mm::PG_swapbacked) && !dirty && !page.test(mm::PG_dirty)) c.lazyfree += size;
    }
    c.rss += size;
    if (hw::pte_young(pte) || page.test(mm::PG_referenced)) c.referenced += size;
    // smaps_account(): a page referenced once is private and whole; otherwise its
    // PSS is divided among the PTEs that map it.
    if (page.refcount == 1) {
      accumulate(c, page, size, size << kPssShift, dirty, locked, true);
      return;
    }
    std::uint64_t pss = size << kPssShift;
    if (page.mapcount >= 2) pss /= static_cast<std::uint64_t>(page.mapcount);
    accumulate(c, page, size, pss, dirty, locked, page.mapcount < 2);
  });
  c.vm_flags = format_vm_flags(v.flags);
  return c;
}

std::string maps_text(const mm::AddressSpace& mm) {
  std::string out;
  for (const mm::Vma& v : mm.vmas) out += format_maps_line(maps_entry(mm, v));
  return out;
}

std::string smaps_text(mm::MemorySystem& sys, mm::AddressSpace& mm) {
  std::string out;
  for (const mm::Vma& v : mm.vmas) out += format_smaps_entry(maps_entry(mm, v), smaps_counts(sys, mm, v));
  return out;
}

std::string smaps_rollup_text(mm::MemorySystem& sys, mm::AddressSpace& mm) {
  SmapsCounts total;
  for (const mm::Vma& v : mm.vmas) {
    SmapsCounts c = smaps_counts(sys, mm, v);
    total.rss += c.rss;
    total.pss_shifted += c.pss_shifted;
    total.pss_dirty_shifted += c.pss_dirty_shifted;
    total.pss_anon_shifted += c.pss_anon_shifted;
    total.pss_file_shifted += c.pss_file_shifted;
    total.pss_shmem_shifted += c.pss_shmem_shifted;
    total.shared_clean += c.shared_clean;
    total.shared_dirty += c.shared_dirty;
    total.private_clean += c.private_clean;
    total.private_dirty += c.private_dirty;
    total.referenced += c.referenced;
    total.anonymous += c.anonymous;
    total.lazyfree += c.lazyfree;
    total.swap += c.swap;
    total.swap_pss_shifted += c.swap_pss_shifted;
    total.pss_locked_shifted += c.pss_locked_shifted;
  }
  const std::uint64_t first = mm.vmas.empty() ? 0 : mm.vmas.begin()->start;
  const std::uint64_t last = mm.vmas.empty() ? 0 : std::prev(mm.vmas.end())->end;
  return format_smaps_rollup(first, last, total);
}

Meminfo meminfo(const mm::MemorySystem& sys) {
  const auto kb = [](std::uint64_t pages) { return pages_to_kb(pages); };
  const obs::VmStat& st = sys.stat();
  Meminfo m;
  m.mem_total = kb(sys.total_pages());
  m.mem_free = kb(sys.buddy().free_pages());
  m.mem_available = kb(sys.available_pages());
  // Cached: the page cache without the swap cache, which has its own line.
  m.swap_cached = kb(static_cast<std::uint64_t>(st[NodeStat::nr_swapcached]));
  m.cached = kb(static_cast<std::uint64_t>(st[NodeStat::nr_file_pages] - st[NodeStat::nr_swapcached]));
  m.active_anon = kb(sys.lru_size(mm::LruList::active_anon));
  m.inactive_anon = kb(sys.lru_size(mm::LruList::inactive_anon));
  m.active_file = kb(sys.lru_size(mm::LruList::active_file));
  m.inactive_file = kb(sys.lru_size(mm::LruList::inactive_file));
  m.active = m.active_anon + m.active_file;
  m.inactive = m.inactive_anon + m.inactive_file;
  m.unevictable = kb(sys.lru_size(mm::LruList::unevictable));
  m.mlocked = kb(static_cast<std::uint64_t>(st[NodeStat::nr_mlock]));
  m.swap_total = kb(sys.swap().total_pages());
  m.swap_free = kb(sys.swap().free_pages());
  m.dirty = kb(static_cast<std::uint64_t>(st[NodeStat::nr_file_dirty]));
  m.writeback = kb(static_cast<std::uint64_t>(st[NodeStat::nr_writeback]));
  m.anon_pages = kb(static_cast<std::uint64_t>(st[NodeStat::nr_anon_mapped]));
  m.mapped = kb(static_cast<std::uint64_t>(st[NodeStat::nr_file_mapped]));
  m.shmem = kb(static_cast<std::uint64_t>(st[NodeStat::nr_shmem]));
  m.page_tables = kb(static_cast<std::uint64_t>(st[NodeStat::nr_page_table]));
  m.commit_limit = kb(sys.commit_limit_pages());
  m.committed_as = kb(static_cast<std::uint64_t>(std::max<std::int64_t>(sys.committed_pages(), 0)));
  if (sys.config().layout == Layout::riscv64) {
    // Sv39: VMALLOC_SIZE is half of KERN_VIRT_SIZE, a quarter of the PGD's reach;
    // riscv has no arch_report_meminfo().
    m.vmalloc_total = 64 * GiB / 1024;
    m.show_direct_map = false;
    return m;
  }
  // vmlab has no kernel direct map: these are the page sizes init_mem_mapping() would
  // pick for hole-free RAM from physical 0, mapping the ISA megabyte and then
  // [1 MiB, RAM) as one range (split_mem_range()): 4 KiB pages up to 2 MiB, 2 MiB
  // pages up to the first 1 GiB boundary, 1 GiB pages (with gbpages) for whole
  // gigabytes, then 2 MiB and 4 KiB pages for the tail. The top-down chunks Linux
  // maps in and the boot-time splits of the kernel's own mapping are not modelled.
  const std::uint64_t ram = sys.config().ram_bytes;
  const std::uint64_t head_4k = std::min<std::uint64_t>(ram, 2 * MiB);
  const std::uint64_t below_1g = std::min<std::uint64_t>(ram, GiB) - head_4k;
  const std::uint64_t above = ram - head_4k - below_1g;
  const std::uint64_t giant = sys.config().gbpages ? above / GiB * GiB : 0;
  const std::uint64_t big = below_1g / (2 * MiB) * (2 * MiB) + (above - giant) / (2 * MiB) * (2 * MiB);
  m.direct_map_1g = giant / 1024;
  m.direct_map_2m = big / 1024;
  m.direct_map_4k = (ram - giant - big) / 1024;
  m.show_direct_map_1g = sys.config().gbpages;
  return m;
}

std::string meminfo_text(const mm::MemorySystem& sys) { return format_meminfo(meminfo(sys)); }

std::string vmstat_text(const mm::MemorySystem& sys) {
  auto names = vmstat_counter_names();
  std::vector<std::uint64_t> values(names.size(), 0);
  auto set = [&](std::string_view name, std::uint64_t v) {
    if (auto i = vmstat_index(name)) values[*i] = v;
  };
  const obs::VmStat& st = sys.stat();
  const std::uint64_t free = sys.buddy().free_pages();
  set("nr_free_pages", free);
  for (std::string_view prefix : {"nr_zone_", "nr_"}) {
    const std::string p(prefix);
    set(p + "inactive_anon", sys.lru_size(mm::LruList::inactive_anon));
    set(p + "active_anon", sys.lru_size(mm::LruList::active_anon));
    set(p + "inactive_file", sys.lru_size(mm::LruList::inactive_file));
    set(p + "active_file", sys.lru_size(mm::LruList::active_file));
    set(p + "unevictable", sys.lru_size(mm::LruList::unevictable));
  }
  set("nr_zone_write_pending", static_cast<std::uint64_t>(st[NodeStat::nr_file_dirty] + st[NodeStat::nr_writeback]));
  set("nr_mlock", static_cast<std::uint64_t>(st[NodeStat::nr_mlock]));
  set("nr_anon_pages", static_cast<std::uint64_t>(st[NodeStat::nr_anon_mapped]));
  set("nr_mapped", static_cast<std::uint64_t>(st[NodeStat::nr_file_mapped]));
  set("nr_file_pages", static_cast<std::uint64_t>(st[NodeStat::nr_file_pages]));
  set("nr_dirty", static_cast<std::uint64_t>(st[NodeStat::nr_file_dirty]));
  set("nr_writeback", static_cast<std::uint64_t>(st[NodeStat::nr_writeback]));
  set("nr_shmem", static_cast<std::uint64_t>(st[NodeStat::nr_shmem]));
  set("nr_page_table_pages", static_cast<std::uint64_t>(st[NodeStat::nr_page_table]));
  set("nr_swapcached", static_cast<std::uint64_t>(st[NodeStat::nr_swapcached]));
  set("nr_dirty_threshold", 0);
  set("nr_free_pages_blocks", 0);
  for (unsigned e = 0; e < static_cast<unsigned>(VmEvent::count); ++e) {
    set(obs::vm_event_name(static_cast<VmEvent>(e)), st.events[e]);
  }
  return format_vmstat(std::span<const std::uint64_t>(values));
}

namespace {

// FDSize: the descriptor table's size, NR_OPEN_DEFAULT (64) until a descriptor beyond
// it is allocated; then alloc_fdtable() sizes it for the highest one, in units of
// 1 KiB of pointers (128 slots) rounded up to a power of two. It never shrinks.
unsigned fd_table_size(const kern::Task& t) {
  const std::size_t slots = t.files ? t.files->fds.size() : 0;
  if (slots <= 64) return 64;
  std::uint64_t units = (slots - 1) / 128 + 1;
  std::uint64_t pow2 = 1;
  while (pow2 < units) pow2 <<= 1;
  return static_cast<unsigned>(pow2 * 128);
}

// get_task_state(): a task that has exited (a zombie), a vfork parent
// (TASK_UNINTERRUPTIBLE in wait_for_vfork_done()), a task asleep in a system call, or
// running.
char task_state(const kern::Task& t) {
  if (t.exited) return 'Z';
  if (t.vfork_child != 0) return 'D';
  return t.blocked_now() ? 'S' : 'R';
}

// task_sig()'s sets: the thread's own pending and the process's, the mask, and the
// dispositions (ignored, caught).
struct SigSets {
  std::uint64_t pnd = 0, shd = 0, blk = 0, ign = 0, cgt = 0;
};
SigSets sig_sets(const kern::Task& t) {
  SigSets s;
  s.pnd = t.pending.set;
  s.shd = t.tg->shared_pending.set;
  s.blk = t.blocked;
  if (!t.sighand) return s;
  for (int sig = 1; sig <= kern::kNsig; ++sig) {
    const std::uint64_t handler = t.action(sig).handler;
    if (handler == kern::kSigIgn) s.ign |= kern::sig_bit(sig);
    else if (handler != kern::kSigDfl) s.cgt |= kern::sig_bit(sig);
  }
  return s;
}

}  // namespace

StatusInfo status_info(const TaskView& v, const mm::MemorySystem& sys) {
  const kern::Task& t = v.task;
  const kern::ThreadGroup& g = *t.tg;
  StatusInfo s;
  s.name = t.comm;
  s.state = task_state(t);
  // task_state(): a task that has exited has given back its fs_struct and files_struct.
  s.umask = t.fs ? t.fs->umask : 0;
  s.has_umask = t.fs != nullptr;
  s.fd_size = t.files ? fd_table_size(t) : 0;
  s.tgid = g.tgid;
  s.pid = t.tid;
  s.ppid = g.ppid;
  s.pgid = g.pgid;
  s.sid = g.sid;
  s.kthread = t.kthread;
  s.uid = {g.uid, g.uid, g.uid, g.uid};
  s.gid = {g.gid, g.gid, g.gid, g.gid};
  // cap_full(): CAP_LAST_CAP 40; a user other than root has no permitted set.
  s.cap_bnd = 0x000001ffffffffffULL;
  s.cap_prm = s.cap_eff = g.privileged() ? s.cap_bnd : 0;
  s.threads = v.threads;
  s.sigq_queued = v.sigq_queued;
  s.sigq_limit = v.sigq_limit;
  const SigSets sigs = sig_sets(t);
  s.sig_pnd = sigs.pnd;
  s.shd_pnd = sigs.shd;
  s.sig_blk = sigs.blk;
  s.sig_ign = sigs.ign;
  s.sig_cgt = sigs.cgt;
  s.voluntary_ctxt_switches = t.usage.nvcsw;
  s.nonvoluntary_ctxt_switches = t.usage.nivcsw;
  if (sys.config().layout == Layout::riscv64) {
    // arch_prctl_spec_ctrl_get() is -EINVAL where the architecture has none.
    s.speculation_store_bypass = s.speculation_indirect_branch = "unknown";
  }
  s.nr_cpu_ids = sys.config().cpus;
  s.cpus_allowed = {(sys.config().cpus >= 64 ? ~0ULL : (1ULL << sys.config().cpus) - 1) & t.cpus_allowed};
  s.has_mm = t.mm != nullptr;
  if (t.mm) {
    const mm::AddressSpace& mm = *t.mm;
    const auto kb = [](std::uint64_t pages) { return pages_to_kb(pages); };
    s.vm_peak = kb(mm.peak_vm());
    s.vm_size = kb(mm.total_vm);
    s.vm_lck = kb(mm.locked_vm);
    s.vm_pin = kb(mm.pinned_vm);
    s.vm_hwm = kb(mm.peak_rss());
    s.vm_rss = kb(mm.rss_pages());
    s.rss_anon = kb(static_cast<std::uint64_t>(mm.rss(mm::RssKind::anon)));
    s.rss_file = kb(static_cast<std::uint64_t>(mm.rss(mm::RssKind::file)));
    s.rss_shmem = kb(static_cast<std::uint64_t>(mm.rss(mm::RssKind::shmem)));
    s.vm_data = kb(mm.data_vm);
    s.vm_stk = kb(mm.stack_vm);
    // task_mem(): text is the code range, capped by the executable mappings.
    std::uint64_t text = page_align_up(mm.end_code) - (mm.start_code & kPageMask);
    text = std::min(text, mm.exec_vm << kPageShift);
    s.vm_exe = text >> 10;
    s.vm_lib = ((mm.exec_vm << kPageShift) - text) >> 10;
    s.vm_pte = mm.pgtables_bytes >> 10;
    s.vm_swap = kb(static_cast<std::uint64_t>(mm.rss(mm::RssKind::swapents)));
  }
  return s;
}

std::string status_text(const TaskView& v, const mm::MemorySystem& sys) { return format_status(status_info(v, sys)); }

std::string stat_text(const TaskView& v, const mm::MemorySystem& sys) {
  const kern::Task& t = v.task;
  const kern::ThreadGroup& g = *t.tg;
  StatInfo s;
  s.pid = t.tid;
  s.comm = t.comm;
  s.state = task_state(t);
  s.num_threads = v.threads;
  // !task_is_running(): asleep, or a zombie; for a process of several threads only
  // the thread's own file shows it.
  s.wchan = s.state == 'R' || (v.whole && v.threads > 1) ? 0 : 1;
  s.processor = t.cpu;
  s.starttime = static_cast<std::uint64_t>(kern::nsec_to_clock_t(t.start_time_ns));
  s.utime = static_cast<std::uint64_t>(kern::nsec_to_clock_t(v.utime_ns));
  s.stime = static_cast<std::uint64_t>(kern::nsec_to_clock_t(v.stime_ns));
  s.cutime = kern::nsec_to_clock_t(g.children_usage.utime_ns);
  s.cstime = kern::nsec_to_clock_t(g.children_usage.stime_ns);
  const SigSets sigs = sig_sets(t);
  s.signal = sigs.pnd;
  s.blocked = sigs.blk;
  s.sigignore = sigs.ign;
  s.sigcatch = sigs.cgt;
  s.exit_signal = t.exit_signal;
  s.ppid = g.ppid;
  s.pgrp = g.pgid;
  s.session = g.sid;
  s.flags = sys.config().aslr ? 0x400000 : 0;  // PF_RANDOMIZE
  if (t.kthread) s.flags |= 0x00200000;        // PF_KTHREAD
  s.minflt = v.min_flt;
  s.majflt = v.maj_flt;
  s.cminflt = g.children_usage.min_flt;
  s.cmajflt = g.children_usage.maj_flt;
  if (t.mm) {
    const mm::AddressSpace& mm = *t.mm;
    s.vsize = mm.total_vm << kPageShift;
    s.rss = mm.rss_pages();
    s.rsslim = ~0ULL;
    s.start_code = mm.start_code;
    s.end_code = mm.end_code;
    s.start_stack = mm.start_stack;
    s.start_data = mm.start_data;
    s.end_data = mm.end_data;
    s.start_brk = mm.start_brk;
    s.arg_start = mm.arg_start;
    s.arg_end = mm.arg_end;
    s.env_start = mm.env_start;
    s.env_end = mm.env_end;
  }
  // task->exit_code; for the whole process, the group exit's status once there is one.
  s.exit_code = t.exited ? t.exit_code : 0;
  if (v.whole && g.group_exit) s.exit_code = g.group_exit_code;
  return format_stat(s);
}

std::string statm_text(const kern::Task& t) {
  StatmInfo s;
  if (t.mm) {
    const mm::AddressSpace& mm = *t.mm;
    s.size = mm.total_vm;
    s.shared = static_cast<std::uint64_t>(mm.rss(mm::RssKind::file) + mm.rss(mm::RssKind::shmem));
    s.resident = s.shared + static_cast<std::uint64_t>(mm.rss(mm::RssKind::anon));
    s.text = (page_align_up(mm.end_code) - (mm.start_code & kPageMask)) >> kPageShift;
    s.data = mm.data_vm + mm.stack_vm;
  }
  return format_statm(s);
}

}  // namespace vmlab::proc
