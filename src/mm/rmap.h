// The reverse map (mm/rmap.c): the map count and reference count of a page as PTEs
// come and go, the node counters that follow them, and the walk from a page to every
// PTE that maps it, object-based as Linux does it.
#pragma once

#include <functional>
#include <vector>

#include "hw/pte.h"
#include "mm/memory_system.h"
#include "mm/vm_flags.h"
#include "vmlab/units.h"

namespace vmlab::mm {

class AddressSpace;
struct Vma;

// folio_add_new_anon_rmap(): a fresh anonymous page mapped at `addr` of `vma`:
// mapcount 1, exclusive, on the inactive anonymous LRU.
void rmap_add_new_anon(MemorySystem& sys, Pfn pfn, Vma& vma, VirtAddr addr);
// folio_try_dup_anon_rmap() at fork: one more PTE maps it; it is no longer exclusive.
// Inline: fork calls it for every anonymous page.
inline void rmap_dup(MemorySystem& sys, Pfn pfn) {
  Frame& f = sys.frame(pfn);
  ++f.mapcount;
  ++f.refcount;
  f.clear(PG_anon_exclusive);
}
// A swap-cache page mapped back at `addr` of `vma` by a swap-in fault; the caller's
// reference becomes the PTE's. A page not yet anonymous (read in from swap) gets its
// rmap (folio_add_new_anon_rmap(): the VMA's anon_vma if exclusive, the root of its
// fork tree if not); one that still is gains a mapping (folio_add_anon_rmap_ptes()).
void rmap_add_anon_swapin(MemorySystem& sys, Pfn pfn, Vma& vma, VirtAddr addr, bool exclusive);
// folio_add_file_rmap_pte(): a page-cache page gains a PTE (and a reference).
void rmap_add_file(MemorySystem& sys, Pfn pfn);
// folio_remove_rmap_pte() and the reference the PTE held.
void rmap_remove(MemorySystem& sys, Pfn pfn);

// rmap_walk(): calls fn(vma, addr, pte) for every PTE that maps `pfn`.
void rmap_walk(MemorySystem& sys, Pfn pfn, const std::function<void(Vma&, VirtAddr, hw::Pte&)>& fn);

// folio_referenced(): how many mappings (VMAs) found the page young, clearing the
// accessed bits as it goes (x86's ptep_clear_flush_young() does not flush the TLB: a
// CPU still caching the entry will not set the bit again until it walks), and the
// flags of those mappings. VMAs with MADV_SEQUENTIAL/RANDOM have no recency and are
// skipped, and so, in a memory cgroup's reclaim, are the mappings of processes
// outside `target` (null: global reclaim). A VM_LOCKED mapping shows in the flags.
struct Referenced {
  int mappings = 0;
  VmFlags vm_flags = 0;
};
Referenced folio_referenced(MemorySystem& sys, Pfn pfn, const MemCgroup* target);

// The TLB flush reclaim's unmapping owes (struct tlbflush_unmap_batch): the address
// spaces whose entries were removed, and whether a writable one was among them (the
// flush must come before such a page is written out: try_to_unmap_flush_dirty()).
struct TlbFlushBatch {
  std::vector<const void*> mms;
  bool writable = false;
};

// try_to_unmap() for reclaim: every PTE mapping the page goes. An anonymous page in
// the swap cache leaves a swap PTE naming its slot (exclusive if the page was), a
// lazily freed page is discarded if nothing redirtied it, a file page's PTE is
// cleared. A dirty PTE dirties the page. The TLB flush is left to the caller
// (TTU_BATCH_FLUSH). Returns whether the page is no longer mapped.
bool try_to_unmap(MemorySystem& sys, Pfn pfn, TlbFlushBatch& flush);

}  // namespace vmlab::mm
