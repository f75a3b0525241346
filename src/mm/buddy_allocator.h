// The binary buddy allocator (mm/page_alloc.c): free lists of blocks of 2^order frames,
// orders 0 to 10, split on allocation and merged with their buddy on free. Frames,
// page tables and page-cache pages all come from here.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "hw/physical_memory.h"
#include "mm/frame.h"

namespace vmlab::mm {

class BuddyAllocator {
 public:
  static constexpr unsigned kMaxOrder = 10;  // MAX_PAGE_ORDER: blocks up to 4 MiB

  BuddyAllocator(FrameTable& frames, hw::PhysicalMemory& mem);

  // Frees [first, first + count) into the allocator (boot: memblock_free_all).
  void add_range(Pfn first, std::uint64_t count);

  // A block of 2^order frames with refcount 1, or kNoPfn. Contents are undefined:
  // callers zero or copy them.
  Pfn alloc(unsigned order = 0);
  void free(Pfn pfn, unsigned order = 0);

  std::uint64_t free_pages() const { return free_pages_; }
  std::uint64_t free_blocks(unsigned order) const { return lists_[order].count; }

  // Recounts the free lists from scratch; returns false if the counts disagree.
  bool check() const;

 private:
  struct FreeList {
    Pfn head = kNoPfn;
    std::uint64_t count = 0;
  };
  void push(Pfn pfn, unsigned order);
  void unlink(Pfn pfn, unsigned order);
  Pfn pop(unsigned order);

  // The host memory behind free frames, per 2 MiB region (a block of kRegionOrder):
  // freed regions stay committed on the host up to a budget, for reuse without a host
  // page fault; beyond it they are given back (PhysicalMemory::release).
  static constexpr unsigned kRegionOrder = 9;
  enum class Region : std::uint8_t { in_use, free_committed, free_released };
  void regions_freed(Pfn pfn, unsigned order);
  void regions_allocated(Pfn pfn, unsigned order);

  FrameTable& frames_;
  hw::PhysicalMemory& mem_;
  std::array<FreeList, kMaxOrder + 1> lists_{};
  std::uint64_t free_pages_ = 0;
  std::vector<Region> regions_;  // indexed by pfn >> kRegionOrder
  std::uint64_t committed_free_regions_ = 0;
  std::uint64_t keep_regions_;  // the budget
};

}  // namespace vmlab::mm
