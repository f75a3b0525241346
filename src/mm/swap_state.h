// The swap cache and the references on swap slots (mm/swap_state.c, mm/swapfile.c).
//
// A slot's swap_map byte counts the swap PTEs (and shmem entries) naming it, plus a
// SWAP_HAS_CACHE mark while a page holding its contents is in the swap cache. A page
// in the swap cache has PG_swapcache, names its slot in Frame::swap, holds a reference
// for the cache, and counts in NR_FILE_PAGES and NR_SWAPCACHE (SwapCached). A slot is
// freed when its count and its mark are both gone.
#pragma once

#include <cstdint>

#include "hw/swap_pte.h"
#include "vmlab/units.h"

namespace vmlab::mm {

class MemorySystem;
class SwapArea;

// The slot a swap-cache page holds (PG_swapcache must be set).
hw::SwapEntry page_swap_entry(const MemorySystem& sys, Pfn pfn);

// swap_cache_add_folio(): `pfn` holds slot `e`'s contents from now (the caller has
// marked the slot SWAP_HAS_CACHE). Takes the cache's reference.
void swap_cache_add(MemorySystem& sys, Pfn pfn, hw::SwapEntry e);
// __delete_from_swap_cache(): the page leaves the swap cache; `shadow` (0: none) is
// kept in the slot for workingset detection. The cache's reference and the slot's
// mark are the caller's to drop.
void swap_cache_del(MemorySystem& sys, Pfn pfn, std::uint64_t shadow);
// swap_cache_get_folio(): the page holding slot `e`'s contents, or kNoPfn.
Pfn swap_cache_get(MemorySystem& sys, hw::SwapEntry e);
// delete_from_swap_cache(): swap_cache_del() without a shadow, then put_swap_folio()
// (the slot loses its mark, and is freed if nothing names it) and the cache's
// reference.
void delete_from_swap_cache(MemorySystem& sys, Pfn pfn);

// folio_alloc_swap(): a slot for the anonymous page `pfn` (on the current CPU's
// cluster), charged to its memory cgroup's swap, and the page in the swap cache.
// False when no area has a free slot the cgroup may take.
bool folio_alloc_swap(MemorySystem& sys, Pfn pfn);
// folio_free_swap(): a swap-cache page whose slot no PTE names any more gives the slot
// up and becomes dirty (its contents now exist only in memory). False (nothing done)
// if it is under writeback or still named.
bool folio_free_swap(MemorySystem& sys, Pfn pfn);

// swap_duplicate(): one more PTE names the slot (fork).
void swap_duplicate(MemorySystem& sys, hw::SwapEntry e);
// swap_free_nr() of one: a PTE naming the slot is gone (the page was mapped back).
void swap_free(MemorySystem& sys, hw::SwapEntry e);
// free_swap_and_cache_nr(): a PTE naming the slot was zapped. When only the swap
// cache still holds the slot, the page is dropped from the cache if nothing maps it
// or swap is more than half full (__try_to_reclaim_swap(TTRS_UNMAPPED | TTRS_FULL)).
void free_swap_and_cache(MemorySystem& sys, hw::SwapEntry e);

// __swap_count(): how many PTEs and shmem entries name the slot.
unsigned swap_count(MemorySystem& sys, hw::SwapEntry e);
// mem_cgroup_swap_full(): the page's group or swap as a whole is more than half used.
bool mem_cgroup_swap_full(MemorySystem& sys, Pfn pfn);

}  // namespace vmlab::mm
