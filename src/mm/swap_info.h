// The swap areas of a machine (mm/swapfile.c swap_info[] and swap_avail_head): at
// most MAX_SWAPFILES of them, used by priority (the highest first; areas of equal
// priority in turn), and the totals the rest of the memory manager reads:
// total_swap_pages and nr_swap_pages (the free slots).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "hw/swap_pte.h"
#include "mm/swap_area.h"

namespace vmlab::mm {

// MAX_SWAPFILES on x86-64 6.18: 32 types less device-private (3), migration (3),
// hwpoison (1) and the PTE marker (1).
inline constexpr unsigned kMaxSwapFiles = 24;

class SwapInfo {
 public:
  // The area of type `type`, or null.
  SwapArea* area(unsigned type) { return type < areas_.size() ? areas_[type].get() : nullptr; }
  SwapArea& area(hw::SwapEntry e) { return *areas_[e.type]; }
  const std::vector<std::unique_ptr<SwapArea>>& areas() const { return areas_; }
  // A free type for a new area, or none (swapon's EPERM).
  std::optional<unsigned> free_type() const;
  void add(std::unique_ptr<SwapArea> area);
  std::unique_ptr<SwapArea> remove(unsigned type);

  // total_swap_pages and get_nr_swap_pages().
  std::uint64_t total_pages() const;
  std::uint64_t free_pages() const;
  // vm_swap_full(): more than half the slots in use.
  bool full() const { return free_pages() * 2 < total_pages(); }
  // Whether any active area is on a rotational device (nr_rotate_swap > 0).
  bool any_rotational() const;
  // swapoff of an area of negative priority `prio`: the default priorities given after
  // it move up by one, and so does the next one to give.
  void renumber_after_removal(int prio);
  // The priority the next area without one gets (--least_priority, from -1).
  int next_default_priority() { return --least_priority_; }

  // folio_alloc_swap(): a slot from the first area by priority that has one; equal
  // priorities take turns.
  std::optional<hw::SwapEntry> alloc(unsigned cpu);

 private:
  std::vector<std::unique_ptr<SwapArea>> areas_;  // by type; null where none
  int least_priority_ = -1;
  std::uint64_t turn_ = 0;  // rotates areas of equal priority
};

}  // namespace vmlab::mm
