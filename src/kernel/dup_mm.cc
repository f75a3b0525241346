// dup_mm() for fork: kernel/fork.c dup_mmap() and mm/memory.c copy_page_range().
// Private pages are shared write-protected; shared and never-written file mappings
// are left for the child to refault.
#include "kernel/dup_mm.h"

#include "fs/inode.h"
#include "hw/mmu.h"
#include "mm/address_space.h"
#include "mm/memory_system.h"
#include "mm/anon_vma.h"
#include "mm/page_table.h"
#include "mm/rmap.h"
#include "mm/swap_state.h"
#include "mm/vma_ops.h"

namespace vmlab::kern {

namespace {

// copy_pte_range(): copy_present_pte() for every entry of `src`'s range, a leaf table
// at a time. False when the child's page tables could not be allocated.
bool copy_page_range(mm::MemorySystem& sys, mm::AddressSpace& dst_mm, mm::AddressSpace& src_mm, const mm::Vma& src) {
  // Both sides lose write access to private pages: the next write copies. The child's
  // entries start old, and clean in shared mappings.
  const hw::Pte wrprotect = src.is_cow() ? hw::kPteWrite : 0;
  const hw::Pte child_clear = wrprotect | hw::kPteAccessed | ((src.flags & mm::VM_SHARED) ? hw::kPteDirty : 0);
  mm::FrameTable& frames = sys.frames();
  std::int64_t anon_pages = 0;  // added to the child's RSS once, at the end
  std::int64_t swap_entries = 0;  // and its swap entries
  bool ok = true;
  mm::for_each_pte_table(src_mm, src.start, src.end, [&](VirtAddr va, hw::Pte* ptes, std::uint64_t n) {
    if (!ok) return;
    // The child's table for this span, allocated before the entries are read: the
    // allocation may reclaim and change them (copy_pte_range() allocates first too).
    std::uint64_t first = 0;
    while (first < n && hw::pte_none(ptes[first])) ++first;
    if (first == n) return;
    hw::Pte* dst = mm::pte_alloc(dst_mm, va + (first << kPageShift));
    if (dst == nullptr) {
      ok = false;
      return;
    }
    dst -= first;
    for (std::uint64_t i = first; i < n; ++i) {
      const hw::Pte pte = ptes[i];
      if (hw::pte_none(pte)) continue;
      if (hw::is_swap_pte(pte)) {
        // copy_nonpresent_pte(): parent and child share the slot, and neither owns
        // the page alone any more.
        mm::swap_duplicate(sys, hw::pte_swap_entry(pte));
        ++swap_entries;
        const hw::Pte shared = pte & ~hw::kPteSwpExclusive;
        ptes[i] = shared;
        dst[i] = shared;
        continue;
      }
      if (!hw::pte_special(pte)) {
        const Pfn pfn = hw::pte_pfn(pte);
        mm::Frame& page = frames[pfn];
        if (page.anon()) {
          mm::rmap_dup(sys, pfn);
          ++anon_pages;
        } else {
          mm::rmap_add_file(sys, pfn);
          dst_mm.add_rss(page.inode()->is_shmem() ? mm::RssKind::shmem : mm::RssKind::file, 1);
        }
      }
      if (pte & wrprotect) ptes[i] = pte & ~wrprotect;
      dst[i] = pte & ~child_clear;
    }
  });
  dst_mm.add_rss(mm::RssKind::anon, anon_pages);
  dst_mm.add_rss(mm::RssKind::swapents, swap_entries);
  return ok;
}

// vma_needs_copy(): only VMAs that cannot simply be refaulted copy their entries.
bool needs_copy(const mm::Vma& v) { return v.anon_vma != nullptr || (v.flags & (mm::VM_PFNMAP | mm::VM_MIXEDMAP)); }

}  // namespace

Result<std::shared_ptr<mm::AddressSpace>> dup_mm(mm::MemorySystem& sys, mm::AddressSpace& old) {
  auto child_mm = std::make_shared<mm::AddressSpace>(sys, sys.config().layout);
  mm::AddressSpace& mm = *child_mm;
  // dup_mm(): the layout and counters come along; RSS and locked_vm start from zero.
  mm.start_code = old.start_code, mm.end_code = old.end_code;
  mm.start_data = old.start_data, mm.end_data = old.end_data;
  mm.start_brk = old.start_brk, mm.brk = old.brk, mm.start_stack = old.start_stack;
  mm.arg_start = old.arg_start, mm.arg_end = old.arg_end;
  mm.env_start = old.env_start, mm.env_end = old.env_end;
  mm.mmap_base = old.mmap_base, mm.task_size = old.task_size, mm.stack_top = old.stack_top;
  mm.total_vm = old.total_vm, mm.data_vm = old.data_vm;
  mm.exec_vm = old.exec_vm, mm.stack_vm = old.stack_vm;
  mm.cap_sys_admin = old.cap_sys_admin;

  bool failed = false;
  for (mm::Vma& v : old.vmas) {
    if (v.flags & mm::VM_DONTCOPY) {
      mm.account_vm(v.flags, -static_cast<std::int64_t>(v.pages()));
      continue;
    }
    if (v.flags & mm::VM_ACCOUNT) {
      // Private writable memory is charged again for the child.
      if (!sys.vm_enough_memory(static_cast<std::int64_t>(v.pages()), old.total_vm, old.cap_sys_admin)) {
        failed = true;
        break;
      }
    }
    auto tmp = std::make_unique<mm::Vma>();
    tmp->start = v.start;
    tmp->end = v.end;
    tmp->flags = v.flags & ~(mm::VM_LOCKED | mm::VM_LOCKONFAULT);
    tmp->pgoff = v.pgoff;
    tmp->file = v.file;
    tmp->anon_name = v.anon_name;
    tmp->writenotify = v.writenotify;
    if (!(v.flags & mm::VM_WIPEONFORK)) mm::AnonVma::fork(*tmp, v);
    mm::vma_link(mm, std::move(tmp));
    // A wiped VMA starts empty in the child: nothing to copy.
    if (!(v.flags & mm::VM_WIPEONFORK) && needs_copy(v)) {
      if (!copy_page_range(sys, mm, old, v)) {
        failed = true;
        break;
      }
    }
  }
  // The parent's entries were write-protected: flush its TLBs (flush_tlb_mm()).
  sys.mmu().flush_mm(&old);
  if (failed) {
    // Undo: the child's VMAs carry the charges made so far.
    while (!mm.vmas.empty()) (void)mm::unmap_range(mm, mm.vmas.begin()->start, mm.vmas.begin()->end);
    return Errno::nomem;
  }
  // dup_mm(): the child's peaks start at what it has now, not at the parent's (seen on
  // 6.18: VmHWM equals the child's VmRSS and VmPeak its VmSize right after fork).
  mm.hiwater_rss = mm.rss_pages();
  mm.hiwater_vm = mm.total_vm;

  return child_mm;
}

}  // namespace vmlab::kern
