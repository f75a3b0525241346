// struct page: the metadata of one physical frame, kept in one flat array indexed by
// PFN (the FrameTable, Linux's mem_map). 48 bytes per frame.
#pragma once

#include <cstdint>
#include <vector>

#include "hw/swap_pte.h"
#include "mm/huge_page_allocator.h"
#include "vmlab/units.h"

namespace vmlab::fs {
class Inode;
}

namespace vmlab::mm {

class AnonVma;

// Page flags (include/linux/page-flags.h), the ones vmlab models.
enum FrameFlag : std::uint32_t {
  PG_locked = 1u << 0,
  PG_referenced = 1u << 1,
  PG_uptodate = 1u << 2,
  PG_dirty = 1u << 3,
  PG_lru = 1u << 4,
  PG_active = 1u << 5,
  PG_anon = 1u << 6,          // mapping is an AnonVma (Linux tags the pointer instead)
  PG_swapbacked = 1u << 7,    // anonymous or shmem: reclaimed to swap, not written back
  PG_reserved = 1u << 8,      // never allocated (the zero page)
  PG_buddy = 1u << 9,         // first frame of a free buddy block
  PG_table = 1u << 10,        // a page-table page
  PG_writeback = 1u << 11,
  PG_anon_exclusive = 1u << 12,  // PageAnonExclusive: mapped by exactly one process
  PG_lazyfree = 1u << 13,     // MADV_FREE: clean anonymous, may be dropped
  PG_mlocked = 1u << 14,
  PG_swapcache = 1u << 15,    // in the swap cache: `swap` names its slot
  PG_workingset = 1u << 16,   // was active before it was deactivated (workingset detection)
  PG_reclaim = 1u << 17,      // reclaim wants it: rotated to the inactive tail when its write ends
  PG_readahead = 1u << 18,    // read ahead, not yet used (swap_ra_hit when it is)
};

struct Frame {
  std::uint32_t flags = 0;
  std::int32_t refcount = 0;   // page_ref_count: 0 when free
  std::int32_t mapcount = 0;   // PTEs mapping it (Linux keeps this minus one)
  std::uint8_t order = 0;      // buddy order while free
  std::uint8_t lru_list = 0;   // which LRU list while PG_lru
  std::uint16_t memcg = 0;     // the memory cgroup charged for it (0: none, 1: the root)
  void* mapping = nullptr;     // AnonVma* (PG_anon) or fs::Inode* (page cache), or null
  std::uint64_t index = 0;     // page offset in the file, or the anonymous page's linear index
  Pfn prev = kNoPfn;           // links of the LRU list or buddy free list it is on
  Pfn next = kNoPfn;
  std::uint32_t swap = 0;      // PG_swapcache: its slot (SwapSlot::pack())

  bool test(FrameFlag f) const { return flags & f; }
  void set(FrameFlag f) { flags |= f; }
  void clear(FrameFlag f) { flags &= ~static_cast<std::uint32_t>(f); }
  bool anon() const { return flags & PG_anon; }
  AnonVma* anon_vma() const { return anon() ? static_cast<AnonVma*>(mapping) : nullptr; }
  fs::Inode* inode() const { return anon() ? nullptr : static_cast<fs::Inode*>(mapping); }
};
static_assert(sizeof(Frame) <= 48, "frame metadata must stay within 48 bytes");

// A swap slot as the frame record keeps it: 5 bits of area type, 27 of offset (areas
// of up to 2^27 slots, 512 GiB).
inline constexpr unsigned kSwapSlotOffsetBits = 27;
inline constexpr std::uint64_t kMaxSwapSlots = 1ULL << kSwapSlotOffsetBits;
constexpr std::uint32_t pack_swap(hw::SwapEntry e) {
  return (e.type << kSwapSlotOffsetBits) | static_cast<std::uint32_t>(e.offset);
}
constexpr hw::SwapEntry unpack_swap(std::uint32_t v) {
  return {v >> kSwapSlotOffsetBits, v & ((1u << kSwapSlotOffsetBits) - 1)};
}

class FrameTable {
 public:
  explicit FrameTable(std::uint64_t pages) : frames_(pages) {}
  Frame& operator[](Pfn pfn) { return frames_[pfn]; }
  const Frame& operator[](Pfn pfn) const { return frames_[pfn]; }
  std::uint64_t size() const { return frames_.size(); }

 private:
  std::vector<Frame, HugePageAllocator<Frame>> frames_;
};

}  // namespace vmlab::mm
