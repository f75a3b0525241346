// Changing the VMA set (mm/vma.c): inserting and removing VMAs with their file and
// anon_vma links and accounting, splitting one in two, merging neighbours, and
// unmapping a range.
#pragma once

#include <memory>

#include "mm/vma.h"
#include "vmlab/result.h"

namespace vmlab::mm {

class AddressSpace;

// Adds a VMA to the address space: links it to its file's i_mmap and counts it.
Vma* vma_link(AddressSpace& mm, std::unique_ptr<Vma> vma);
// Takes a VMA out of the tree and drops its file and anon_vma links (not its pages).
void vma_unlink(AddressSpace& mm, Vma* vma);

// split_vma(): splits at `addr` (inside the VMA, page aligned). Returns the upper
// part; `vma` keeps the lower. ENOMEM when the address space is at max_map_count,
// unless `check_limit` is false (munmap's __split_vma(), whose net change is checked
// by the caller).
Result<Vma*> vma_split(AddressSpace& mm, Vma* vma, VirtAddr addr, bool check_limit = true);

// Whether `a` followed directly by `b` could be one VMA (is_mergeable_vma() and
// is_mergeable_anon_vma(), with contiguous page offsets).
bool vmas_mergeable(const Vma& a, const Vma& b);
// Merges `vma` with its neighbours where possible (after a change of flags or a new
// mapping). Returns the VMA that now covers its range.
Vma* vma_try_merge(AddressSpace& mm, Vma* vma);

// vma_modify_flags(): gives [start, end) of `vma` new flags, splitting at the edges
// and merging with neighbours as Linux does. ENOMEM when the splits it needs would
// pass max_map_count. Returns the VMA covering [start, end) afterwards.
Result<Vma*> vma_modify_flags(AddressSpace& mm, Vma* vma, VirtAddr start, VirtAddr end, VmFlags new_flags);

// do_vmi_munmap() on [start, end): splits at the edges, zaps the pages, removes the
// VMAs, undoes their accounting and frees page tables nobody needs.
Result<void> unmap_range(AddressSpace& mm, VirtAddr start, VirtAddr end);

// Which pages a zap takes (struct zap_details' even_cows): all of them, or only the
// file pages, keeping the anonymous copies a private mapping made of them.
enum class ZapCows { yes, no };

// zap_page_range_single(): clears the PTEs of [start, end) in `vma`, dropping the pages'
// map counts and the RSS, moving dirty bits to file pages, and flushing the TLBs.
void zap_range(AddressSpace& mm, Vma& vma, VirtAddr start, VirtAddr end, ZapCows cows = ZapCows::yes);

}  // namespace vmlab::mm
