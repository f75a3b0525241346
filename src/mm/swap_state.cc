#include "mm/swap_state.h"

#include <stdexcept>

#include "mm/memcontrol.h"
#include "mm/memory_system.h"

namespace vmlab::mm {

using obs::NodeStat;

namespace {

// A slot was freed: its swap charge leaves the group that made it
// (mem_cgroup_uncharge_swap() from swap_entries_free()).
void slot_freed(MemorySystem& sys, SwapArea& area, std::uint64_t offset) {
  mem_cgroup_uncharge_swap(sys, area, offset);
}

}  // namespace

hw::SwapEntry page_swap_entry(const MemorySystem& sys, Pfn pfn) {
  const Frame& f = sys.frames()[pfn];
  if (!f.test(PG_swapcache)) throw std::logic_error("a page outside the swap cache has no slot");
  return unpack_swap(f.swap);
}

void swap_cache_add(MemorySystem& sys, Pfn pfn, hw::SwapEntry e) {
  Frame& f = sys.frame(pfn);
  SwapArea& area = sys.swap().area(e);
  if (area.cache.contains(e.offset)) throw std::logic_error("a swap slot cached twice");
  f.set(PG_swapcache);
  f.swap = pack_swap(e);
  area.cache.emplace(e.offset, pfn);
  sys.get_page(pfn);
  ++sys.stat()[NodeStat::nr_file_pages];
  ++sys.stat()[NodeStat::nr_swapcached];
}

void swap_cache_del(MemorySystem& sys, Pfn pfn, std::uint64_t shadow) {
  Frame& f = sys.frame(pfn);
  const hw::SwapEntry e = page_swap_entry(sys, pfn);
  SwapArea& area = sys.swap().area(e);
  area.cache.erase(e.offset);
  if (shadow != 0) area.shadows[e.offset] = shadow;
  f.clear(PG_swapcache);
  f.swap = 0;
  --sys.stat()[NodeStat::nr_file_pages];
  --sys.stat()[NodeStat::nr_swapcached];
}

Pfn swap_cache_get(MemorySystem& sys, hw::SwapEntry e) {
  SwapArea* area = sys.swap().area(e.type);
  if (area == nullptr) return kNoPfn;
  auto it = area->cache.find(e.offset);
  return it == area->cache.end() ? kNoPfn : it->second;
}

void delete_from_swap_cache(MemorySystem& sys, Pfn pfn) {
  const hw::SwapEntry e = page_swap_entry(sys, pfn);
  swap_cache_del(sys, pfn, 0);
  SwapArea& area = sys.swap().area(e);
  if (area.put_cache(e.offset)) slot_freed(sys, area, e.offset);
  sys.put_page(pfn);
}

bool folio_alloc_swap(MemorySystem& sys, Pfn pfn) {
  const Frame& f = sys.frame(pfn);
  if (f.test(PG_swapcache)) throw std::logic_error("a swap-cache page given a second slot");
  auto e = sys.swap().alloc(sys.mmu().current());
  if (!e) return false;
  SwapArea& area = sys.swap().area(*e);
  if (!mem_cgroup_try_charge_swap(sys, pfn, area, e->offset)) {
    // put_swap_folio(): the slot goes back unused.
    if (area.put_cache(e->offset)) slot_freed(sys, area, e->offset);
    return false;
  }
  swap_cache_add(sys, pfn, *e);
  return true;
}

bool folio_free_swap(MemorySystem& sys, Pfn pfn) {
  Frame& f = sys.frame(pfn);
  if (!f.test(PG_swapcache) || f.test(PG_writeback)) return false;
  if (swap_count(sys, page_swap_entry(sys, pfn)) > 0) return false;
  f.set(PG_dirty);  // folio_set_dirty(): the only copy will be in memory
  delete_from_swap_cache(sys, pfn);  // may free the page, if the cache held the last reference
  return true;
}

void swap_duplicate(MemorySystem& sys, hw::SwapEntry e) { sys.swap().area(e).dup(e.offset); }

void swap_free(MemorySystem& sys, hw::SwapEntry e) {
  SwapArea& area = sys.swap().area(e);
  if (area.put_ref(e.offset)) slot_freed(sys, area, e.offset);
}

void free_swap_and_cache(MemorySystem& sys, hw::SwapEntry e) {
  SwapArea& area = sys.swap().area(e);
  if (area.put_ref(e.offset)) {
    slot_freed(sys, area, e.offset);
    return;
  }
  if (area.map(e.offset) != kSwapHasCache) return;
  // __try_to_reclaim_swap(): only the cache holds the slot now.
  const Pfn pfn = swap_cache_get(sys, e);
  if (pfn == kNoPfn) return;
  const Frame& f = sys.frame(pfn);
  const bool need = f.mapcount == 0 || mem_cgroup_swap_full(sys, pfn);
  if (!need || f.test(PG_writeback)) return;
  (void)folio_free_swap(sys, pfn);  // false only when still named, which the map byte ruled out
}

unsigned swap_count(MemorySystem& sys, hw::SwapEntry e) { return sys.swap().area(e).count(e.offset); }

bool mem_cgroup_swap_full(MemorySystem& sys, Pfn pfn) {
  if (sys.swap().full()) return true;
  // cgroup v2: a group whose swap use reached half its swap.max.
  for (const MemCgroup* c = &sys.memcg(sys.frame(pfn).memcg); c != nullptr; c = c->parent) {
    if (c->swap_max != kPageCounterMax && c->swap_usage * 2 >= c->swap_max) return true;
  }
  return false;
}

}  // namespace vmlab::mm
