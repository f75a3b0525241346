// madvise(2): mm/madvise.c. Advice that changes VMA flags splits and merges VMAs;
// advice about pages acts on the page tables and the page cache.
#include "fs/inode.h"
#include "mm/filemap.h"
#include "mm/address_space.h"
#include "mm/fault.h"
#include "mm/lru_batch.h"
#include "mm/memory_system.h"
#include "mm/mman.h"
#include "mm/page_table.h"
#include "mm/swap_state.h"
#include "mm/vma_ops.h"
#include "vmlab/mman.h"

namespace vmlab::mm {

namespace {

// madvise_behavior_valid(): the advice values this kernel knows. MADV_MERGEABLE and
// MADV_UNMERGEABLE belong to KSM, which vmlab models as configured out.
bool behavior_valid(int advice) {
  switch (advice) {
    case kMadvNormal: case kMadvRandom: case kMadvSequential: case kMadvWillneed:
    case kMadvDontneed: case kMadvFree: case kMadvRemove: case kMadvDontfork:
    case kMadvDofork: case kMadvHugepage: case kMadvNohugepage: case kMadvDontdump:
    case kMadvDodump: case kMadvWipeonfork: case kMadvKeeponfork: case kMadvCold:
    case kMadvPopulateRead: case kMadvPopulateWrite: case kMadvDontneedLocked:
      return true;
    default:
      return false;
  }
}

// The VMA flags an advice sets (madvise_vma_behavior()), or an error for this VMA.
Result<VmFlags> advised_flags(const Vma& vma, int advice) {
  VmFlags f = vma.flags;
  switch (advice) {
    case kMadvNormal: return f & ~(VM_RAND_READ | VM_SEQ_READ);
    case kMadvRandom: return (f & ~VM_SEQ_READ) | VM_RAND_READ;
    case kMadvSequential: return (f & ~VM_RAND_READ) | VM_SEQ_READ;
    case kMadvDontfork:
      if (f & VM_IO) return Errno::inval;
      return f | VM_DONTCOPY;
    case kMadvDofork:
      if (f & VM_IO) return Errno::inval;
      return f & ~VM_DONTCOPY;
    case kMadvWipeonfork:
      if (vma.file || (f & VM_SHARED)) return Errno::inval;
      return f | VM_WIPEONFORK;
    case kMadvKeeponfork:
      return f & ~VM_WIPEONFORK;
    case kMadvDontdump: return f | VM_DONTDUMP;
    case kMadvDodump:
      if (f & VM_SPECIAL) return Errno::inval;
      return f & ~VM_DONTDUMP;
    case kMadvHugepage: return (f & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;  // hugepage_madvise()
    case kMadvNohugepage: return (f & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
    default: return f;
  }
}

// madvise_free_pte_range(): exclusive anonymous pages become lazily freeable: clean,
// old, off the swap-backed LRU. A later write dirties them and cancels it. A swapped-out
// page is freed at once (its slot goes and the address reads zeros).
void madvise_free(AddressSpace& mm, VirtAddr start, VirtAddr end) {
  MemorySystem& sys = mm.sys();
  lru_add_drain(sys);  // madvise_free_single_vma(): new pages onto the LRU first
  bool changed = false;
  for_each_pte(mm, start, end, [&](VirtAddr, hw::Pte& pte) {
    if (hw::is_swap_pte(pte)) {
      const hw::SwapEntry e = hw::pte_swap_entry(pte);
      pte = 0;
      mm.add_rss(RssKind::swapents, -1);
      free_swap_and_cache(sys, e);
      return;
    }
    if (!(pte & hw::kPtePresent) || hw::pte_special(pte)) return;
    const Pfn pfn = hw::pte_pfn(pte);
    Frame& page = sys.frame(pfn);
    if (!page.anon()) return;
    // Only a dirty or swap-cache folio has to be mapped here alone (its dirty bit or
    // its slot would be lost to the others), and a swap-cache one must give its slot
    // up first; a clean page still shared with a forked child becomes lazily freeable
    // too (seen on 6.18). Reclaim must then find every PTE clean before it may drop it.
    if (page.test(PG_swapcache) || page.test(PG_dirty)) {
      if (page.test(PG_locked) || page.mapcount != 1) return;  // folio_trylock(), folio_maybe_mapped_shared()
      if (page.test(PG_swapcache) && !folio_free_swap(sys, pfn)) return;
      page.clear(PG_dirty);
    }
    pte &= ~(hw::kPteDirty | hw::kPteAccessed);
    changed = true;
    folio_mark_lazyfree(sys, pfn);  // to the inactive file list, no longer swap-backed
  });
  if (changed) sys.mmu().flush_range(&mm, start, end);
}

// madvise_cold_or_pageout_pte_range() for MADV_COLD: pages leave the active lists
// and lose their young bit, so reclaim takes them first.
void madvise_cold(AddressSpace& mm, VirtAddr start, VirtAddr end) {
  MemorySystem& sys = mm.sys();
  lru_add_drain(sys);
  bool changed = false;
  for_each_pte(mm, start, end, [&](VirtAddr, hw::Pte& pte) {
    if (!(pte & hw::kPtePresent) || hw::pte_special(pte)) return;
    const Pfn pfn = hw::pte_pfn(pte);
    Frame& page = sys.frame(pfn);
    if (page.mapcount != 1) return;  // shared pages are left alone
    pte &= ~hw::kPteAccessed;
    changed = true;
    page.clear(PG_referenced);
    if (page.test(PG_active)) page.set(PG_workingset);
    folio_deactivate(sys, pfn);
  });
  if (changed) sys.mmu().flush_range(&mm, start, end);
}

// madvise_willneed(): file pages are read into the page cache ahead of use.
void madvise_willneed(AddressSpace& mm, Vma& vma, VirtAddr start, VirtAddr end) {
  fs::Inode* inode = vma.inode();
  if (inode == nullptr || inode->is_shmem()) return;
  const std::uint64_t last = std::min(vma.page_index(end - 1), inode->size_pages() ? inode->size_pages() - 1 : 0);
  for (std::uint64_t i = vma.page_index(start); i <= last && i < inode->size_pages(); ++i) {
    (void)mm::page_cache_get(mm.sys(), *inode, i);
  }
}

// MADV_REMOVE: punch a hole in the file behind a shared writable mapping.
Result<void> madvise_remove(AddressSpace& mm, Vma& vma, VirtAddr start, VirtAddr end) {
  if (vma.flags & VM_LOCKED) return Errno::inval;
  fs::Inode* inode = vma.inode();
  if (inode == nullptr) return Errno::inval;
  if ((vma.flags & (VM_SHARED | VM_MAYWRITE)) != (VM_SHARED | VM_MAYWRITE)) return Errno::acces;
  const std::uint64_t first = vma.page_index(start);
  const std::uint64_t last = vma.page_index(end - 1);
  // Every mapping of those pages loses them, then the cache and the store do
  // (truncate_pagecache_range(): private copies of them stay).
  for (Vma* other : std::vector<Vma*>(inode->mmaps)) {
    const VirtAddr lo = other->maps_index(first) ? other->address_of(first) : other->start;
    const VirtAddr hi = other->maps_index(last) ? other->address_of(last) + kPageSize : other->end;
    if (other->pgoff > last || other->pgoff + other->pages() <= first) continue;
    zap_range(*other->mm, *other, lo, hi, ZapCows::no);
  }
  mm::page_cache_punch_hole(mm.sys(), *inode, first, last);
  return {};
}

namespace {
void gup_mark_dirty(MemorySystem& sys, Pfn pfn) {
  Frame& page = sys.frame(pfn);
  if (page.test(PG_dirty)) return;
  if (fs::Inode* inode = page.inode()) mm::page_cache_mark_dirty(sys, *inode, pfn);
  else page.set(PG_dirty);
}
}  // namespace

// madvise_populate(): faults the range in for reading or writing, as get_user_pages
// would; permission problems are EINVAL, a SIGBUS is EFAULT.
Result<void> madvise_populate(AddressSpace& mm, Vma& vma, VirtAddr start, VirtAddr end, bool write,
                              FaultTally* tally) {
  if (vma.flags & (VM_PFNMAP | VM_IO)) return Errno::inval;
  if (!(vma.flags & (write ? VM_WRITE : VM_READ))) return Errno::inval;
  for (VirtAddr va = start; va < end; va += kPageSize) {
    hw::Pte* pte = pte_lookup(mm, va);
    if (pte && (*pte & hw::kPtePresent) && (!write || hw::pte_write(*pte))) {
      // follow_page_pte(FOLL_TOUCH | FOLL_WRITE): a page written through GUP without a
      // fault is marked dirty (folio_mark_dirty()), though its PTE stays clean.
      if (write && !hw::pte_dirty(*pte)) gup_mark_dirty(mm.sys(), hw::pte_pfn(*pte));
      continue;
    }
    FaultResult r = handle_mm_fault(mm, vma, va, write);
    if (r.counts_for_task() && tally) (r.major ? tally->major : tally->minor)++;
    if (r.signal.signo == Signal::sigbus) return Errno::fault;
    if (!r.ok()) return Errno::nomem;
  }
  return {};
}

Result<void> advise_range(AddressSpace& mm, Vma* vma, VirtAddr start, VirtAddr end, int advice, FaultTally* tally) {
  switch (advice) {
    case kMadvDontneed:
    case kMadvDontneedLocked:
      // madvise_dontneed_free_valid_vma(): not for PFN mappings, nor for locked ones
      // unless the advice is MADV_DONTNEED_LOCKED.
      if (vma->flags & (VM_PFNMAP | VM_HUGETLB)) return Errno::inval;
      if (advice == kMadvDontneed && (vma->flags & VM_LOCKED)) return Errno::inval;
      zap_range(mm, *vma, start, end);
      return {};
    case kMadvFree:
      if (vma->flags & (VM_LOCKED | VM_PFNMAP | VM_HUGETLB)) return Errno::inval;
      if (!vma->is_anonymous()) return Errno::inval;
      madvise_free(mm, start, end);
      return {};
    case kMadvCold:
      if (vma->flags & (VM_LOCKED | VM_PFNMAP | VM_HUGETLB)) return Errno::inval;
      madvise_cold(mm, start, end);
      return {};
    case kMadvWillneed:
      madvise_willneed(mm, *vma, start, end);
      return {};
    case kMadvRemove:
      return madvise_remove(mm, *vma, start, end);
    case kMadvPopulateRead:
    case kMadvPopulateWrite:
      return madvise_populate(mm, *vma, start, end, advice == kMadvPopulateWrite, tally);
    default: {
      auto flags = advised_flags(*vma, advice);
      if (!flags) return flags.error();
      if (*flags == vma->flags) return {};
      auto r = vma_modify_flags(mm, vma, start, end, *flags);
      if (!r) return r.error();
      return {};
    }
  }
}

}  // namespace

Result<void> do_madvise(AddressSpace& mm, VirtAddr start, std::uint64_t length, int advice, FaultTally* tally) {
  if (!behavior_valid(advice)) return Errno::inval;
  if (!page_aligned(start)) return Errno::inval;
  const std::uint64_t len = page_align_up(length);
  if (length != 0 && len == 0) return Errno::inval;
  const VirtAddr end = start + len;
  if (end < start) return Errno::inval;
  if (end == start) return {};

  // madvise_walk_vmas(): holes are skipped and reported as ENOMEM at the end.
  bool hole = false;
  VirtAddr pos = start;
  while (pos < end) {
    Vma* vma = mm.vmas.find(pos);
    if (vma == nullptr) return Errno::nomem;
    // madvise_populate() stops at the first hole instead of skipping it.
    const bool populate = advice == kMadvPopulateRead || advice == kMadvPopulateWrite;
    if (populate && pos < vma->start) return Errno::nomem;
    if (pos < vma->start) {
      hole = true;
      pos = vma->start;
      if (pos >= end) break;
    }
    const VirtAddr stop = vma->end < end ? vma->end : end;
    auto r = advise_range(mm, vma, pos, stop, advice, tally);
    if (!r) return r.error();
    pos = stop;
  }
  if (hole) return Errno::nomem;
  return {};
}

}  // namespace vmlab::mm
