// msync(2): mm/msync.c. MS_SYNC writes back the dirty pages of shared file mappings in
// the range; MS_ASYNC does nothing (the pages are already dirty in the cache);
// MS_INVALIDATE only refuses locked mappings.
#include <algorithm>

#include "mm/filemap.h"
#include "mm/address_space.h"
#include "mm/memory_system.h"
#include "mm/mman.h"
#include "vmlab/mman.h"

namespace vmlab::mm {

Result<void> do_msync(AddressSpace& mm, VirtAddr start, std::uint64_t length, int flags) {
  if (flags & ~(kMsAsync | kMsInvalidate | kMsSync)) return Errno::inval;
  if (!page_aligned(start)) return Errno::inval;
  if ((flags & kMsAsync) && (flags & kMsSync)) return Errno::inval;
  const std::uint64_t len = page_align_up(length);
  const VirtAddr end = start + len;
  if (end < start) return Errno::nomem;
  if (end == start) return {};

  bool hole = false;
  Vma* vma = mm.vmas.find(start);
  for (;;) {
    if (vma == nullptr) return Errno::nomem;
    if (start < vma->start) {
      if (flags == kMsAsync) return Errno::nomem;
      start = vma->start;
      if (start >= end) return Errno::nomem;
      hole = true;
    }
    if ((flags & kMsInvalidate) && (vma->flags & VM_LOCKED)) return Errno::busy;
    const VirtAddr stop = std::min(end, vma->end);
    if ((flags & kMsSync) && vma->file && (vma->flags & VM_SHARED)) {
      // vfs_fsync_range() over the file range this part of the mapping covers.
      mm::page_cache_writeback(mm.sys(), *vma->file->inode, vma->page_index(start), vma->page_index(stop - 1));
    }
    start = vma->end;
    if (start >= end) break;
    vma = mm.vmas.find(start);
  }
  if (hole) return Errno::nomem;
  return {};
}

}  // namespace vmlab::mm
