#include "mm/vmscan.h"

#include "mm/memory_system.h"

namespace vmlab::mm {

namespace {
constexpr std::uint64_t kSwapClusterMax = 32;  // SWAP_CLUSTER_MAX
}  // namespace

void lru_note_cost(MemorySystem& sys, MemCgroup& cg, bool file, std::uint64_t nr_io, std::uint64_t nr_rotated) {
  const std::uint64_t cost = nr_io * kSwapClusterMax + nr_rotated;
  if (cost == 0) return;
  for (MemCgroup* c = &cg; c != nullptr; c = c->parent) {
    Lruvec& lru = c->lruvec;
    (file ? lru.file_cost : lru.anon_cost) += cost;
    const std::uint64_t pages = sys.lru_size(*c, LruList::inactive_anon) + sys.lru_size(*c, LruList::active_anon) +
                                sys.lru_size(*c, LruList::inactive_file) + sys.lru_size(*c, LruList::active_file);
    if (lru.file_cost + lru.anon_cost > pages / 4) {
      lru.file_cost /= 2;
      lru.anon_cost /= 2;
    }
  }
}

}  // namespace vmlab::mm
