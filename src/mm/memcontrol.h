// Memory cgroups (mm/memcontrol.c, the v2 interface): a tree of groups, each with the
// pages charged to it (memory.current) against its limits (memory.max, memory.high),
// the swap slots charged to it (memory.swap.current against memory.swap.max), its own
// LRU lists, and its statistics and events. The root group is always there and has no
// limit; a page belongs to the group of the task that first faulted or read it in.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mm/lru.h"
#include "vmlab/units.h"

namespace vmlab::mm {

inline constexpr std::uint16_t kRootMemcg = 1;          // the root group's id (0: no group)
inline constexpr std::uint64_t kPageCounterMax = ~0ULL;  // "max": no limit

// memory.events and memory.swap.events: how often a limit was met
// (memcg_memory_event()).
enum class MemcgEvent : std::uint8_t { low, high, max, oom, oom_kill, oom_group_kill, swap_high, swap_max, swap_fail, count };

class MemCgroup {
 public:
  MemCgroup(std::uint16_t id, MemCgroup* parent, std::string name, FrameTable& frames)
      : id(id), parent(parent), name(std::move(name)), lruvec(frames) {}

  const std::uint16_t id;
  MemCgroup* const parent;  // null for the root
  const std::string name;   // the directory under /sys/fs/cgroup ("" for the root)
  Lruvec lruvec;
  std::vector<MemCgroup*> children;  // in creation order; kept by whoever creates and removes groups

  // page_counter usage and limits, in pages. Usage includes the pages a CPU keeps
  // charged in advance (the per-CPU stock), as Linux's does.
  std::uint64_t usage = 0;
  std::uint64_t max = kPageCounterMax;
  std::uint64_t high = kPageCounterMax;
  std::uint64_t swap_usage = 0;
  std::uint64_t swap_max = kPageCounterMax;
  std::array<std::uint64_t, static_cast<unsigned>(MemcgEvent::count)> events{};

  bool is_root() const { return parent == nullptr; }
};

class MemorySystem;
class SwapArea;

// mem_cgroup_try_charge_swap(): the swap slot `offset` of `area`, given to page `pfn`,
// is charged to the page's group and its ancestors (the root is never charged). False
// when that would exceed a memory.swap.max on the way (MEMCG_SWAP_MAX, _FAIL events).
bool mem_cgroup_try_charge_swap(MemorySystem& sys, Pfn pfn, SwapArea& area, std::uint64_t offset);
// mem_cgroup_uncharge_swap(): the freed slot's charge leaves the group that made it.
void mem_cgroup_uncharge_swap(MemorySystem& sys, SwapArea& area, std::uint64_t offset);

}  // namespace vmlab::mm
