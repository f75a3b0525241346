// The page-fault handler (arch/x86/mm/fault.c do_user_addr_fault() and mm/memory.c
// handle_mm_fault()): finds the VMA, checks the access, grows the stack, and resolves
// the fault by kind: demand zero, the zero page, file read with fault-around, private
// copy of a file page, shared write, copy-on-write or its reuse.
#pragma once

#include <cstdint>

#include "hw/mmu.h"
#include "vmlab/events.h"
#include "vmlab/signal.h"
#include "vmlab/units.h"

namespace vmlab::mm {

class AddressSpace;

struct FaultResult {
  obs::FaultKind kind = obs::FaultKind::spurious;
  bool major = false;     // VM_FAULT_MAJOR: the page was read from the backing store
  bool counted = false;   // reached handle_mm_fault(): counts in pgfault
  SigInfo signal;         // signo none: resolved
  bool ok() const { return signal.signo == Signal::none; }
  // mm_account_fault(): the task's minflt/majflt count resolved faults only.
  bool counts_for_task() const { return counted && ok(); }
};

// do_user_addr_fault() for a user access of `type` at `addr` that the MMU refused
// with `error_code`. Counts pgfault and pgmajfault system-wide.
FaultResult handle_user_fault(AddressSpace& mm, VirtAddr addr, hw::AccessType type, unsigned error_code);

// handle_mm_fault(): resolves a fault at `addr` inside `vma` (already checked), as a
// user fault or on behalf of get_user_pages (MAP_POPULATE). Counts pgfault.
struct Vma;
FaultResult handle_mm_fault(AddressSpace& mm, Vma& vma, VirtAddr addr, bool write);

// The PTE protection bits for a VMA's flags (vm_get_page_prot() on x86-64): private
// writable mappings are read-only until a write copies; PROT_NONE is not present.
hw::Pte vm_page_prot(std::uint64_t vm_flags, bool writenotify);

// expand_downwards(): grows a VM_GROWSDOWN VMA down to `addr`. False if a limit or a
// neighbour's guard gap forbids it.
bool expand_stack(AddressSpace& mm, Vma& vma, VirtAddr addr);

inline constexpr std::uint64_t kStackGuardGap = 256 * kPageSize;  // stack_guard_gap

}  // namespace vmlab::mm
