// Page reclaim (mm/vmscan.c): the scan of the LRU lists that frees pages when memory
// runs short.
#pragma once

#include <cstdint>

namespace vmlab::mm {

class MemCgroup;
class MemorySystem;

// lru_note_cost(): what reclaiming pages of one kind cost (pages written: 32 each, as
// SWAP_CLUSTER_MAX; pages that had to be rotated: 1 each), added to `cg`'s lruvec and
// every ancestor's; both costs halve when they exceed a quarter of the lruvec's pages,
// so recent cost weighs most.
void lru_note_cost(MemorySystem& sys, MemCgroup& cg, bool file, std::uint64_t nr_io, std::uint64_t nr_rotated);

}  // namespace vmlab::mm
