#include "mm/rmap.h"

#include <algorithm>

#include "fs/inode.h"
#include "mm/address_space.h"
#include "mm/filemap.h"
#include "mm/anon_vma.h"
#include "mm/lru_batch.h"
#include "mm/memory_system.h"
#include "mm/page_table.h"
#include "mm/swap_state.h"

namespace vmlab::mm {

using obs::NodeStat;

void rmap_add_new_anon(MemorySystem& sys, Pfn pfn, Vma& vma, VirtAddr addr) {
  Frame& f = sys.frame(pfn);
  f.mapping = vma.anon_vma;
  f.index = vma.page_index(addr);
  f.flags |= PG_anon | PG_swapbacked | PG_anon_exclusive | PG_uptodate;
  f.mapcount = 1;
  ++sys.stat()[NodeStat::nr_anon_mapped];
  folio_add_lru(sys, pfn);
}

void rmap_add_anon_swapin(MemorySystem& sys, Pfn pfn, Vma& vma, VirtAddr addr, bool exclusive) {
  Frame& f = sys.frame(pfn);
  if (!f.anon()) {
    AnonVma* av = AnonVma::prepare(vma);
    f.mapping = exclusive ? av : av->root();
    f.index = vma.page_index(addr);
    f.set(PG_anon);
  }
  if (f.mapcount++ == 0) ++sys.stat()[NodeStat::nr_anon_mapped];
  if (exclusive) f.set(PG_anon_exclusive);
}

void rmap_add_file(MemorySystem& sys, Pfn pfn) {
  Frame& f = sys.frame(pfn);
  if (f.mapcount++ == 0) ++sys.stat()[NodeStat::nr_file_mapped];
  ++f.refcount;
}

void rmap_remove(MemorySystem& sys, Pfn pfn) {
  Frame& f = sys.frame(pfn);
  if (--f.mapcount == 0) {
    if (f.anon()) {
      --sys.stat()[NodeStat::nr_anon_mapped];
      f.clear(PG_anon_exclusive);
    } else {
      --sys.stat()[NodeStat::nr_file_mapped];
    }
  }
  sys.put_page(pfn);
}

namespace {
void visit(Vma& vma, std::uint64_t index, Pfn pfn, const std::function<void(Vma&, VirtAddr, hw::Pte&)>& fn) {
  if (!vma.maps_index(index)) return;
  const VirtAddr addr = vma.address_of(index);
  hw::Pte* pte = pte_lookup(*vma.mm, addr);
  if (pte != nullptr && hw::pte_present(*pte) && !hw::pte_special(*pte) && hw::pte_pfn(*pte) == pfn) {
    fn(vma, addr, *pte);
  }
}
}  // namespace

void rmap_walk(MemorySystem& sys, Pfn pfn, const std::function<void(Vma&, VirtAddr, hw::Pte&)>& fn) {
  const Frame& f = sys.frame(pfn);
  if (f.mapcount == 0) return;
  const std::uint64_t index = f.index;
  if (AnonVma* av = f.anon_vma()) {
    // rmap_walk_anon(): every VMA that may map pages of this anon_vma.
    const auto vmas = av->vmas();  // fn may not change the list, but copy for safety
    for (Vma* vma : vmas) visit(*vma, index, pfn, fn);
  } else if (fs::Inode* inode = f.inode()) {
    // rmap_walk_file(): every VMA of the file's i_mmap covering the index.
    const auto vmas = inode->mmaps;
    for (Vma* vma : vmas) visit(*vma, index, pfn, fn);
  }
}

namespace {
// vma_has_recency(): MADV_SEQUENTIAL and MADV_RANDOM mappings say their accesses
// predict nothing.
bool has_recency(const Vma& vma) { return !(vma.flags & (VM_SEQ_READ | VM_RAND_READ)); }

// mm_match_cgroup(): the address space's owner is in `target` or below it.
bool in_cgroup(MemorySystem& sys, const AddressSpace& mm, const MemCgroup& target) {
  for (const MemCgroup* c = &sys.memcg(mm.memcg); c != nullptr; c = c->parent) {
    if (c == &target) return true;
  }
  return false;
}
}  // namespace

Referenced folio_referenced(MemorySystem& sys, Pfn pfn, const MemCgroup* target) {
  Referenced r;
  rmap_walk(sys, pfn, [&](Vma& vma, VirtAddr, hw::Pte& pte) {
    if (!has_recency(vma) || (target != nullptr && !in_cgroup(sys, *vma.mm, *target))) return;
    if (vma.flags & VM_LOCKED) r.vm_flags |= VM_LOCKED;
    if (!hw::pte_young(pte)) return;
    pte &= ~hw::kPteAccessed;  // ptep_test_and_clear_young()
    ++r.mappings;
    r.vm_flags |= vma.flags & ~VM_LOCKED;
  });
  return r;
}

bool try_to_unmap(MemorySystem& sys, Pfn pfn, TlbFlushBatch& flush) {
  Frame& page = sys.frame(pfn);
  bool aborted = false;
  rmap_walk(sys, pfn, [&](Vma& vma, VirtAddr, hw::Pte& pte) {
    if (aborted) return;
    AddressSpace& mm = *vma.mm;
    const hw::Pte old = pte;
    pte = 0;
    if (std::find(flush.mms.begin(), flush.mms.end(), &mm) == flush.mms.end()) flush.mms.push_back(&mm);
    if (hw::pte_write(old)) flush.writable = true;
    if (page.anon()) {
      if (hw::pte_dirty(old)) page.set(PG_dirty);
      if (!page.test(PG_swapbacked)) {
        // A lazily freed page is dropped unless it was written again or someone
        // other than its mappings and reclaim's isolation holds it.
        if (page.refcount != 1 + page.mapcount || page.test(PG_dirty)) {
          pte = old;
          page.set(PG_swapbacked);
          page.clear(PG_lazyfree);
          aborted = true;
          return;
        }
        mm.add_rss(RssKind::anon, -1);
      } else {
        const hw::SwapEntry e = page_swap_entry(sys, pfn);
        swap_duplicate(sys, e);
        pte = hw::swap_pte(e, page.test(PG_anon_exclusive));
        mm.add_rss(RssKind::anon, -1);
        mm.add_rss(RssKind::swapents, 1);
      }
    } else {
      fs::Inode& inode = *page.inode();
      if (hw::pte_dirty(old)) mm::page_cache_mark_dirty(sys, inode, pfn);
      mm.add_rss(inode.is_shmem() ? RssKind::shmem : RssKind::file, -1);
    }
    rmap_remove(sys, pfn);
  });
  return !aborted && page.mapcount == 0;
}

}  // namespace vmlab::mm
