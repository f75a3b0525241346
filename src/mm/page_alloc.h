// The order-0 allocation path (mm/page_alloc.c): the fast path takes a free page while
// free memory stays above the low watermark; below it kswapd is woken and the page is
// taken while free memory stays above min. Below min, __alloc_pages_slowpath() reclaims
// directly (allocstall), retries while reclaim makes progress or could, and at last
// asks the OOM killer, whose victim's memory lets the allocation go on.
#pragma once

#include "mm/zone.h"
#include "vmlab/units.h"

namespace vmlab::mm {

class MemorySystem;

// __zone_watermark_ok() for one page: free memory stays above `mark` pages.
bool watermark_ok(const MemorySystem& sys, std::uint64_t mark);

// __alloc_pages_slowpath() for an allocation of `gfp` that found free memory at or
// below the min watermark: a page, or kNoPfn when the allocation fails (nothing was
// reclaimable and the OOM killer freed nothing, or chose the allocating task).
Pfn alloc_pages_slowpath(MemorySystem& sys, Gfp gfp);

}  // namespace vmlab::mm
