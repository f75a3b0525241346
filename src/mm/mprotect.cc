// mprotect(2): mm/mprotect.c do_mprotect_pkey(), mprotect_fixup(), change_protection().
#include "fs/inode.h"
#include "mm/address_space.h"
#include "mm/fault.h"
#include "mm/memory_system.h"
#include "mm/mman.h"
#include "mm/page_table.h"
#include "mm/vma_ops.h"
#include "vmlab/mman.h"

namespace vmlab::mm {

namespace {

// can_change_pte_writable(): entries that may become writable without a fault.
bool can_upgrade(MemorySystem& sys, const Vma& vma, hw::Pte pte) {
  if (!(pte & hw::kPtePresent) || hw::pte_special(pte)) return false;
  if (!(vma.flags & VM_SHARED)) {
    const Frame& page = sys.frame(hw::pte_pfn(pte));
    return page.anon() && page.test(PG_anon_exclusive);
  }
  return hw::pte_dirty(pte);
}

// change_protection() over [start, end) of `vma`, which already has its new flags.
void change_protection(AddressSpace& mm, Vma& vma, VirtAddr start, VirtAddr end) {
  MemorySystem& sys = mm.sys();
  const hw::Pte prot = vm_page_prot(vma.flags, vma.writenotify);
  // vma_wants_manual_pte_write_upgrade()
  const bool try_writable = (vma.flags & VM_SHARED) ? vma.writenotify : (vma.flags & VM_WRITE) != 0;
  constexpr hw::Pte kKeep = hw::kPtePfnMask | hw::kPteAccessed | hw::kPteDirty | hw::kPteSpecial;
  bool flush = false;
  for_each_pte(mm, start, end, [&](VirtAddr, hw::Pte& pte) {
    if (!hw::pte_present(pte)) return;
    hw::Pte next = (pte & kKeep) | (prot & ~hw::kPteAccessed);
    if (prot & hw::kPteProtNone) next &= ~hw::kPtePresent;
    if (try_writable && !hw::pte_write(next) && can_upgrade(sys, vma, next)) next |= hw::kPteWrite;
    // A flush is needed when a permission is taken away.
    if ((hw::pte_write(pte) && !hw::pte_write(next)) || (!(pte & hw::kPteNoExec) && (next & hw::kPteNoExec)) ||
        ((pte & hw::kPtePresent) && !(next & hw::kPtePresent))) {
      flush = true;
    }
    pte = next;
  });
  if (flush) sys.mmu().flush_range(&mm, start, end);
}

// mprotect_fixup()
Result<Vma*> fixup(AddressSpace& mm, Vma* vma, VirtAddr start, VirtAddr end, VmFlags new_flags) {
  const VmFlags old_flags = vma->flags;
  if (new_flags == old_flags) return vma;
  MemorySystem& sys = mm.sys();
  const std::int64_t pages = static_cast<std::int64_t>((end - start) >> kPageShift);
  std::int64_t charged = 0;
  if (new_flags & VM_WRITE) {
    // Becoming writable: private memory is charged for commit now.
    if (!(old_flags & (VM_ACCOUNT | VM_WRITE | VM_HUGETLB | VM_SHARED | VM_NORESERVE))) {
      if (!sys.vm_enough_memory(pages, mm.total_vm, mm.cap_sys_admin)) return Errno::nomem;
      charged = pages;
      new_flags |= VM_ACCOUNT;
    }
  } else if ((old_flags & VM_ACCOUNT) && vma->is_anonymous() && vma->anon_vma == nullptr) {
    new_flags &= ~VM_ACCOUNT;
  }
  auto modified = vma_modify_flags(mm, vma, start, end, new_flags);
  if (!modified) {
    sys.vm_unacct_memory(charged);
    return modified.error();
  }
  Vma* v = *modified;
  v->writenotify = (new_flags & (VM_SHARED | VM_WRITE)) == (VM_SHARED | VM_WRITE) && v->file &&
                   !v->file->inode->is_shmem();
  change_protection(mm, *v, start, end);
  if ((old_flags & VM_ACCOUNT) && !(new_flags & VM_ACCOUNT)) sys.vm_unacct_memory(pages);
  mm.account_vm(old_flags, -pages);
  mm.account_vm(new_flags, pages);
  return v;
}

}  // namespace

Result<void> do_mprotect(AddressSpace& mm, VirtAddr start, std::uint64_t length, int prot) {
  const int grows = prot & (kProtGrowsdown | kProtGrowsup);
  prot &= ~(kProtGrowsdown | kProtGrowsup);
  if (grows == (kProtGrowsdown | kProtGrowsup)) return Errno::inval;
  if (!page_aligned(start)) return Errno::inval;
  if (length == 0) return {};
  const std::uint64_t len = page_align_up(length);
  const VirtAddr end = start + len;
  if (end <= start) return Errno::nomem;
  constexpr int kProtSem = 0x8;  // accepted and ignored, as arch_validate_prot() does
  if (prot & ~(kProtRead | kProtWrite | kProtExec | kProtSem)) return Errno::inval;

  Vma* vma = mm.vmas.find(start);
  if (vma == nullptr || vma->start >= end) return Errno::nomem;
  if (grows & kProtGrowsdown) {
    if (!(vma->flags & VM_GROWSDOWN)) return Errno::inval;
    start = vma->start;
  } else if (grows & kProtGrowsup) {
    return Errno::inval;  // no VM_GROWSUP on x86-64 or riscv64
  } else if (vma->start > start) {
    return Errno::nomem;
  }
  VirtAddr pos = start;
  while (pos < end) {
    vma = mm.vmas.find(pos);
    if (vma == nullptr || vma->start > pos) return Errno::nomem;  // a hole: earlier VMAs stay changed
    VmFlags new_flags = prot_to_vm_flags(prot) | (vma->flags & ~VM_ACCESS_FLAGS);
    // The VM_MAY* bits sit four above the access bits: asking beyond them is EACCES.
    if ((new_flags & ~(new_flags >> 4)) & VM_ACCESS_FLAGS) return Errno::acces;
    const VirtAddr stop = vma->end < end ? vma->end : end;
    auto r = fixup(mm, vma, pos, stop, new_flags);
    if (!r) return r.error();
    pos = stop;
  }
  return {};
}

}  // namespace vmlab::mm
