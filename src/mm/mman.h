// The memory-mapping system calls on one address space, with Linux's argument checks
// and errno values: mmap, munmap, mprotect, mremap, madvise, msync, brk, and the
// page population of MAP_POPULATE. One file each implements them (mmap.cc, ...).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "vmlab/result.h"
#include "vmlab/units.h"

namespace vmlab::fs {
class OpenFile;
}

namespace vmlab::mm {

class AddressSpace;
struct Vma;

// Faults taken on behalf of the caller (populate, mlock): they count in its minflt
// and majflt like its own faults do.
struct FaultTally {
  std::uint64_t minor = 0;
  std::uint64_t major = 0;
};

struct MmapArgs {
  VirtAddr addr = 0;
  std::uint64_t length = 0;
  int prot = 0;
  int flags = 0;
  std::shared_ptr<fs::OpenFile> file;  // null with MAP_ANONYMOUS
  std::uint64_t offset = 0;            // bytes
};

// do_mmap(): the address of the new mapping. The caller resolved the descriptor
// (EBADF) and checked the offset's alignment; `tally` receives MAP_POPULATE's faults.
Result<VirtAddr> do_mmap(AddressSpace& mm, const MmapArgs& args, FaultTally* tally);
Result<void> do_munmap(AddressSpace& mm, VirtAddr addr, std::uint64_t length);
Result<void> do_mprotect(AddressSpace& mm, VirtAddr addr, std::uint64_t length, int prot);
Result<VirtAddr> do_mremap(AddressSpace& mm, VirtAddr old_addr, std::uint64_t old_len, std::uint64_t new_len,
                           int flags, VirtAddr new_addr);
Result<void> do_madvise(AddressSpace& mm, VirtAddr addr, std::uint64_t length, int advice, FaultTally* tally);
Result<void> do_msync(AddressSpace& mm, VirtAddr addr, std::uint64_t length, int flags);
// mincore(): one byte per page of [start, start + len), 1 for resident; EINVAL for
// an unaligned start, ENOMEM for a range outside the address space or a hole.
Result<std::vector<std::uint8_t>> do_mincore(AddressSpace& mm, VirtAddr start, std::uint64_t len);
// The brk system call: the new break, or the old one when the request is refused
// (glibc turns that into ENOMEM).
VirtAddr do_brk(AddressSpace& mm, VirtAddr brk);

// get_unmapped_area(): where a mapping of `length` bytes would go.
Result<VirtAddr> get_unmapped_area(AddressSpace& mm, const fs::OpenFile* file, VirtAddr hint, std::uint64_t length,
                                   std::uint64_t pgoff, int flags);
// populate_vma_page_range(): faults in [start, end) as get_user_pages does.
Result<void> populate_range(AddressSpace& mm, VirtAddr start, VirtAddr end, FaultTally* tally);
// calc_vm_prot_bits()
std::uint64_t prot_to_vm_flags(int prot);
// Whether charging a VMA with these flags for commit (accountable_mapping()).
bool accountable(std::uint64_t vm_flags);

}  // namespace vmlab::mm
