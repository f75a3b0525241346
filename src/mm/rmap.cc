#include "mm/rmap.h"

#include "fs/inode.h"
#include "mm/address_space.h"
#include "mm/anon_vma.h"
#include "mm/lru_batch.h"
#include "mm/memory_system.h"
#include "mm/page_table.h"

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

}  // namespace vmlab::mm
