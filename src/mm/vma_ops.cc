#include "mm/vma_ops.h"

#include <algorithm>

#include "fs/inode.h"
#include "mm/filemap.h"
#include "mm/address_space.h"
#include "mm/anon_vma.h"
#include "mm/lru_batch.h"
#include "mm/memory_system.h"
#include "mm/page_table.h"
#include "mm/rmap.h"
#include "mm/swap_state.h"

namespace vmlab::mm {

namespace {

void link_file(Vma& vma) {
  if (fs::Inode* inode = vma.inode()) {
    inode->mmaps.push_back(&vma);
    if ((vma.flags & (VM_SHARED | VM_MAYWRITE)) == (VM_SHARED | VM_MAYWRITE)) ++inode->writable_shared_mmaps;
  }
}

void unlink_file(Vma& vma) {
  if (fs::Inode* inode = vma.inode()) {
    auto& v = inode->mmaps;
    v.erase(std::remove(v.begin(), v.end(), &vma), v.end());
    if ((vma.flags & (VM_SHARED | VM_MAYWRITE)) == (VM_SHARED | VM_MAYWRITE)) --inode->writable_shared_mmaps;
  }
}

}  // namespace

Vma* vma_link(AddressSpace& mm, std::unique_ptr<Vma> vma) {
  vma->mm = &mm;
  Vma* v = mm.vmas.insert(std::move(vma));
  link_file(*v);
  return v;
}

void vma_unlink(AddressSpace& mm, Vma* vma) {
  unlink_file(*vma);
  AnonVma::unlink_all(*vma);
  mm.vmas.remove(vma);  // the unique_ptr returned here frees it
}

Result<Vma*> vma_split(AddressSpace& mm, Vma* vma, VirtAddr addr, bool check_limit) {
  if (check_limit && mm.vmas.size() >= mm.sys().config().max_map_count) return Errno::nomem;
  auto upper = std::make_unique<Vma>();
  upper->flags = vma->flags;
  upper->file = vma->file;
  upper->anon_name = vma->anon_name;
  upper->writenotify = vma->writenotify;
  upper->start = addr;
  upper->end = vma->end;
  upper->pgoff = vma->pgoff + ((addr - vma->start) >> kPageShift);
  AnonVma::clone_chain(*upper, *vma);
  vma->end = addr;
  return vma_link(mm, std::move(upper));
}

bool vmas_mergeable(const Vma& a, const Vma& b) {
  if (a.end != b.start) return false;
  if (((a.flags ^ b.flags) & ~VM_SOFTDIRTY) != 0) return false;
  if ((a.flags | b.flags) & VM_SPECIAL) return false;
  if (a.file != b.file || a.anon_name != b.anon_name) return false;
  if (b.pgoff != a.pgoff + a.pages()) return false;
  // is_mergeable_anon_vma(): the same anon_vma, or one side has none and the other's
  // chain is a single link (it was never forked).
  if (a.anon_vma == b.anon_vma) return true;
  if (a.anon_vma == nullptr) return b.anon_chain.size() == 1;
  if (b.anon_vma == nullptr) return a.anon_chain.size() == 1;
  return false;
}

namespace {
// `low` absorbs `high` (adjacent, mergeable).
void absorb(AddressSpace& mm, Vma* low, Vma* high) {
  if (low->anon_vma == nullptr && high->anon_vma != nullptr) {
    AnonVma::clone_chain(*low, *high);
  }
  low->end = high->end;
  low->flags |= high->flags & VM_SOFTDIRTY;
  vma_unlink(mm, high);
}
}  // namespace

Vma* vma_try_merge(AddressSpace& mm, Vma* vma) {
  if (Vma* next = mm.vmas.next(*vma); next && vmas_mergeable(*vma, *next)) absorb(mm, vma, next);
  if (Vma* prev = mm.vmas.prev(*vma); prev && vmas_mergeable(*prev, *vma)) {
    absorb(mm, prev, vma);
    return prev;
  }
  return vma;
}

Result<Vma*> vma_modify_flags(AddressSpace& mm, Vma* vma, VirtAddr start, VirtAddr end, VmFlags new_flags) {
  // The piece as it would be after the change, to ask whether a neighbour takes it.
  Vma piece = *vma;
  piece.start = start;
  piece.end = end;
  piece.pgoff = vma->page_index(start);
  piece.flags = new_flags;
  Vma* prev = mm.vmas.prev(*vma);
  Vma* next = mm.vmas.next(*vma);
  const bool prev_takes = start == vma->start && prev && vmas_mergeable(*prev, piece);
  const bool next_takes = end == vma->end && next && vmas_mergeable(piece, *next);
  // vma_merge_existing_range() moves a boundary instead of splitting when a neighbour
  // takes the piece; each split that remains adds a VMA.
  unsigned splits = 0;
  if (start > vma->start && !next_takes) ++splits;
  if (end < vma->end && !prev_takes) ++splits;
  if (splits > 0 && mm.vmas.size() + splits - 1 >= mm.sys().config().max_map_count) return Errno::nomem;

  Vma* target = vma;
  if (start > target->start) target = *vma_split(mm, target, start, false);
  if (end < target->end) (void)vma_split(mm, target, end, false);
  target->flags = new_flags;
  return vma_try_merge(mm, target);
}

void zap_range(AddressSpace& mm, Vma& vma, VirtAddr start, VirtAddr end, ZapCows cows) {
  MemorySystem& sys = mm.sys();
  bool any = false;
  bool gathered = false;  // a mapped page was released
  for_each_pte(mm, start, end, [&](VirtAddr, hw::Pte& pte) {
    const hw::Pte old = pte;
    // should_zap_folio(): without even_cows, anonymous pages stay.
    if (cows == ZapCows::no && hw::pte_present(old) && !hw::pte_special(old) && sys.frame(hw::pte_pfn(old)).anon()) {
      return;
    }
    if (hw::is_swap_pte(old)) {
      // zap_nonpresent_ptes(): a swapped-out anonymous page is a COW too; its slot
      // reference goes, and with the last one the slot and its swap-cache page.
      if (cows == ZapCows::no) return;
      pte = 0;
      mm.add_rss(RssKind::swapents, -1);
      free_swap_and_cache(sys, hw::pte_swap_entry(old));
      return;
    }
    pte = 0;
    any = true;
    if (!hw::pte_present(old) || hw::pte_special(old)) return;
    const Pfn pfn = hw::pte_pfn(old);
    Frame& page = sys.frame(pfn);
    if (page.anon()) {
      mm.add_rss(RssKind::anon, -1);
    } else {
      fs::Inode* inode = page.inode();
      // zap_present_folio_ptes(): a dirty PTE dirties the file page; a young one
      // marks it referenced.
      if (hw::pte_dirty(old)) mm::page_cache_mark_dirty(sys, *inode, pfn);
      if (hw::pte_young(old)) page.set(PG_referenced);
      mm.add_rss(inode->is_shmem() ? RssKind::shmem : RssKind::file, -1);
    }
    rmap_remove(sys, pfn);
    gathered = true;
  });
  (void)vma;
  if (any) sys.mmu().flush_range(&mm, start, end);
  // free_pages_and_swap_cache(): the mmu_gather's pages go after this CPU's LRU
  // batches are applied, so a page whose last holder was a batch is freed now.
  if (gathered) lru_add_drain(sys);
}

Result<void> unmap_range(AddressSpace& mm, VirtAddr start, VirtAddr end) {
  Vma* first = mm.vmas.find_intersecting(start, end);
  if (first == nullptr) return {};
  // do_vmi_align_munmap(): splitting the first and last VMA may fail at the map limit.
  if (first->start < start) {
    if (first->end > end && mm.vmas.size() >= mm.sys().config().max_map_count) return Errno::nomem;
    first = *vma_split(mm, first, start, false);
  }
  Vma* last = mm.vmas.find_containing(end - 1);
  if (last != nullptr && last->end > end) {
    (void)vma_split(mm, last, end, false);
  }

  Vma* prev = mm.vmas.prev(*first);
  mm.update_hiwater_vm();
  // Collect first: unlinking frees the nodes.
  std::vector<Vma*> doomed;
  for (auto it = mm.vmas.at(*first); it != mm.vmas.end() && it->start < end; ++it) doomed.push_back(&*it);
  Vma* next = doomed.empty() ? nullptr : mm.vmas.next(*doomed.back());
  MemorySystem& sys = mm.sys();
  for (Vma* v : doomed) {
    zap_range(mm, *v, v->start, v->end);
    if (v->flags & VM_ACCOUNT) sys.vm_unacct_memory(static_cast<std::int64_t>(v->pages()));
    if (v->flags & VM_LOCKED) mm.locked_vm -= v->pages();
    mm.account_vm(v->flags, -static_cast<std::int64_t>(v->pages()));
  }
  const VirtAddr lo = doomed.front()->start;
  const VirtAddr hi = doomed.back()->end;
  for (Vma* v : doomed) vma_unlink(mm, v);
  free_pgtables(mm, lo, hi, prev ? prev->end : 0, next ? next->start : 0);
  return {};
}

}  // namespace vmlab::mm
