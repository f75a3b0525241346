// brk(2): mm/mmap.c SYSCALL_DEFINE1(brk) and do_brk_flags(). The heap is an anonymous
// VMA from start_brk, grown by extending it and shrunk by unmapping its tail.
#include "mm/address_space.h"
#include "mm/memory_system.h"
#include "mm/mman.h"
#include "mm/fault.h"
#include "mm/vma_ops.h"

namespace vmlab::mm {

namespace {

// do_brk_flags(): extends the heap VMA ending at `addr`, or creates one.
bool brk_expand(AddressSpace& mm, VirtAddr addr, std::uint64_t len) {
  MemorySystem& sys = mm.sys();
  const VmFlags flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT;
  const std::uint64_t pages = len >> kPageShift;
  if ((mm.data_vm + pages) << kPageShift > sys.config().data_rlimit) return false;
  if (mm.vmas.size() > sys.config().max_map_count) return false;
  if (!sys.vm_enough_memory(static_cast<std::int64_t>(pages), mm.total_vm, mm.cap_sys_admin)) return false;
  Vma* prev = addr > 0 ? mm.vmas.find_containing(addr - 1) : nullptr;
  if (prev && prev->start >= mm.start_brk && prev->end == addr && prev->is_anonymous() && prev->flags == flags &&
      prev->anon_chain.size() <= 1) {
    prev->end = addr + len;
  } else {
    auto vma = std::make_unique<Vma>();
    vma->start = addr;
    vma->end = addr + len;
    vma->flags = flags;
    vma->pgoff = addr >> kPageShift;
    vma_link(mm, std::move(vma));
  }
  mm.account_vm(flags, static_cast<std::int64_t>(pages));
  return true;
}

}  // namespace

VirtAddr do_brk(AddressSpace& mm, VirtAddr brk) {
  const VirtAddr origbrk = mm.brk;
  if (brk < mm.start_brk) return origbrk;
  // check_data_rlimit(): the heap and the data segment together.
  const std::uint64_t rlim = mm.sys().config().data_rlimit;
  if (rlim != ~0ULL && (brk - mm.start_brk) + (mm.end_data - mm.start_data) > rlim) return origbrk;
  const VirtAddr newbrk = page_align_up(brk);
  const VirtAddr oldbrk = page_align_up(mm.brk);
  if (oldbrk == newbrk) {
    mm.brk = brk;
    return brk;
  }
  if (brk <= mm.brk) {  // shrinking is always allowed
    Vma* heap = mm.vmas.find_intersecting(newbrk, oldbrk);
    if (heap == nullptr || heap->start >= oldbrk) return origbrk;
    mm.brk = brk;
    if (!unmap_range(mm, newbrk, oldbrk)) {
      mm.brk = origbrk;
      return origbrk;
    }
    return brk;
  }
  // Keep a page and the stack guard gap free above the new break.
  if (Vma* next = mm.vmas.find(oldbrk)) {
    const VirtAddr gap_start = (next->flags & VM_GROWSDOWN) ? next->start - kStackGuardGap : next->start;
    if (next->start < newbrk + kPageSize + kStackGuardGap && newbrk + kPageSize > gap_start) return origbrk;
  }
  if (!brk_expand(mm, oldbrk, newbrk - oldbrk)) return origbrk;
  mm.brk = brk;
  return brk;
}

}  // namespace vmlab::mm
