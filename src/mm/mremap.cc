// mremap(2): mm/mremap.c. Shrinking unmaps the tail; growing extends in place when
// the space after is free, else moves (MREMAP_MAYMOVE) by moving the page-table
// entries, so the pages themselves never move.
#include <algorithm>

#include "mm/address_space.h"
#include "mm/anon_vma.h"
#include "mm/memory_system.h"
#include "mm/mman.h"
#include "mm/page_table.h"
#include "mm/vma_ops.h"
#include "vmlab/mman.h"

namespace vmlab::mm {

namespace {

// vma_to_resize(): the VMA holding [addr, addr + old_len), checked for growing.
Result<Vma*> vma_to_resize(AddressSpace& mm, VirtAddr addr, std::uint64_t old_len, std::uint64_t new_len) {
  Vma* vma = mm.vmas.find_containing(addr);
  if (vma == nullptr) return Errno::fault;
  // old_len 0 duplicates a shared mapping; for private memory it means nothing.
  if (old_len == 0 && !(vma->flags & (VM_SHARED | VM_MAYSHARE))) return Errno::inval;
  if (old_len > vma->end - addr) return Errno::fault;  // across a VMA boundary
  if (new_len == old_len) return vma;
  const std::uint64_t pgoff = vma->page_index(addr);
  if (pgoff + (new_len >> kPageShift) < pgoff) return Errno::inval;
  if (vma->flags & (VM_DONTEXPAND | VM_PFNMAP)) return Errno::fault;
  const std::uint64_t grow = (new_len - std::min(new_len, old_len)) >> kPageShift;
  if ((vma->flags & (VM_WRITE | VM_SHARED | VM_GROWSDOWN)) == VM_WRITE &&
      (mm.data_vm + grow) << kPageShift > mm.sys().config().data_rlimit) {
    return Errno::nomem;
  }
  return vma;
}

// move_page_tables(): moves every entry of [old_addr, old_addr + len) to new_addr,
// an extent at a time: up to the next page-table boundary of either address
// (get_extent()). move_ptes() flushes an extent's old range when it moved a present
// entry.
bool move_page_tables(AddressSpace& mm, VirtAddr old_addr, VirtAddr new_addr, std::uint64_t len) {
  constexpr std::uint64_t kPmdSpan = hw::level_span(2);  // what one PTE table maps
  bool ok = true;
  for (std::uint64_t done = 0; done < len && ok;) {
    const VirtAddr from = old_addr + done, to = new_addr + done;
    const std::uint64_t extent =
        std::min({len - done, kPmdSpan - (from & (kPmdSpan - 1)), kPmdSpan - (to & (kPmdSpan - 1))});
    bool present = false;
    for_each_pte(mm, from, from + extent, [&](VirtAddr va, hw::Pte& pte) {
      hw::Pte* dst = ok ? pte_alloc(mm, to + (va - from)) : nullptr;
      if (dst == nullptr) {
        ok = false;
        return;
      }
      present |= hw::pte_present(pte);  // PROT_NONE entries too, as Linux's pte_present()
      *dst = pte;
      pte = 0;
    });
    if (present) mm.sys().mmu().flush_range(&mm, from, from + extent);
    done += extent;
  }
  return ok;
}

// move_vma(): a new VMA at new_addr takes the old range's pages, then the old range
// is unmapped (or, with MREMAP_DONTUNMAP, left mapped and empty).
Result<VirtAddr> move_vma(AddressSpace& mm, Vma* vma, VirtAddr old_addr, std::uint64_t old_len,
                          std::uint64_t new_len, VirtAddr new_addr, int flags) {
  MemorySystem& sys = mm.sys();
  if (mm.vmas.size() + 3 >= sys.config().max_map_count) return Errno::nomem;
  const std::int64_t new_pages = static_cast<std::int64_t>(new_len >> kPageShift);
  // vrm_charge(): only the growth is checked and charged, unless MREMAP_DONTUNMAP keeps
  // the old range charged too. The moved part's charge goes with it: it is added back
  // here and released by the unmap of the old range (unmap_source_vma() hides
  // VM_ACCOUNT from that unmap instead), so the new VMA carries new_pages in all.
  const std::int64_t old_pages = static_cast<std::int64_t>(old_len >> kPageShift);
  const std::int64_t charge = (flags & kMremapDontunmap) ? new_pages : new_pages - old_pages;
  if ((vma->flags & VM_ACCOUNT) && !sys.vm_enough_memory(charge, mm.total_vm, mm.cap_sys_admin)) {
    return Errno::nomem;
  }
  if ((vma->flags & VM_ACCOUNT) && charge != new_pages) sys.vm_unacct_memory(charge - new_pages);
  // copy_vma()
  auto copy = std::make_unique<Vma>();
  copy->start = new_addr;
  copy->end = new_addr + new_len;
  copy->flags = vma->flags;
  copy->pgoff = vma->page_index(old_addr);
  // An anonymous VMA never faulted in takes the pgoff of its new place, so that it can
  // merge with new neighbours there (copy_vma()).
  if (vma->is_anonymous() && vma->anon_vma == nullptr) copy->pgoff = new_addr >> kPageShift;
  copy->file = vma->file;
  copy->anon_name = vma->anon_name;
  copy->writenotify = vma->writenotify;
  AnonVma::clone_chain(*copy, *vma);
  const VmFlags flags_copy = vma->flags;
  Vma* moved = vma_link(mm, std::move(copy));
  if (!move_page_tables(mm, old_addr, new_addr, std::min(old_len, new_len))) {
    // Out of memory for page tables: put the entries back and give up.
    move_page_tables(mm, new_addr, old_addr, std::min(old_len, new_len));
    vma_unlink(mm, moved);
    if (flags_copy & VM_ACCOUNT) sys.vm_unacct_memory(new_pages);
    return Errno::nomem;
  }
  const std::uint64_t hiwater_vm = mm.hiwater_vm;
  mm.account_vm(flags_copy, new_pages);
  if (flags_copy & VM_LOCKED) mm.locked_vm += new_len >> kPageShift;
  if (flags & kMremapDontunmap) {
    // The old range stays mapped, empty; it keeps its own commit charge.
  } else if (old_len != 0) {
    // old_len 0 duplicates a shared mapping: do_vmi_munmap() refuses the empty range
    // and the original stays whole.
    (void)unmap_range(mm, old_addr, old_addr + old_len);
  }
  mm.hiwater_vm = hiwater_vm;  // the brief double mapping does not count in VmPeak
  if (Vma* v = mm.vmas.find_containing(new_addr)) vma_try_merge(mm, v);
  return new_addr;
}

// mremap_to(): the range moves to new_addr (MREMAP_FIXED) or to a place of its own
// (MREMAP_DONTUNMAP alone).
Result<VirtAddr> mremap_to(AddressSpace& mm, VirtAddr addr, std::uint64_t old_len, std::uint64_t new_len, int flags,
                           VirtAddr new_addr) {
  if (!page_aligned(new_addr)) return Errno::inval;
  if (new_len > mm.task_size || new_addr > mm.task_size - new_len) return Errno::inval;
  if (addr + old_len > new_addr && new_addr + new_len > addr) return Errno::inval;  // overlap
  if (mm.vmas.size() + 2 >= mm.sys().config().max_map_count - 3) return Errno::nomem;
  // check_prep_vma() (6.17+): the old range is checked before anything is unmapped
  // (seen on 6.18: an old range past its VMA is EFAULT and the target stays mapped).
  // A shrinking move only needs the part that moves to be in one VMA: the rest is
  // unmapped whatever it holds (seen on 6.18).
  if (auto v = vma_to_resize(mm, addr, std::min(old_len, new_len), new_len); !v) return v.error();
  if (flags & kMremapFixed) {
    auto r = unmap_range(mm, new_addr, new_addr + new_len);
    if (!r) return r.error();
  }
  if (old_len > new_len) {
    auto r = unmap_range(mm, addr + new_len, addr + old_len);
    if (!r) return r.error();
    old_len = new_len;
  }
  auto v = vma_to_resize(mm, addr, old_len, new_len);
  if (!v) return v.error();
  int map_flags = (flags & kMremapFixed) ? kMapFixed : 0;
  if ((*v)->flags & VM_MAYSHARE) map_flags |= kMapShared;
  auto area = get_unmapped_area(mm, (*v)->file.get(), new_addr, new_len, (*v)->page_index(addr), map_flags);
  if (!area) return area.error();
  if (!(flags & kMremapFixed)) new_addr = *area;
  return move_vma(mm, *v, addr, old_len, new_len, new_addr, flags);
}

// remap_move() (6.17+): a pure move (MREMAP_FIXED, old_len == new_len) may span several
// VMAs. Each part moves on its own, and the gaps between them are kept at the target;
// a gap at the start of the range is EFAULT, one at the end is allowed. Linux keeps
// userfaultfd-armed VMAs and files with their own get_unmapped_area out of such moves
// (vma_multi_allowed()); vmlab has neither (seen on 6.18: ext4 files move along).
Result<VirtAddr> remap_move(AddressSpace& mm, VirtAddr start, std::uint64_t len, int flags, VirtAddr new_addr) {
  const VirtAddr end = start + len;
  VirtAddr target = new_addr, cursor = start, last_end = 0;
  bool seen = false;
  Result<VirtAddr> first = Errno::fault;
  while (cursor < end) {
    Vma* vma = mm.vmas.find(cursor);
    if (vma == nullptr || vma->start >= end) break;
    if (!seen && start < vma->start) return Errno::fault;
    const VirtAddr addr = std::max(vma->start, start);
    const VirtAddr piece_end = std::min(end, vma->end);
    const std::uint64_t offset = seen ? vma->start - last_end : 0;
    last_end = vma->end;
    auto r = mremap_to(mm, addr, piece_end - addr, piece_end - addr, flags, target + offset);
    if (!r) return r.error();
    if (!seen) first = *r;
    seen = true;
    target = *r + (piece_end - addr);
    cursor = piece_end;
  }
  return first;
}

}  // namespace

Result<VirtAddr> do_mremap(AddressSpace& mm, VirtAddr addr, std::uint64_t old_len, std::uint64_t new_len, int flags,
                           VirtAddr new_addr) {
  if (flags & ~(kMremapMaymove | kMremapFixed | kMremapDontunmap)) return Errno::inval;
  if ((flags & kMremapFixed) && !(flags & kMremapMaymove)) return Errno::inval;
  if ((flags & kMremapDontunmap) && (!(flags & kMremapMaymove) || old_len != new_len)) return Errno::inval;
  if (!page_aligned(addr)) return Errno::inval;
  old_len = page_align_up(old_len);
  new_len = page_align_up(new_len);
  if (new_len == 0) return Errno::inval;
  if (new_len > mm.task_size) return Errno::inval;  // check_mremap_params(), also without MREMAP_FIXED
  // check_mremap_params() (6.17+): the target's checks come before the old range is
  // looked up (seen on 6.18: an overlapping MREMAP_FIXED of an unmapped range is EINVAL).
  if ((flags & (kMremapFixed | kMremapDontunmap)) &&
      (new_addr > mm.task_size - new_len || !page_aligned(new_addr) ||
       (addr + old_len > new_addr && new_addr + new_len > addr))) {
    return Errno::inval;
  }
  if ((flags & kMremapFixed) && old_len == new_len) return remap_move(mm, addr, old_len, flags, new_addr);
  Vma* vma = mm.vmas.find_containing(addr);
  if (vma == nullptr) return Errno::fault;
  if (flags & (kMremapFixed | kMremapDontunmap)) return mremap_to(mm, addr, old_len, new_len, flags, new_addr);

  // Shrinking always works: the tail is unmapped.
  if (old_len >= new_len) {
    if (old_len == new_len) return addr;
    auto r = unmap_range(mm, addr + new_len, addr + old_len);
    if (!r) return r.error();
    return addr;
  }
  auto v = vma_to_resize(mm, addr, old_len, new_len);
  if (!v) return v.error();
  vma = *v;
  // Grow in place when the range ends the VMA and the space after it is free.
  if (old_len == vma->end - addr) {
    const std::uint64_t delta = new_len - old_len;
    const VirtAddr new_end = vma->end + delta;
    const bool fits = new_end > vma->end && new_end <= mm.task_size &&
                      mm.vmas.find_intersecting(vma->end, new_end) == nullptr;
    if (fits) {
      const std::int64_t pages = static_cast<std::int64_t>(delta >> kPageShift);
      MemorySystem& sys = mm.sys();
      if ((vma->flags & VM_ACCOUNT) && !sys.vm_enough_memory(pages, mm.total_vm, mm.cap_sys_admin)) {
        return Errno::nomem;
      }
      vma->end = new_end;
      mm.account_vm(vma->flags, pages);
      if (vma->flags & VM_LOCKED) mm.locked_vm += static_cast<std::uint64_t>(pages);
      vma_try_merge(mm, vma);
      return addr;
    }
  }
  if (!(flags & kMremapMaymove)) return Errno::nomem;
  const int map_flags = (vma->flags & VM_MAYSHARE) ? kMapShared : 0;
  auto area = get_unmapped_area(mm, vma->file.get(), 0, new_len, vma->page_index(addr), map_flags);
  if (!area) return area.error();
  return move_vma(mm, vma, addr, old_len, new_len, *area, flags);
}

}  // namespace vmlab::mm
