// One swap area (mm/swapfile.c struct swap_info_struct): its slots and their counts
// (swap_map), the clusters slots are allocated from, the swap cache (the page of each
// slot that has one in memory), the workingset shadows of slots whose page was
// reclaimed, the slots known to hold only zeros, and where the slot contents live.
//
// Slot allocation is Linux 6.18's (cluster_alloc_swap_entry()): slots come in clusters
// of SWAPFILE_CLUSTER; allocation continues from a hint (one for the whole area on a
// rotational device, one per CPU on a solid-state one) within the current cluster,
// then takes the first cluster of the non-full list, then of the free list, then one
// fragmented cluster. A cluster moves between the lists as it fills and empties. Slot
// 0 holds the header and is never allocated, so the first slot handed out is 1.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "vmlab/units.h"

namespace vmlab::mm {

// Where a swap area's slot contents are kept: the blocks of a swap file, or a device.
class SwapBacking {
 public:
  virtual ~SwapBacking() = default;
  virtual void read_slot(std::uint64_t offset, std::uint8_t* page) = 0;
  virtual void write_slot(std::uint64_t offset, const std::uint8_t* page) = 0;
  // The slot no longer holds anything worth keeping (its contents may go).
  virtual void discard_slot(std::uint64_t offset) = 0;
};

// swap_map bytes (include/linux/swap.h).
inline constexpr std::uint8_t kSwapHasCache = 0x40;  // SWAP_HAS_CACHE: a page is in the swap cache
inline constexpr std::uint8_t kSwapMapBad = 0x3f;    // SWAP_MAP_BAD: never allocated (the header)
inline constexpr std::uint8_t kSwapMapMax = 0x3e;    // SWAP_MAP_MAX: most references one byte counts
inline constexpr std::uint8_t kSwapCountContinued = 0x80;  // COUNT_CONTINUED: more are counted aside

class SwapArea {
 public:
  struct Options {
    unsigned type = 0;             // the index in the swap table (the PTE's type field)
    std::string name;              // what /proc/swaps shows: the file's path, or the device
    bool is_file = true;           // "file" or "partition"
    std::uint64_t max_pages = 0;   // last_page + 1 of the header: slots, the header's included
    int priority = -2;
    bool rotational = false;       // SWP_SOLIDSTATE clear: one allocation hint for all CPUs
    unsigned cluster_pages = 512;  // SWAPFILE_CLUSTER: 512 with THP_SWAP (x86-64), else 256
    unsigned cpus = 1;
    std::shared_ptr<SwapBacking> backing;
  };
  explicit SwapArea(const Options& o);

  unsigned type() const { return type_; }
  const std::string& name() const { return name_; }
  bool is_file() const { return is_file_; }
  int priority() const { return priority_; }
  void set_priority(int p) { priority_ = p; }
  bool rotational() const { return rotational_; }
  // Usable slots (the header excluded) and those in use (a reference or a cached
  // page), as /proc/swaps counts them.
  std::uint64_t pages() const { return pages_; }
  std::uint64_t inuse_pages() const { return inuse_; }
  std::uint64_t max_pages() const { return map_.size(); }
  SwapBacking& backing() { return *backing_; }

  // folio_alloc_swap() for one page on `cpu`: a free slot, its map byte set to
  // SWAP_HAS_CACHE; none when the area is full.
  std::optional<std::uint64_t> alloc_slot(unsigned cpu);
  std::uint8_t map(std::uint64_t offset) const { return map_[offset]; }
  // The references PTEs and shmem hold on the slot (swp_swapcount()), those past
  // SWAP_MAP_MAX included.
  unsigned count(std::uint64_t offset) const;
  // swap_duplicate(): one more reference (fork copying a swap PTE). Past SWAP_MAP_MAX
  // the byte keeps SWAP_MAP_MAX with COUNT_CONTINUED and the rest is counted aside,
  // as Linux's continuation pages do (add_swap_count_continuation()).
  void dup(std::uint64_t offset);
  // swap_free_nr() of one reference, or put_swap_folio() of the cache's mark; a slot
  // left with neither is freed (swap_entries_free()). Returns whether it was.
  bool put_ref(std::uint64_t offset);
  bool put_cache(std::uint64_t offset);
  // Marks a slot whose page is (being put) in the swap cache (swapcache_prepare()).
  void set_cache(std::uint64_t offset) { map_[offset] |= kSwapHasCache; }

  // SWP_WRITEOK: slots may be allocated. Cleared by swapoff while it empties the area.
  bool writeok = true;

  // The swap cache: slot -> the page holding its contents.
  std::unordered_map<std::uint64_t, Pfn> cache;
  // Workingset shadows of slots whose page was reclaimed (the swap table's values).
  std::unordered_map<std::uint64_t, std::uint64_t> shadows;
  // Slots whose page was all zeros when written: nothing was written (swpout_zero).
  std::vector<bool> zeromap;
  // swap_cgroup: the memory cgroup each slot's swap charge went to (0: none).
  std::vector<std::uint16_t> swap_cgroup;

 private:
  enum class ListKind : std::uint8_t { none, free, nonfull, frag, full };  // none: isolated, being scanned
  struct Cluster {
    unsigned count = 0;  // slots in use (the header and slots beyond the end included)
    ListKind list = ListKind::free;
  };
  std::deque<unsigned>& list_of(ListKind k);
  // move_cluster(): to the tail of `to`.
  void move_cluster(unsigned c, ListKind to);
  // relocate_cluster(): to the list its count says.
  void relocate(unsigned c);
  // alloc_swap_scan_cluster(): the first free slot of cluster `c` at or after `from`.
  std::optional<std::uint64_t> scan_cluster(unsigned c, std::uint64_t from, std::uint64_t& hint);
  // alloc_swap_scan_list(): clusters taken from the head of a list.
  std::optional<std::uint64_t> scan_list(ListKind k, bool scan_all, std::uint64_t& hint);
  void free_slot(std::uint64_t offset);

  unsigned type_;
  std::string name_;
  bool is_file_;
  int priority_;
  bool rotational_;
  unsigned cluster_pages_;
  std::shared_ptr<SwapBacking> backing_;
  std::vector<std::uint8_t> map_;  // swap_map: a byte per slot
  // References past SWAP_MAP_MAX of the slots whose byte has COUNT_CONTINUED (the
  // continuation pages' counts). Kept by dup() and put_ref().
  std::unordered_map<std::uint64_t, unsigned> continued_;
  std::vector<Cluster> clusters_;
  std::deque<unsigned> free_, nonfull_, frag_, full_;
  std::vector<std::uint64_t> hints_;  // the next slot to try: one per CPU, or hints_[0] for all (0: none)
  std::uint64_t pages_ = 0;
  std::uint64_t inuse_ = 0;
};

}  // namespace vmlab::mm
