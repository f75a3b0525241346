#include "mm/fault.h"

#include <algorithm>
#include <stdexcept>

#include "fs/inode.h"
#include "mm/filemap.h"
#include "mm/address_space.h"
#include "mm/anon_vma.h"
#include "mm/lru_batch.h"
#include "mm/memory_system.h"
#include "mm/page_io.h"
#include "mm/page_table.h"
#include "mm/rmap.h"
#include "mm/swap_readahead.h"
#include "mm/swap_state.h"
#include "mm/vma.h"

namespace vmlab::mm {

using hw::Pte;
using obs::FaultKind;

Pte vm_page_prot(std::uint64_t f, bool writenotify) {
  if (!(f & VM_ACCESS_FLAGS)) return hw::kPteProtNone | hw::kPteAccessed;
  // x86 protection_map[]: every user entry is created accessed.
  Pte p = hw::kPtePresent | hw::kPteUser | hw::kPteAccessed;
  if ((f & VM_SHARED) && (f & VM_WRITE) && !writenotify) p |= hw::kPteWrite;
  if (!(f & VM_EXEC)) p |= hw::kPteNoExec;
  return p;
}

namespace {

struct Fault {
  AddressSpace& mm;
  MemorySystem& sys;
  Vma& vma;
  VirtAddr addr;  // page aligned
  bool write;
  Pte* pte;
  bool new_table = false;  // the leaf page table did not exist before this fault
  Pte orig_pte = 0;        // the entry as the fault found it (vmf->orig_pte)
  bool raced = false;      // an allocation found the entry changed under it
};

RssKind file_rss_kind(const fs::Inode& inode) { return inode.is_shmem() ? RssKind::shmem : RssKind::file; }

FaultResult oom() {
  FaultResult r;
  r.kind = FaultKind::oom;
  r.counted = true;
  r.signal = {Signal::sigkill, 0, 0};
  return r;
}

FaultResult resolved(FaultKind kind, bool major = false) {
  FaultResult r;
  r.kind = kind;
  r.major = major;
  r.counted = true;
  return r;
}

// The entry for a page this VMA maps writable and dirty (maybe_mkwrite(pte_mkdirty())).
Pte writable_entry(const Vma& vma, Pfn pfn) {
  Pte p = vm_page_prot(vma.flags, false) | hw::kPteDirty;
  if (vma.flags & VM_WRITE) p |= hw::kPteWrite;
  return hw::pfn_pte(pfn, p);
}

// A new anonymous page in the fault's VMA, or kNoPfn.
Pfn new_anon_page(Fault& f, Pfn copy_from) {
  AnonVma::prepare(f.vma);
  Pfn pfn = f.sys.alloc_page();
  if (pfn == kNoPfn) return pfn;
  // The allocation may have reclaimed this very entry's page (pte_same() fails): the
  // new page goes back and the access faults again.
  if (*f.pte != f.orig_pte) {
    f.sys.put_page(pfn);
    f.raced = true;
    return kNoPfn;
  }
  if (copy_from == kNoPfn || copy_from == f.sys.zero_pfn()) {
    f.sys.mem().zero_data(pfn);
    f.sys.clock().charge(f.sys.config().cost_page_zero_ns);
  } else {
    f.sys.mem().copy_data(pfn, copy_from);
    f.sys.clock().charge(f.sys.config().cost_page_copy_ns);
  }
  rmap_add_new_anon(f.sys, pfn, f.vma, f.addr);
  return pfn;
}

// do_anonymous_page()
FaultResult do_anonymous_page(Fault& f) {
  if (!f.write && f.sys.config().zero_page) {
    *f.pte = hw::pfn_pte(f.sys.zero_pfn(), vm_page_prot(f.vma.flags, false) | hw::kPteSpecial);
    return resolved(FaultKind::zero_page);
  }
  Pfn pfn = new_anon_page(f, kNoPfn);
  if (pfn == kNoPfn) return f.raced ? resolved(FaultKind::spurious) : oom();
  // Writable and dirty only in a writable VMA: without the zero page, a read fault in
  // a read-only one maps a clean page (smaps: Private_Clean).
  *f.pte = (f.vma.flags & VM_WRITE) ? writable_entry(f.vma, pfn)
                                     : hw::pfn_pte(pfn, vm_page_prot(f.vma.flags, false));
  f.mm.add_rss(RssKind::anon, 1);
  return resolved(FaultKind::demand_zero);
}

// filemap_map_pages() over the do_fault_around() window: maps the pages already in the
// cache, below EOF, whose PTE is empty. True if the faulting page was among them.
bool do_fault_around(Fault& f, fs::Inode& inode) {
  const std::uint64_t nr_pages = f.sys.config().fault_around_bytes >> kPageShift;
  if (nr_pages <= 1) return false;
  const std::uint64_t pte_off = hw::table_index(f.addr, 3);
  const std::uint64_t vma_off = (f.addr - f.vma.start) >> kPageShift;
  const std::uint64_t from = std::max(pte_off & ~(nr_pages - 1), pte_off - std::min(pte_off, vma_off));
  const std::uint64_t to = std::min({from + nr_pages, std::uint64_t{hw::kPtesPerTable},
                                     pte_off + f.vma.pages() - vma_off}) - 1;
  const std::uint64_t max_idx = inode.size_pages();
  const VirtAddr table_base = f.addr - (pte_off << kPageShift);
  // filemap_map_pages() (6.18) installs a missing page table only when the first
  // cached page of the window is not the file's last (no mapping across i_size);
  // without one it maps nothing (seen on 6.18: a read past EOF of a one-page file in a
  // new page table maps nothing, in an existing one it maps page 0).
  if (f.new_table && !inode.is_shmem()) {
    for (std::uint64_t i = from; i <= to; ++i) {
      const std::uint64_t index = f.vma.page_index(table_base + (i << kPageShift));
      const Pfn pfn = mm::page_cache_find(inode, index);
      if (pfn == kNoPfn || !f.sys.frame(pfn).test(PG_uptodate)) continue;
      if (index + 1 >= max_idx) return false;
      break;
    }
  }
  bool mapped_fault = false;
  for (std::uint64_t i = from; i <= to; ++i) {
    const VirtAddr va = table_base + (i << kPageShift);
    const std::uint64_t index = f.vma.page_index(va);
    if (index >= max_idx) break;
    Pfn pfn = mm::page_cache_find(inode, index);
    // next_uptodate_folio(): a page not uptodate is left for the fault to read.
    if (pfn == kNoPfn || !f.sys.frame(pfn).test(PG_uptodate)) continue;
    Pte* pte = f.pte + (static_cast<std::int64_t>(i) - static_cast<std::int64_t>(pte_off));
    if (!hw::pte_none(*pte)) continue;
    *pte = hw::pfn_pte(pfn, vm_page_prot(f.vma.flags, f.vma.writenotify));
    rmap_add_file(f.sys, pfn);
    f.mm.add_rss(file_rss_kind(inode), 1);
    if (va == f.addr) mapped_fault = true;
  }
  return mapped_fault;
}

// do_sync_mmap_readahead() (6.18): what a miss at `index` reads. Executable mappings
// read from the fault forward to the end of the VMA (exec_folio_order() is 0 on
// x86-64), MADV_RANDOM or not; MADV_RANDOM reads the page alone, MADV_SEQUENTIAL
// ra_pages from the fault on (page_cache_sync_ra()); others read around the fault,
// ra_pages centred on it.
mm::ReadWindow readaround_window(const Fault& f, std::uint64_t index) {
  const std::uint64_t ra_pages = f.sys.config().read_ahead_kb >> (kPageShift - 10);
  if ((f.vma.flags & (VM_RAND_READ | VM_EXEC)) == VM_RAND_READ || ra_pages == 0) return {};
  if (f.vma.flags & VM_SEQ_READ) return {index, ra_pages};
  if (f.vma.flags & VM_EXEC) {
    const std::uint64_t vma_end = f.vma.pgoff + f.vma.pages();
    return {index, std::min(index + ra_pages, vma_end) - index};
  }
  return {index > ra_pages / 2 ? index - ra_pages / 2 : 0, ra_pages};
}

FaultResult sigbus(VirtAddr addr) {
  FaultResult r;
  r.kind = FaultKind::sigbus;
  r.counted = true;
  r.signal = {Signal::sigbus, kBusAdrErr, addr};
  return r;
}

// do_fault(): read, private write (copy) or shared write of a file or shmem page.
FaultResult do_fault(Fault& f, VirtAddr fault_addr) {
  fs::Inode& inode = *f.vma.inode();
  const std::uint64_t index = f.vma.page_index(f.addr);
  // do_read_fault() maps the fault-around window before ->fault() looks at EOF (seen
  // on 6.18: a read past EOF maps the cached pages around it, then gets SIGBUS).
  if (!f.write && do_fault_around(f, inode)) return resolved(FaultKind::file);
  // do_cow_fault() prepares the anon_vma before ->fault() looks at EOF: a private
  // write past EOF leaves the VMA with one, so fork copies its page tables.
  if (f.write && !(f.vma.flags & VM_SHARED)) AnonVma::prepare(f.vma);
  // filemap_fault() / shmem_fault(): nothing to map at or beyond EOF.
  if (index >= inode.size_pages()) return sigbus(fault_addr);

  if (!f.write) {  // do_read_fault()
    mm::CacheRead page = mm::page_cache_get(f.sys, inode, index, readaround_window(f, index));
    if (page.pfn == kNoPfn) {
      mm::page_cache_reads_done(f.sys, page);
      return oom();
    }
    if (page.major) ++f.sys.stat()[obs::VmEvent::pgmajfault];
    if (page.retried) {
      // filemap_fault() drops the mmap lock for the read and returns VM_FAULT_RETRY;
      // the retried do_read_fault() finds the pages read in and maps the whole
      // fault-around window (seen on 6.18: a major fault on an 8-page file maps 8),
      // but for those whose read is still in flight.
      const bool mapped = do_fault_around(f, inode);
      mm::page_cache_reads_done(f.sys, page);
      if (mapped) return resolved(FaultKind::file, page.major);
    }
    *f.pte = hw::pfn_pte(page.pfn, vm_page_prot(f.vma.flags, f.vma.writenotify));
    rmap_add_file(f.sys, page.pfn);
    f.mm.add_rss(file_rss_kind(inode), 1);
    return resolved(FaultKind::file, page.major);
  }

  mm::CacheRead page = mm::page_cache_get(f.sys, inode, index, readaround_window(f, index));
  mm::page_cache_reads_done(f.sys, page);  // a write fault maps its page alone
  if (page.pfn == kNoPfn) return oom();
  if (page.major) ++f.sys.stat()[obs::VmEvent::pgmajfault];
  if (!(f.vma.flags & VM_SHARED)) {  // do_cow_fault()
    // The fault's reference keeps the file page through the allocation, which may
    // reclaim (__do_fault() returns the folio referenced).
    f.sys.get_page(page.pfn);
    Pfn copy = new_anon_page(f, page.pfn);
    f.sys.put_page(page.pfn);
    if (copy == kNoPfn) return f.raced ? resolved(FaultKind::spurious) : oom();
    *f.pte = writable_entry(f.vma, copy);
    f.mm.add_rss(RssKind::anon, 1);
    return resolved(FaultKind::file_cow, page.major);
  }
  // do_shared_fault(): page_mkwrite, then map it writable and dirty.
  mm::page_cache_mark_dirty(f.sys, inode, page.pfn);
  *f.pte = writable_entry(f.vma, page.pfn);
  rmap_add_file(f.sys, page.pfn);
  f.mm.add_rss(file_rss_kind(inode), 1);
  return resolved(FaultKind::shared_write, page.major);
}

// wp_can_reuse_anon_folio(): a page not known exclusive is reused only if nobody else
// holds it. An LRU batch's reference counts too: a page still in this CPU's batch is
// drained first, but one in another CPU's batch is copied (Linux drains only locally).
bool wp_can_reuse_anon_folio(MemorySystem& sys, Pfn pfn) {
  const Frame& page = sys.frame(pfn);
  if (page.refcount > 3 || page.test(PG_locked)) return false;  // folio_trylock() would fail while it is read
  if (!page.test(PG_lru)) lru_add_drain(sys);
  const int swapcache = page.test(PG_swapcache) ? 1 : 0;
  if (page.refcount > 1 + swapcache) return false;
  if (swapcache) (void)folio_free_swap(sys, pfn);  // refused if another PTE names the slot: then not ours alone
  return page.refcount == 1;
}

// do_wp_page(): a write to a present, write-protected entry.
FaultResult do_wp_page(Fault& f) {
  const Pte old = *f.pte;
  const Pfn old_pfn = hw::pte_pfn(old);
  if (f.vma.flags & VM_SHARED) {  // wp_page_shared(): page_mkwrite dirties the page
    mm::page_cache_mark_dirty(f.sys, *f.vma.inode(), old_pfn);
    *f.pte = old | hw::kPteWrite | hw::kPteDirty | hw::kPteAccessed;
    return resolved(FaultKind::shared_write);
  }
  const bool zero = hw::pte_special(old);
  if (!zero) {
    Frame& page = f.sys.frame(old_pfn);
    if (page.anon() && (page.test(PG_anon_exclusive) || wp_can_reuse_anon_folio(f.sys, old_pfn))) {
      page.set(PG_anon_exclusive);
      page.mapping = AnonVma::prepare(f.vma);  // folio_move_anon_rmap()
      *f.pte = old | hw::kPteWrite | hw::kPteDirty | hw::kPteAccessed;
      ++f.sys.stat()[obs::VmEvent::pgreuse];
      return resolved(FaultKind::cow_reuse);
    }
  }
  // wp_page_copy(): a private copy (a zeroed page in place of the zero page). The old
  // page is held through the allocation, which may reclaim and unmap it: then the
  // entry changed, the copy goes and the access faults again (the pte_same() check).
  if (!zero) f.sys.get_page(old_pfn);
  Pfn copy = new_anon_page(f, zero ? kNoPfn : old_pfn);
  if (!zero) f.sys.put_page(old_pfn);
  if (copy == kNoPfn) return f.raced ? resolved(FaultKind::spurious) : oom();
  // ptep_clear_flush(): the old translation must leave every TLB before the new one.
  *f.pte = writable_entry(f.vma, copy);
  f.sys.mmu().flush_page(&f.mm, f.addr);
  f.mm.add_rss(RssKind::anon, 1);
  if (!zero) {
    const Frame& page = f.sys.frame(old_pfn);
    if (!page.anon()) f.mm.add_rss(file_rss_kind(*page.inode()), -1);
    else f.mm.add_rss(RssKind::anon, -1);
    rmap_remove(f.sys, old_pfn);
    return resolved(FaultKind::cow_copy);
  }
  return resolved(FaultKind::demand_zero);
}

// should_try_to_free_swap(): a page mapped back may give its slot up when swap is
// short, when it is locked in memory, or when a write will make it this mapping's
// alone (nobody but the swap cache and this fault holds it).
bool should_try_to_free_swap(Fault& f, Pfn pfn) {
  const Frame& page = f.sys.frame(pfn);
  if (!page.test(PG_swapcache)) return false;
  if (mem_cgroup_swap_full(f.sys, pfn) || (f.vma.flags & VM_LOCKED) || page.test(PG_mlocked)) return true;
  return f.write && page.refcount == 2;
}

// do_swap_page(): a swap PTE. The page is found in the swap cache (a minor fault), or
// read back with its readahead window (a major fault). A fault that finds its page
// locked for a read waits for it and retries (folio_lock_or_retry()), which counts
// as major for the task.
FaultResult do_swap_page(Fault& f) {
  const Pte orig = *f.pte;
  const hw::SwapEntry e = hw::pte_swap_entry(orig);
  if (f.sys.swap().area(e.type) == nullptr) throw std::logic_error("a swap PTE names no swap area");
  complete_io(f.sys);
  FaultKind kind = FaultKind::swap_cache;
  bool major = false;  // VM_FAULT_MAJOR: read from the device by this fault
  Pfn pfn = swap_cache_get(f.sys, e);
  if (pfn != kNoPfn) {
    f.sys.get_page(pfn);
    swap_update_readahead(f.sys, pfn, f.vma, f.addr);
  } else {
    const SwapIn in = swapin_readahead(f.sys, e, f.vma, f.addr);
    if (in.pfn == kNoPfn) return oom();
    pfn = in.pfn;
    kind = FaultKind::swap_in;
    major = true;
    ++f.sys.stat()[obs::VmEvent::pgmajfault];
  }
  Frame& page = f.sys.frame(pfn);
  const bool retried = page.test(PG_locked);
  if (retried) wait_on_page_io(f.sys, pfn);
  // A write must see whether it is the only user: this CPU's batch lets go of it.
  if (f.write && !page.test(PG_lru)) lru_add_drain(f.sys);
  bool exclusive = hw::pte_swp_exclusive(orig);
  swap_free(f.sys, e);  // the PTE no longer names the slot
  if (should_try_to_free_swap(f, pfn)) (void)folio_free_swap(f.sys, pfn);  // refused while others name it
  f.mm.add_rss(RssKind::anon, 1);
  f.mm.add_rss(RssKind::swapents, -1);
  Pte pte = hw::pfn_pte(pfn, vm_page_prot(f.vma.flags, false));
  bool wrote = false;
  // As do_wp_page(): a page certainly not shared is mapped writable at once.
  if (exclusive || page.refcount == 1) {
    if (f.vma.flags & VM_WRITE) {
      pte |= hw::kPteWrite;
      if (f.write) {
        pte |= hw::kPteDirty;
        wrote = true;
      }
    }
    exclusive = true;
  }
  rmap_add_anon_swapin(f.sys, pfn, f.vma, f.addr, exclusive);  // the fault's reference is the PTE's now
  *f.pte = pte;
  if (f.write && !wrote) {
    f.orig_pte = pte;
    const FaultResult wp = do_wp_page(f);
    if (!wp.ok()) return wp;
  }
  return resolved(kind, major || retried);
}

// handle_pte_fault()
FaultResult handle_pte_fault(Fault& f, VirtAddr fault_addr) {
  const Pte entry = *f.pte;
  f.orig_pte = entry;
  if (hw::pte_none(entry)) {
    if (f.vma.file == nullptr) return do_anonymous_page(f);
    return do_fault(f, fault_addr);
  }
  if (hw::is_swap_pte(entry)) return do_swap_page(f);
  if (f.write && !hw::pte_write(entry)) return do_wp_page(f);
  // Only the young and dirty bits were missing (or a stale TLB entry).
  *f.pte = entry | hw::kPteAccessed | (f.write ? hw::kPteDirty : 0);
  return resolved(FaultKind::spurious);
}

FaultResult segv(VirtAddr addr, int code) {
  FaultResult r;
  r.kind = FaultKind::sigsegv;
  r.signal = {Signal::sigsegv, code, addr};
  return r;
}

}  // namespace

bool expand_stack(AddressSpace& mm, Vma& vma, VirtAddr addr) {
  MemorySystem& sys = mm.sys();
  addr = page_align_down(addr);
  if (addr < sys.config().mmap_min_addr) return false;
  if (Vma* prev = mm.vmas.prev(vma)) {
    // The guard gap: keep stack_guard_gap between the stack and the mapping below.
    if (!(prev->flags & VM_GROWSDOWN) && (prev->flags & VM_ACCESS_FLAGS) && addr - prev->end < kStackGuardGap) {
      return false;
    }
    if (addr < prev->end) return false;
  }
  // acct_stack_growth(): RLIMIT_STACK and the commit charge.
  const std::uint64_t grow = (vma.start - addr) >> kPageShift;
  if (vma.end - addr > sys.config().stack_rlimit) return false;
  if ((vma.flags & VM_ACCOUNT) && !sys.vm_enough_memory(static_cast<std::int64_t>(grow), mm.total_vm, mm.cap_sys_admin)) {
    return false;
  }
  mm.account_vm(vma.flags, static_cast<std::int64_t>(grow));
  mm.update_hiwater_vm();
  vma.pgoff -= grow;
  mm.vmas.set_start(&vma, addr);
  return true;
}

FaultResult handle_user_fault(AddressSpace& mm, VirtAddr addr, hw::AccessType type, unsigned error_code) {
  const bool write = type == hw::AccessType::write;
  Vma* vma = mm.vmas.find(addr);
  if (vma == nullptr) return segv(addr, kSegvMapErr);
  if (vma->start > addr) {
    if (!(vma->flags & VM_GROWSDOWN) || !expand_stack(mm, *vma, addr)) return segv(addr, kSegvMapErr);
  }
  // access_error(). riscv64's refuses a fetch from a VMA without VM_EXEC before
  // mapping anything (arch/riscv/mm/fault.c); x86's maps the page first and faults
  // again on the NX bit.
  if (type == hw::AccessType::exec && mm.sys().config().layout == Layout::riscv64 && !(vma->flags & VM_EXEC)) {
    return segv(addr, kSegvAccErr);
  }
  if (write) {
    if (!(vma->flags & VM_WRITE)) return segv(addr, kSegvAccErr);
  } else {
    if (error_code & hw::kFaultProtection) return segv(addr, kSegvAccErr);
    if (!(vma->flags & VM_ACCESS_FLAGS)) return segv(addr, kSegvAccErr);
  }

  return handle_mm_fault(mm, *vma, addr, write);
}

namespace {
// Whether the leaf table holding `pte` (the entry for `addr`) maps nothing: fault-around
// may have filled it before a SIGBUS (filemap_map_pages() installs the table then).
bool pte_table_empty(const Pte* pte, VirtAddr addr) {
  const Pte* table = pte - hw::table_index(addr, 3);
  for (unsigned i = 0; i < hw::kPtesPerTable; ++i) {
    if (!hw::pte_none(table[i])) return false;
  }
  return true;
}
}  // namespace

FaultResult handle_mm_fault(AddressSpace& mm, Vma& vma, VirtAddr addr, bool write) {
  MemorySystem& sys = mm.sys();
  const bool had_pte_table = pte_lookup(mm, addr) != nullptr;
  Pte* pte = pte_alloc(mm, addr);
  FaultResult r;
  if (pte == nullptr) {
    r = oom();
  } else {
    Fault f{mm, sys, vma, page_align_down(addr), write, pte, !had_pte_table};
    r = handle_pte_fault(f, addr);
  }
  // As do_fault(): ->fault runs before finish_fault() installs a PTE table, and an
  // unused prealloc_pte is freed, so a SIGBUS past EOF leaves no new PTE table (the
  // PUD and PMD tables __handle_mm_fault() allocated stay).
  if (!had_pte_table && pte != nullptr && r.kind == FaultKind::sigbus && pte_table_empty(pte, addr)) {
    const VirtAddr base = addr & ~(hw::level_span(2) - 1);
    free_pgtables(mm, base, base + hw::level_span(2), base, base + hw::level_span(2));
  }
  ++sys.stat()[obs::VmEvent::pgfault];  // mm_account_fault(): failed faults too
  sys.clock().charge(sys.config().cost_minor_fault_ns);
  return r;
}

}  // namespace vmlab::mm
