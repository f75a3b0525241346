// Reading swapped pages back (mm/swap_state.c): a page-in brings neighbours along.
//
// Cluster readahead (swap_cluster_readahead(), used while a rotational swap area is
// on) reads the aligned block of slots around the one faulted on; VMA readahead
// (swap_vma_readahead(), otherwise) reads the pages the faulting mapping has swapped
// around the faulting address, in the direction the faults have been going. Both
// size the window from how many earlier read-ahead pages were used (swapin_nr_pages()),
// at most 2^page-cluster pages. Pages read ahead carry PG_readahead until a fault uses
// them (swap_ra_hit).
#pragma once

#include <cstdint>

#include "hw/swap_pte.h"
#include "vmlab/units.h"

namespace vmlab::mm {

class AddressSpace;
class MemorySystem;
struct Vma;

// The readahead state Linux keeps globally (swapin_readahead_hits, the previous
// offset and window) and per VMA (its hits and the previous fault address).
struct SwapReadaheadState {
  std::uint64_t hits = 4;       // swapin_readahead_hits: starts at 4
  std::uint64_t prev_offset = 0;
  std::uint64_t prev_win = 0;   // last_readahead_pages
};

// What a swap-in fault got: the page holding the slot's contents (kNoPfn: no memory),
// with a reference for the caller; whether this fault read it from the device.
struct SwapIn {
  Pfn pfn = kNoPfn;
  bool read = false;
};

// swapin_readahead(): the page for slot `e`, faulted at `addr` of `vma`, reading it and
// its readahead window in if it is not in the swap cache.
SwapIn swapin_readahead(MemorySystem& sys, hw::SwapEntry e, Vma& vma, VirtAddr addr);

// swap_update_readahead(): a fault used a page found in the swap cache; if it was read
// ahead, that is a hit (swap_ra_hit), counted for the next window.
void swap_update_readahead(MemorySystem& sys, Pfn pfn, Vma& vma, VirtAddr addr);

// __read_swap_cache_async(): the page for slot `e`: the cached one, or a new page (with
// a reference for the caller) put in the swap cache locked for its read, charged to
// the group that owned the slot (or `mm`'s), a refault if the slot kept a shadow. The
// read itself is the caller's. kNoPfn if the slot is free or there is no memory.
SwapIn read_swap_cache_async(MemorySystem& sys, hw::SwapEntry e, const AddressSpace& mm);

}  // namespace vmlab::mm
