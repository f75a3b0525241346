#include "mm/memcontrol.h"

#include "mm/memory_system.h"
#include "mm/swap_area.h"

namespace vmlab::mm {

namespace {
void count_event(MemCgroup& cg, MemcgEvent e) { ++cg.events[static_cast<unsigned>(e)]; }
}  // namespace

bool mem_cgroup_try_charge_swap(MemorySystem& sys, Pfn pfn, SwapArea& area, std::uint64_t offset) {
  MemCgroup& cg = sys.memcg(sys.frame(pfn).memcg);
  if (cg.is_root()) return true;
  // page_counter_try_charge(): every level must have room.
  for (MemCgroup* c = &cg; c != nullptr; c = c->parent) {
    if (c->swap_max != kPageCounterMax && c->swap_usage + 1 > c->swap_max) {
      count_event(cg, MemcgEvent::swap_max);
      count_event(cg, MemcgEvent::swap_fail);
      return false;
    }
  }
  for (MemCgroup* c = &cg; c != nullptr; c = c->parent) ++c->swap_usage;
  area.swap_cgroup[offset] = cg.id;
  return true;
}

void mem_cgroup_uncharge_swap(MemorySystem& sys, SwapArea& area, std::uint64_t offset) {
  const std::uint16_t id = area.swap_cgroup[offset];
  area.swap_cgroup[offset] = 0;
  if (id == 0) return;
  for (MemCgroup* c = &sys.memcg(id); c != nullptr; c = c->parent) --c->swap_usage;
}

}  // namespace vmlab::mm
