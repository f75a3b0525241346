// The page cache of a file (mm/filemap.c, mm/readahead.c, mm/page-writeback.c): pages
// are looked up by offset, read in from the backing store with read-around on a miss,
// marked dirty by writes, and written back on fsync, msync and sync.
#pragma once

#include <cstdint>
#include <vector>

#include "fs/inode.h"
#include "vmlab/units.h"

namespace vmlab::mm {

class MemorySystem;

// The cached page at `index`, or kNoPfn.
inline Pfn page_cache_find(const fs::Inode& inode, std::uint64_t index) {
  auto it = inode.pages.find(index);
  return it == inode.pages.end() ? kNoPfn : it->second;
}

struct CacheRead {
  Pfn pfn = kNoPfn;      // kNoPfn: no memory
  bool major = false;    // the page was not cached: it had to be read from the backing store
  bool retried = false;  // filemap_fault() read a page (a miss, or a cached page not
                         // uptodate) and made the fault retry (VM_FAULT_RETRY)
  // Pages of the window whose read is still in flight when the fault retries (see
  // page_cache_get()). Not uptodate until page_cache_reads_done().
  std::vector<Pfn> in_flight;
};

// The pages a miss reads in (do_sync_mmap_readahead()'s window): [start, start + count),
// clipped to the file. A count of 0 reads the missing page alone.
struct ReadWindow {
  std::uint64_t start = 0;
  std::uint64_t count = 0;
};

// filemap_fault()'s lookup: the page at `index`, reading it in on a miss together with
// the rest of `window` (which holds `index`). Shmem pages are created zero-filled,
// never major. As ext4_mpage_readpages(): a hole page is zeroed and uptodate at once,
// on-disk pages are read by bios the fault waits for through its own page: when that
// page is a hole, the fault retries with the window's reads still in flight (seen on
// 6.18; when it is on disk, the whole window has been read by then).
CacheRead page_cache_get(MemorySystem& sys, fs::Inode& inode, std::uint64_t index, ReadWindow window = {});
// The in-flight reads of `read` complete: their pages become uptodate.
void page_cache_reads_done(MemorySystem& sys, CacheRead& read);
// A page for a write at `index`: cached, read in, or new. Never counts as major.
Pfn page_cache_get_for_write(MemorySystem& sys, fs::Inode& inode, std::uint64_t index);

// ext4's __ext4_block_zero_page_range() for the 4 KiB block holding `pos`, when a size
// change leaves `pos` inside a page: a truncate down to `pos`, or a truncate or a write
// growing the file from an old size `pos`. Over a hole nothing happens beyond the page
// cache gaining a page that is not uptodate (the folio is created to look at its
// buffer); over data the block is read when not cached (the page stays not uptodate:
// only its buffer is), its tail is zeroed and the page is dirty. Not for shmem or
// hostfs inodes.
void page_cache_zero_block_tail(MemorySystem& sys, fs::Inode& inode, std::uint64_t pos);

// folio_mark_dirty(): a dirty page-cache page (disk-backed files only count in Dirty).
void page_cache_mark_dirty(MemorySystem& sys, fs::Inode& inode, Pfn pfn);
// Writes back the dirty pages of [first, last] (inclusive page offsets): the PTEs
// mapping them are cleaned and write-protected first (folio_mkclean()), so the next
// write through a shared mapping faults and dirties the page again. Returns pages written.
std::uint64_t page_cache_writeback(MemorySystem& sys, fs::Inode& inode, std::uint64_t first, std::uint64_t last);

// __filemap_remove_folio() for reclaim: the clean, unmapped page `pfn` leaves the cache
// and its reference goes; `shadow` (0: none) stays in its slot for workingset
// detection when the page is read again.
void page_cache_evict(MemorySystem& sys, fs::Inode& inode, Pfn pfn, std::uint64_t shadow);
// Removes unmapped page-cache pages at or after `from` (truncate_inode_pages_range());
// the caller has unmapped them.
void page_cache_remove_from(MemorySystem& sys, fs::Inode& inode, std::uint64_t from);
// Frees the cached pages and the stored blocks of [first, last]: the range reads as
// zeros afterwards (FALLOC_FL_PUNCH_HOLE). The caller has unmapped them.
void page_cache_punch_hole(MemorySystem& sys, fs::Inode& inode, std::uint64_t first, std::uint64_t last);
// Drops clean, unmapped cached pages of [first, last] (invalidate_mapping_pages()).
std::uint64_t page_cache_invalidate(MemorySystem& sys, fs::Inode& inode, std::uint64_t first, std::uint64_t last);

}  // namespace vmlab::mm
