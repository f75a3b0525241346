#include "mm/address_space.h"

#include <stdexcept>

#include "mm/memory_system.h"
#include "mm/page_table.h"

namespace vmlab::mm {

AddressSpace::AddressSpace(MemorySystem& sys, Layout layout) : sys_(sys) {
  pgd = sys.alloc_table_page();
  if (pgd == kNoPfn) throw std::bad_alloc();
  const MachineConfig& c = sys.config();
  if (layout == Layout::x86_64) {
    task_size = 0x7ffffffff000ULL;  // TASK_SIZE_MAX with 4-level tables
  } else {
    task_size = 0x4000000000ULL;  // riscv64 Sv39 TASK_SIZE
  }
  stack_top = task_size;  // STACK_TOP without randomisation
  // mmap_base() in arch/x86/mm/mmap.c: below the stack by RLIMIT_STACK plus the
  // stack guard gap (and the stack's random range), clamped to [128 MiB, 5/6 of the
  // address space].
  constexpr std::uint64_t kGuardGap = 256 * kPageSize;
  std::uint64_t gap = c.stack_rlimit;
  if (gap + kGuardGap > gap) gap += kGuardGap;
  const std::uint64_t gap_min = 128 * MiB;
  const std::uint64_t gap_max = task_size / 6 * 5;
  gap = gap < gap_min ? gap_min : (gap > gap_max ? gap_max : gap);
  mmap_base = page_align_up(task_size - gap);
}

AddressSpace::~AddressSpace() {
  if (pgd != kNoPfn) free_all_pgtables(*this);
}

void AddressSpace::account_vm(VmFlags flags, std::int64_t pages) {
  // vm_stat_account() with is_exec_mapping/is_stack_mapping/is_data_mapping.
  total_vm += pages;
  if ((flags & (VM_EXEC | VM_WRITE | VM_GROWSDOWN)) == VM_EXEC) {
    exec_vm += pages;
  } else if (flags & VM_GROWSDOWN) {
    stack_vm += pages;
  } else if ((flags & (VM_WRITE | VM_SHARED | VM_GROWSDOWN)) == VM_WRITE) {
    data_vm += pages;
  }
}

}  // namespace vmlab::mm
