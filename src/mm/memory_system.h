// The machine-wide memory-manager state, what Linux keeps in its node and zone
// structures and globals: the frame table, the buddy allocator, the LRU lists, the
// counters, the watermarks, commit accounting and the shared zero page.
#pragma once

#include <cstdint>

#include "mm/shmem.h"
#include "hw/block_device.h"
#include "hw/clock.h"
#include "hw/mmu.h"
#include "hw/physical_memory.h"
#include "mm/buddy_allocator.h"
#include "mm/frame.h"
#include "mm/kernel_hooks.h"
#include "mm/kswapd.h"
#include "mm/lru.h"
#include "mm/lru_batch.h"
#include "mm/memcontrol.h"
#include "mm/page_io.h"
#include "mm/swap_info.h"
#include "mm/swap_readahead.h"
#include "mm/zone.h"
#include "vmlab/events.h"
#include "obs/vm_stat.h"
#include "vmlab/config.h"

namespace vmlab::mm {

struct Watermarks {
  std::uint64_t min = 0, low = 0, high = 0;  // pages
};

// What reclaim remembers about the node between passes (pgdat->flags), set by kswapd's
// passes and cleared when it finds the node balanced.
struct NodeReclaimState {
  bool writeback = false;  // PGDAT_WRITEBACK: kswapd isolated only pages under writeback
  bool dirty = false;      // PGDAT_DIRTY: kswapd isolated only dirty, unqueued file pages
  bool congested = false;  // LRUVEC_NODE_CONGESTED: every dirty page was already queued for reclaim
};

class MemorySystem {
 public:
  MemorySystem(const MachineConfig& config, hw::PhysicalMemory& mem, hw::Mmu& mmu);

  const MachineConfig& config() const { return config_; }
  hw::PhysicalMemory& mem() { return mem_; }
  hw::Mmu& mmu() { return mmu_; }
  FrameTable& frames() { return frames_; }
  const FrameTable& frames() const { return frames_; }
  Frame& frame(Pfn pfn) { return frames_[pfn]; }
  BuddyAllocator& buddy() { return buddy_; }
  const BuddyAllocator& buddy() const { return buddy_; }
  // The LRU lists a page is on (or goes on): its memory cgroup's.
  Lruvec& lruvec(Pfn pfn) { return memcg(frames_[pfn].memcg).lruvec; }
  // The node's pages on list `l`, every memory cgroup's together (NR_LRU_BASE + l).
  std::uint64_t lru_size(LruList l) const;
  LruBatches& lru_batches() { return lru_batches_; }
  const LruBatches& lru_batches() const { return lru_batches_; }
  // Memory cgroups by id; id 0 (a page charged to none) stands for the root.
  MemCgroup& memcg(std::uint16_t id) { return *memcgs_[id == 0 ? kRootMemcg : id]; }
  MemCgroup& root_memcg() { return *memcgs_[kRootMemcg]; }
  // `root` and every group below it, parents before children (mem_cgroup_iter()).
  std::vector<MemCgroup*> memcg_subtree(MemCgroup& root);
  const std::vector<std::unique_ptr<MemCgroup>>& memcgs() const { return memcgs_; }
  // Pages on list `l` of `cg` and of the groups below it (lruvec_page_state(), which
  // Linux keeps hierarchically: the root's is the node's).
  std::uint64_t lru_size(const MemCgroup& cg, LruList l) const;
  // The swap areas.
  SwapInfo& swap() { return swap_; }
  const SwapInfo& swap() const { return swap_; }
  // mem_cgroup_get_nr_swap_pages(): the free slots `cg` may still take, limited by its
  // swap.max and every ancestor's.
  std::uint64_t swap_headroom(const MemCgroup& cg) const;
  // The device the swap areas are on (memory.swap_device), and the page I/O in flight.
  hw::BlockDevice& swap_device() { return swap_device_; }
  NodeReclaimState& reclaim_state() { return reclaim_state_; }
  // vm.swappiness and vm.page-cluster.
  int swappiness() const { return swappiness_; }
  void set_swappiness(int v) { swappiness_ = v; }  // /proc/sys/vm/swappiness, 0..200 checked by the writer
  unsigned page_cluster() const { return static_cast<unsigned>(config_.page_cluster); }
  // The global swap readahead state (cluster readahead).
  SwapReadaheadState& swap_readahead() { return swap_ra_; }
  // The kernel above, once it is there (null before: nothing to wake).
  void set_kernel_hooks(KernelHooks* k) { hooks_ = k; }
  void wake_flusher() {
    if (hooks_) hooks_->wake_flusher();
  }
  OomOutcome out_of_memory(Gfp gfp, MemCgroup* memcg = nullptr) {
    return hooks_ ? hooks_->out_of_memory(gfp, memcg) : OomOutcome::none;
  }
  // The node's kswapd (mm/kswapd.h).
  KswapdState& kswapd() { return kswapd_; }
  const KswapdState& kswapd() const { return kswapd_; }
  // An allocation that may use zones up to `z` had to reclaim (allocstall_*).
  void count_allocstall(ZoneIdx z);
  IoCompletions& io() { return io_; }
  const IoCompletions& io() const { return io_; }
  obs::VmStat& stat() { return stat_; }
  const obs::VmStat& stat() const { return stat_; }
  obs::EventBus& events() { return events_; }
  // A deleted shmem file backing one shared anonymous mapping (shmem_zero_setup()),
  // charged for commit unless `noreserve`; null when the charge is refused.
  std::shared_ptr<fs::OpenFile> shmem_zero_file(std::uint64_t size, bool noreserve, std::uint64_t mm_total_vm,
                                                bool cap_sys_admin);
  // What an inode leaves behind when it goes: its cached pages and its commit charge.
  void evict_inode(fs::Inode& inode);

  Pfn zero_pfn() const { return zero_pfn_; }

  // The virtual clock: work is priced by the cost model (faults, zeroing, copying,
  // disk requests) on the CPU doing it.
  hw::Clock& clock() { return clock_; }
  const hw::Clock& clock() const { return clock_; }
  std::uint64_t total_pages() const { return total_pages_; }  // totalram_pages(): managed frames
  const Watermarks& watermarks() const { return wmark_; }
  std::uint64_t min_free_kbytes() const { return min_free_kbytes_; }

  // A frame for data, or kNoPfn when memory is exhausted. Contents undefined. Takes
  // the allocation path (mm/page_alloc.h): below the low watermark it wakes kswapd,
  // below min it reclaims and may call the OOM killer, so the caller must hold a
  // reference on any page it still needs and recheck the PTEs it read before.
  Pfn alloc_page(Gfp gfp = Gfp::user);
  // A page off the free lists regardless of watermarks (the allocation path's last
  // step), counted in pgalloc. Free memory must not be empty.
  Pfn take_free_page();
  // A zeroed data frame (contents kept only when the machine keeps contents).
  Pfn alloc_zeroed_page();
  // A zeroed page-table frame, counted in PageTables.
  Pfn alloc_table_page();
  void free_table_page(Pfn pfn);
  // Takes a reference on a page (get_page()).
  void get_page(Pfn pfn) { ++frames_[pfn].refcount; }
  // Drops a reference; at zero the frame leaves its LRU list and is freed.
  void put_page(Pfn pfn);

  // si_mem_available(): the MemAvailable estimate, in pages.
  std::uint64_t available_pages() const;

  // Commit accounting (mm/util.c), in pages.
  std::int64_t committed_pages() const { return committed_; }
  std::uint64_t commit_limit_pages() const;
  // __vm_enough_memory(): charges `pages` if the overcommit policy allows it.
  // `mm_total_vm` is the requesting address space's size, for mode 2's user reserve;
  // the admin reserve is kept back from callers without CAP_SYS_ADMIN.
  bool vm_enough_memory(std::int64_t pages, std::uint64_t mm_total_vm, bool cap_sys_admin);
  void vm_unacct_memory(std::int64_t pages) { committed_ -= pages; }
  std::uint64_t admin_reserve_pages() const;
  std::uint64_t user_reserve_pages() const;

 private:
  const MachineConfig& config_;
  hw::PhysicalMemory& mem_;
  hw::Mmu& mmu_;
  FrameTable frames_;
  BuddyAllocator buddy_;
  LruBatches lru_batches_;
  std::vector<std::unique_ptr<MemCgroup>> memcgs_;  // by id; [0] is null, [1] the root
  SwapInfo swap_;
  hw::BlockDevice swap_device_;
  IoCompletions io_;
  NodeReclaimState reclaim_state_;
  KswapdState kswapd_;
  int swappiness_;  // vm.swappiness: the config's until written
  SwapReadaheadState swap_ra_;
  KernelHooks* hooks_ = nullptr;
  obs::VmStat stat_;
  obs::EventBus events_;
  mm::ShmemMount shm_;
  Pfn zero_pfn_ = 0;
  std::uint64_t total_pages_ = 0;
  std::uint64_t min_free_kbytes_ = 0;
  Watermarks wmark_;
  std::int64_t committed_ = 0;
  hw::Clock clock_;
};

}  // namespace vmlab::mm
