// The reverse map (mm/rmap.c): the map count and reference count of a page as PTEs
// come and go, the node counters that follow them, and the walk from a page to every
// PTE that maps it, object-based as Linux does it.
#pragma once

#include <functional>

#include "hw/pte.h"
#include "mm/memory_system.h"
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
// folio_add_file_rmap_pte(): a page-cache page gains a PTE (and a reference).
void rmap_add_file(MemorySystem& sys, Pfn pfn);
// folio_remove_rmap_pte() and the reference the PTE held.
void rmap_remove(MemorySystem& sys, Pfn pfn);

// rmap_walk(): calls fn(vma, addr, pte) for every PTE that maps `pfn`.
void rmap_walk(MemorySystem& sys, Pfn pfn, const std::function<void(Vma&, VirtAddr, hw::Pte&)>& fn);

}  // namespace vmlab::mm
