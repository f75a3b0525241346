// dup_mm(): the address space a forked child starts with.
#pragma once

#include <memory>

#include "vmlab/result.h"

namespace vmlab::mm {
class AddressSpace;
class MemorySystem;
}  // namespace vmlab::mm

namespace vmlab::kern {

// A copy of `old` as fork makes it (dup_mmap()): every VMA but VM_DONTCOPY ones, page
// tables copied where the child could not refault them, private pages write-protected
// on both sides, the parent's TLBs flushed. ENOMEM when the commit charge or a page
// table cannot be had (the copy is undone).
Result<std::shared_ptr<mm::AddressSpace>> dup_mm(mm::MemorySystem& sys, mm::AddressSpace& old);

}  // namespace vmlab::kern
