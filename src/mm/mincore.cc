// mincore(2) (mm/mincore.c): which pages of a range are resident. A present PTE
// counts, and so does a swap entry whose page is still in the swap cache; where
// nothing is mapped, a file mapping reports whether the page is in the file's page
// cache (mincore_page()) and anonymous memory reports 0.
#include "fs/inode.h"
#include "mm/filemap.h"
#include "mm/memory_system.h"
#include "mm/address_space.h"
#include "mm/mman.h"
#include "mm/page_table.h"
#include "mm/swap_state.h"
#include "mm/vma.h"

namespace vmlab::mm {

Result<std::vector<std::uint8_t>> do_mincore(AddressSpace& mm, VirtAddr start, std::uint64_t len) {
  if (start & (kPageSize - 1)) return Errno::inval;
  // access_ok(): the range must lie below the top of the address space.
  if (len > mm.task_size || start > mm.task_size - len) return Errno::nomem;
  const std::uint64_t pages = (len + kPageSize - 1) >> kPageShift;
  std::vector<std::uint8_t> vec(pages, 0);
  VirtAddr va = start;
  for (std::uint64_t i = 0; i < pages; ++i, va += kPageSize) {
    // do_mincore(): every page must be inside a VMA.
    const Vma* vma = mm.vmas.find_containing(va);
    if (vma == nullptr) return Errno::nomem;
    const hw::Pte* pte = pte_lookup(mm, va);
    if (pte != nullptr && hw::pte_present(*pte)) {
      vec[i] = 1;
    } else if (pte != nullptr && hw::is_swap_pte(*pte)) {
      // mincore_pte_range(): a swapped-out page is resident while it is still in the
      // swap cache, uptodate.
      const Pfn pfn = swap_cache_get(mm.sys(), hw::pte_swap_entry(*pte));
      vec[i] = pfn != kNoPfn && mm.sys().frame(pfn).test(PG_uptodate) ? 1 : 0;
    } else if (vma->file != nullptr) {
      // mincore_page(): a cached page counts when it is uptodate.
      const Pfn pfn = mm::page_cache_find(*vma->file->inode, vma->page_index(va));
      vec[i] = pfn != kNoPfn && mm.sys().frame(pfn).test(PG_uptodate) ? 1 : 0;
    }
  }
  return vec;
}

}  // namespace vmlab::mm
