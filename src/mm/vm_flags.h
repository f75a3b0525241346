// VMA flags with Linux's bit values (include/linux/mm.h, x86-64), so VmFlags in smaps
// and the merge rules read the same as in the kernel.
#pragma once

#include <cstdint>

namespace vmlab::mm {

using VmFlags = std::uint64_t;

inline constexpr VmFlags VM_NONE = 0;
inline constexpr VmFlags VM_READ = 0x00000001;
inline constexpr VmFlags VM_WRITE = 0x00000002;
inline constexpr VmFlags VM_EXEC = 0x00000004;
inline constexpr VmFlags VM_SHARED = 0x00000008;
inline constexpr VmFlags VM_MAYREAD = 0x00000010;
inline constexpr VmFlags VM_MAYWRITE = 0x00000020;
inline constexpr VmFlags VM_MAYEXEC = 0x00000040;
inline constexpr VmFlags VM_MAYSHARE = 0x00000080;
inline constexpr VmFlags VM_GROWSDOWN = 0x00000100;
inline constexpr VmFlags VM_UFFD_MISSING = 0x00000200;
inline constexpr VmFlags VM_PFNMAP = 0x00000400;
inline constexpr VmFlags VM_UFFD_WP = 0x00001000;
inline constexpr VmFlags VM_LOCKED = 0x00002000;
inline constexpr VmFlags VM_IO = 0x00004000;
inline constexpr VmFlags VM_SEQ_READ = 0x00008000;
inline constexpr VmFlags VM_RAND_READ = 0x00010000;
inline constexpr VmFlags VM_DONTCOPY = 0x00020000;
inline constexpr VmFlags VM_DONTEXPAND = 0x00040000;
inline constexpr VmFlags VM_LOCKONFAULT = 0x00080000;
inline constexpr VmFlags VM_ACCOUNT = 0x00100000;
inline constexpr VmFlags VM_NORESERVE = 0x00200000;
inline constexpr VmFlags VM_HUGETLB = 0x00400000;
inline constexpr VmFlags VM_SYNC = 0x00800000;
inline constexpr VmFlags VM_ARCH_1 = 0x01000000;
inline constexpr VmFlags VM_WIPEONFORK = 0x02000000;
inline constexpr VmFlags VM_DONTDUMP = 0x04000000;
inline constexpr VmFlags VM_SOFTDIRTY = 0x08000000;
inline constexpr VmFlags VM_MIXEDMAP = 0x10000000;
inline constexpr VmFlags VM_HUGEPAGE = 0x20000000;
inline constexpr VmFlags VM_NOHUGEPAGE = 0x40000000;
inline constexpr VmFlags VM_MERGEABLE = 0x80000000;

// Flags that keep a VMA from merging with its neighbours (VM_SPECIAL).
inline constexpr VmFlags VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP;
// mprotect may change only these.
inline constexpr VmFlags VM_ACCESS_FLAGS = VM_READ | VM_WRITE | VM_EXEC;

}  // namespace vmlab::mm
