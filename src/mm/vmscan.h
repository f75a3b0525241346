// Page reclaim (mm/vmscan.c): the scan of the LRU lists that frees pages when memory
// runs short, Linux 6.18's classic two-list reclaim (no MGLRU).
//
// A pass at some priority scans size >> priority pages of each list of each memory
// cgroup's lruvec, split between anonymous and file pages by swappiness and the cost
// each kind has had (get_scan_count()). Active lists are aged into the inactive ones
// (shrink_active_list()); inactive pages are isolated from the tail in batches of 32,
// checked for references through the reverse map, and reclaimed: clean file pages are
// dropped, anonymous pages are given a swap slot, unmapped and written
// (shrink_folio_list()). Priorities run from 12 down to 0 until enough is reclaimed.
#pragma once

#include <cstdint>
#include <vector>

#include "mm/zone.h"
#include "vmlab/units.h"

namespace vmlab::mm {

class MemCgroup;
class MemorySystem;

inline constexpr std::uint64_t kSwapClusterMax = 32;  // SWAP_CLUSTER_MAX
inline constexpr int kDefPriority = 12;               // DEF_PRIORITY

// Who reclaims, for the counters (reclaimer_offset()).
enum class Reclaimer : std::uint8_t { kswapd, direct, proactive };

// struct scan_control: one reclaim request and what it found.
struct ScanControl {
  std::uint64_t nr_to_reclaim = kSwapClusterMax;
  MemCgroup* target = nullptr;  // a memory cgroup's limit reclaim; null for global reclaim
  Reclaimer reclaimer = Reclaimer::direct;
  ZoneIdx reclaim_idx = ZoneIdx::movable;  // the highest zone the allocation may use
  int priority = kDefPriority;
  bool may_writepage = true;
  bool may_unmap = true;
  bool may_swap = true;
  bool ignore_references = false;  // MADV_PAGEOUT: reclaim whatever was asked for
  // prepare_scan_control()'s per-pass decisions.
  bool may_deactivate_anon = false, may_deactivate_file = false;
  bool force_deactivate = false, skipped_deactivate = false;
  bool cache_trim_mode = false, file_is_tiny = false;
  std::uint64_t anon_cost = 0, file_cost = 0;

  std::uint64_t nr_scanned = 0;
  std::uint64_t nr_reclaimed = 0;
  // What the last shrink_folio_list() calls found (sc->nr).
  std::uint64_t nr_dirty = 0, nr_unqueued_dirty = 0, nr_congested = 0, nr_writeback = 0, nr_immediate = 0;
  std::uint64_t nr_taken = 0, nr_file_taken = 0;
};

// zone_reclaimable_pages(): the file lists, and the anonymous ones while there is swap
// left to put them in.
std::uint64_t zone_reclaimable_pages(const MemorySystem& sys);

// Why reclaim stalls (enum vmscan_throttle_state).
enum class Throttle : std::uint8_t {
  writeback,   // pages cycle through the LRU faster than they are written
  congested,   // every dirty page reclaim met was already queued for writeback
  noprogress,  // direct reclaim reached priority 1 without reclaiming anything
};
// reclaim_throttle(): the current CPU sleeps on the virtual clock. On writeback, until
// more than SWAP_CLUSTER_MAX pages finish writeback or HZ/10 passes; otherwise for a
// jiffy, and not at all when kswapd gave up on the node or few pages wait for
// writeback (skip_throttle_noprogress()).
void reclaim_throttle(MemorySystem& sys, Throttle reason);

// lru_note_cost(): what reclaiming pages of one kind cost (pages written: 32 each, as
// SWAP_CLUSTER_MAX; pages that had to be rotated: 1 each), added to `cg`'s lruvec and
// every ancestor's; both costs halve when they exceed a quarter of the lruvec's pages,
// so recent cost weighs most.
void lru_note_cost(MemorySystem& sys, MemCgroup& cg, bool file, std::uint64_t nr_io, std::uint64_t nr_rotated);

// reclaim_pages() (MADV_PAGEOUT): reclaims the isolated pages given, ignoring their
// references; the ones that cannot go are put back. Returns how many were freed.
std::uint64_t reclaim_pages(MemorySystem& sys, std::vector<Pfn>& isolated);

// try_to_free_pages(): direct reclaim by an allocation (of zones up to `zone`) that
// found memory short: counts an allocation stall and reclaims at least 32 pages if it
// can.
std::uint64_t try_to_free_pages(MemorySystem& sys, ZoneIdx zone);
// balance_pgdat(): one kswapd pass, from DEF_PRIORITY down until the node is
// balanced (free memory above the high watermark). Returns the pages reclaimed.
std::uint64_t balance_pgdat(MemorySystem& sys, ZoneIdx highest_zoneidx);
// try_to_free_mem_cgroup_pages(): reclaim inside `cg` (its limit was reached, or
// memory.max was lowered): at least max(nr_pages, 32) pages if it can.
std::uint64_t try_to_free_mem_cgroup_pages(MemorySystem& sys, MemCgroup& cg, std::uint64_t nr_pages, bool may_swap);
// do_try_to_free_pages() with a prepared scan control.
std::uint64_t do_try_to_free_pages(MemorySystem& sys, ScanControl& sc);

// folio_isolate_lru(): takes a page off its list for the caller, with a reference.
// False if it is on none.
bool folio_isolate_lru(MemorySystem& sys, Pfn pfn);
// folio_putback_lru(): back on the head of its list, dropping the isolation reference.
void folio_putback_lru(MemorySystem& sys, Pfn pfn);

}  // namespace vmlab::mm
