#include "mm/buddy_allocator.h"

#include <algorithm>
#include <bit>

namespace vmlab::mm {

// Free memory given back to the host is zeroed by the host when touched again: cheap
// for a page about to be zero-filled, a wasted clear for one about to be copied into.
// So freed 2 MiB regions stay committed up to an eighth of RAM (in whole blocks of the
// largest order), and only the regions freed beyond that are given back at once.
BuddyAllocator::BuddyAllocator(FrameTable& frames, hw::PhysicalMemory& mem)
    : frames_(frames),
      mem_(mem),
      regions_(frames.size() >> kRegionOrder, Region::in_use),
      keep_regions_(((frames.size() / 8) >> kMaxOrder) << (kMaxOrder - kRegionOrder)) {}

void BuddyAllocator::regions_freed(Pfn pfn, unsigned order) {
  const std::uint64_t first = pfn >> kRegionOrder;
  const std::uint64_t last = (pfn + (std::uint64_t{1} << order)) >> kRegionOrder;
  for (std::uint64_t r = first; r < last; ++r) {
    if (regions_[r] != Region::in_use) continue;  // the buddy, free already
    if (committed_free_regions_ < keep_regions_) {
      regions_[r] = Region::free_committed;
      ++committed_free_regions_;
    } else {
      mem_.release(static_cast<Pfn>(r << kRegionOrder), std::uint64_t{1} << kRegionOrder);
      regions_[r] = Region::free_released;
    }
  }
}

void BuddyAllocator::regions_allocated(Pfn pfn, unsigned order) {
  const std::uint64_t first = pfn >> kRegionOrder;
  const std::uint64_t last = first + std::max<std::uint64_t>((std::uint64_t{1} << order) >> kRegionOrder, 1);
  for (std::uint64_t r = first; r < last; ++r) {
    if (regions_[r] == Region::free_committed) --committed_free_regions_;
    regions_[r] = Region::in_use;
  }
}

void BuddyAllocator::push(Pfn pfn, unsigned order) {
  Frame& f = frames_[pfn];
  f.flags = PG_buddy;
  f.order = static_cast<std::uint8_t>(order);
  f.prev = kNoPfn;
  f.next = lists_[order].head;
  if (f.next != kNoPfn) frames_[f.next].prev = pfn;
  lists_[order].head = pfn;
  ++lists_[order].count;
}

void BuddyAllocator::unlink(Pfn pfn, unsigned order) {
  Frame& f = frames_[pfn];
  if (f.prev != kNoPfn) frames_[f.prev].next = f.next;
  else lists_[order].head = f.next;
  if (f.next != kNoPfn) frames_[f.next].prev = f.prev;
  f.prev = f.next = kNoPfn;
  f.flags = 0;
  --lists_[order].count;
}

Pfn BuddyAllocator::pop(unsigned order) {
  Pfn pfn = lists_[order].head;
  unlink(pfn, order);
  return pfn;
}

void BuddyAllocator::add_range(Pfn first, std::uint64_t count) {
  Pfn pfn = first;
  const Pfn end = static_cast<Pfn>(first + count);
  while (pfn < end) {
    // The largest naturally aligned block that fits.
    unsigned order = kMaxOrder;
    while (order > 0 && ((pfn & ((1u << order) - 1)) != 0 || pfn + (1u << order) > end)) --order;
    push(pfn, order);
    free_pages_ += 1u << order;
    // Boot memory is reserved on the host, not committed: as if given back.
    for (Pfn r = pfn >> kRegionOrder; order >= kRegionOrder && r < (pfn + (1u << order)) >> kRegionOrder; ++r) {
      regions_[r] = Region::free_released;
    }
    pfn += 1u << order;
  }
}

Pfn BuddyAllocator::alloc(unsigned order) {
  unsigned o = order;
  while (o <= kMaxOrder && lists_[o].head == kNoPfn) ++o;
  if (o > kMaxOrder) return kNoPfn;
  Pfn pfn = pop(o);
  // From a free region: the part handed out is in use (split-off halves stay free).
  if (o >= kRegionOrder) regions_allocated(pfn, order);
  // expand(): hand the upper halves back while splitting down to the asked order.
  while (o > order) {
    --o;
    push(pfn + (1u << o), o);
  }
  free_pages_ -= 1u << order;
  Frame& f = frames_[pfn];
  f = Frame{};
  f.refcount = 1;
  return pfn;
}

void BuddyAllocator::free(Pfn pfn, unsigned order) {
  mem_.frames_freed(pfn, std::uint64_t{1} << order);  // a decoded copy of old code must not outlive it
  free_pages_ += 1u << order;
  // __free_one_page(): merge with the buddy while it is free and of the same order.
  while (order < kMaxOrder) {
    const Pfn buddy = pfn ^ (1u << order);
    if (buddy >= frames_.size()) break;
    const Frame& b = frames_[buddy];
    if (!(b.flags & PG_buddy) || b.order != order) break;
    unlink(buddy, order);
    pfn &= ~(1u << order);
    ++order;
  }
  if (order >= kRegionOrder) regions_freed(pfn, order);
  push(pfn, order);
}

bool BuddyAllocator::check() const {
  std::uint64_t total = 0;
  for (unsigned o = 0; o <= kMaxOrder; ++o) {
    std::uint64_t n = 0;
    for (Pfn p = lists_[o].head; p != kNoPfn; p = frames_[p].next) {
      const Frame& f = frames_[p];
      if (!(f.flags & PG_buddy) || f.order != o || f.refcount != 0) return false;
      ++n;
    }
    if (n != lists_[o].count) return false;
    total += n << o;
  }
  return total == free_pages_;
}

}  // namespace vmlab::mm
