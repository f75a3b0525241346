// Workingset detection (mm/workingset.c): when reclaim evicts a page it leaves a
// shadow in its place (in the page cache, or in the swap area's slot) recording the
// lruvec's nonresident age at eviction. If the page is faulted back in (a refault),
// the age it has been away is its refault distance; a page whose distance fits in the
// workingset goes straight to the active list.
//
// The clock (Lruvec::nonresident_age) advances by a page on every eviction, every
// activation and every page reclaim puts back on an active list.
#pragma once

#include <cstdint>

#include "vmlab/units.h"

namespace vmlab::mm {

class MemCgroup;
class MemorySystem;

// A shadow as the page cache or swap area keeps it: the eviction age, the memory
// cgroup (its id) and whether the page was in the workingset when evicted.
struct Shadow {
  std::uint64_t eviction = 0;
  std::uint16_t memcg = 0;
  bool workingset = false;
  std::uint64_t pack() const;
  static Shadow unpack(std::uint64_t v);
};

// workingset_age_nonresident(): the clock of `cg`'s lruvec and of its ancestors'
// advances by `pages`.
void workingset_age_nonresident(MemCgroup& cg, std::uint64_t pages);
// workingset_activation(): folio_mark_accessed() activated the page.
void workingset_activation(MemorySystem& sys, Pfn pfn);
// workingset_eviction(): the shadow reclaim leaves for `pfn`, evicted by reclaim
// aimed at `target` (the group whose clock it reads: the root for global reclaim).
std::uint64_t workingset_eviction(MemorySystem& sys, Pfn pfn, MemCgroup& target);
// workingset_refault(): `pfn` was just read back in where `shadow` was: counts the
// refault, and sets PG_active (and PG_workingset) when it was recent.
void workingset_refault(MemorySystem& sys, Pfn pfn, std::uint64_t shadow);

}  // namespace vmlab::mm
