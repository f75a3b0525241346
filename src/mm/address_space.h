// mm_struct: one address space. Its VMAs, the root of its page tables, its RSS counters
// and the layout values /proc shows (code, data, brk, stack, arguments).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "mm/vma_tree.h"
#include "vmlab/config.h"
#include "vmlab/units.h"

namespace vmlab::mm {

class MemorySystem;

// The per-mm RSS counters (enum in include/linux/mm_types_task.h).
enum class RssKind : unsigned { file, anon, swapents, shmem };

class AddressSpace {
 public:
  AddressSpace(MemorySystem& sys, Layout layout);
  ~AddressSpace();
  AddressSpace(const AddressSpace&) = delete;
  AddressSpace& operator=(const AddressSpace&) = delete;

  MemorySystem& sys() { return sys_; }
  VmaTree vmas;
  Pfn pgd = kNoPfn;

  std::int64_t rss(RssKind k) const { return rss_[static_cast<unsigned>(k)]; }
  void add_rss(RssKind k, std::int64_t pages) {
    if (pages < 0) update_hiwater_rss();
    rss_[static_cast<unsigned>(k)] += pages;
  }
  // get_mm_rss(): resident pages (file + anon + shmem).
  std::uint64_t rss_pages() const {
    return static_cast<std::uint64_t>(rss(RssKind::file) + rss(RssKind::anon) + rss(RssKind::shmem));
  }
  void update_hiwater_rss() { hiwater_rss = std::max(hiwater_rss, rss_pages()); }
  void update_hiwater_vm() { hiwater_vm = std::max(hiwater_vm, total_vm); }
  std::uint64_t peak_rss() const { return std::max(hiwater_rss, rss_pages()); }
  std::uint64_t peak_vm() const { return std::max(hiwater_vm, total_vm); }

  // vm_stat_account(): total_vm and the data/exec/stack split, in pages.
  void account_vm(VmFlags flags, std::int64_t pages);

  std::uint64_t hiwater_rss = 0;
  std::uint64_t hiwater_vm = 0;
  std::uint64_t total_vm = 0;
  std::uint64_t locked_vm = 0;
  std::uint64_t pinned_vm = 0;
  std::uint64_t data_vm = 0;
  std::uint64_t exec_vm = 0;
  std::uint64_t stack_vm = 0;
  std::uint64_t pgtables_bytes = 0;  // PUD, PMD and PTE tables (VmPTE)

  VirtAddr start_code = 0, end_code = 0, start_data = 0, end_data = 0;
  VirtAddr start_brk = 0, brk = 0, start_stack = 0;
  VirtAddr arg_start = 0, arg_end = 0, env_start = 0, env_end = 0;
  VirtAddr mmap_base = 0;
  VirtAddr task_size = 0;
  VirtAddr stack_top = 0;

  int users = 1;  // mm_users: tasks sharing it (vfork, CLONE_VM)
  // The memory cgroup of the mm's owner (mm->owner's): what its faults are charged to
  // and which reclaim may age its pages. Set when the owning process moves.
  std::uint16_t memcg = 1;
  // MMF_OOM_SKIP: the OOM killer has taken this address space's memory; it is never
  // chosen again. Set by the OOM killer.
  bool oom_skip = false;
  // The owner is privileged (root: CAP_SYS_ADMIN, CAP_SYS_RAWIO): overcommit mode 2
  // keeps no admin reserve back from it and it may map below mmap_min_addr.
  bool cap_sys_admin = false;

 private:
  MemorySystem& sys_;
  std::array<std::int64_t, 4> rss_{};
};

}  // namespace vmlab::mm
