#include "mm/filemap.h"

#include <algorithm>
#include <cstring>

#include "mm/lru_batch.h"
#include "mm/memory_system.h"
#include "mm/rmap.h"
#include "mm/vma.h"
#include "mm/workingset.h"

namespace vmlab::mm {

using obs::NodeStat;
using obs::VmEvent;

namespace {

// Inserts a new page for `index`, filled from the backing store (zero where the store
// has a hole). filemap_add_folio() plus the filesystem's read_folio(). A page read
// where reclaim left a shadow is a refault (not when it is allocated for a write).
Pfn add_page(MemorySystem& sys, fs::Inode& inode, std::uint64_t index, bool for_write = false) {
  Pfn pfn = sys.alloc_page(Gfp::user_cache);
  if (pfn == kNoPfn) return pfn;
  auto stored = inode.store.find(index);
  if (inode.external) {
    // hostfs: the bytes come from the host file (zeros past its end).
    if (sys.mem().data_contents()) inode.external->read_page(index, sys.mem().frame_to_fill(pfn));
    else sys.mem().zero_data(pfn);
  } else if (stored != inode.store.end() && sys.mem().data_contents()) {
    sys.mem().zero(pfn);
    std::memcpy(sys.mem().frame(pfn), stored->second.data(), kPageSize);
  } else {
    sys.mem().zero_data(pfn);
  }
  Frame& f = sys.frame(pfn);
  f.mapping = &inode;
  f.index = index;
  f.flags |= PG_uptodate;
  if (inode.is_shmem()) {
    f.flags |= PG_swapbacked;
    ++sys.stat()[NodeStat::nr_shmem];
  }
  ++sys.stat()[NodeStat::nr_file_pages];
  if (auto shadow = inode.shadows.find(index); shadow != inode.shadows.end()) {
    if (!for_write) workingset_refault(sys, pfn, shadow->second);
    inode.shadows.erase(shadow);
  }
  folio_add_lru(sys, pfn);
  inode.pages.emplace(index, pfn);
  return pfn;
}

}  // namespace

CacheRead page_cache_get(MemorySystem& sys, fs::Inode& inode, std::uint64_t index, ReadWindow window) {
  if (Pfn pfn = page_cache_find(inode, index); pfn != kNoPfn) {
    Frame& f = sys.frame(pfn);
    if (f.test(PG_uptodate)) return {pfn, false, false};
    // filemap_fault()'s page_not_uptodate: read_folio() finds the block's buffer
    // uptodate (or a hole) and completes the folio without I/O; the fault retries.
    f.set(PG_uptodate);
    return {pfn, false, true};
  }
  if (inode.is_shmem()) return {add_page(sys, inode, index), false};  // shmem_fault(): a new page

  // page_cache_ra_order() over the window, within the file.
  const std::uint64_t end_index = inode.size_pages();
  std::uint64_t start = index;
  std::uint64_t count = 1;
  if (window.count > 0) {
    start = window.start;
    count = window.count;
  }
  std::uint64_t read = 0;
  CacheRead result;
  std::vector<Pfn> on_disk;   // the pages read from the disk (not holes)
  bool fault_on_disk = false;  // the faulting page among them
  // The window's new pages are held (locked, on Linux) until the read is issued, so
  // that an allocation reclaiming for a later one cannot take them.
  std::vector<Pfn> held;
  for (std::uint64_t i = start; i < start + count && i < end_index; ++i) {
    if (page_cache_find(inode, i) != kNoPfn) continue;
    const Pfn pfn = add_page(sys, inode, i);
    if (pfn == kNoPfn) break;
    sys.get_page(pfn);
    held.push_back(pfn);
    ++read;
    if (!inode.external && inode.store.count(i) == 0) continue;  // a hole: zeroed here, no I/O
    on_disk.push_back(pfn);
    if (i == index) fault_on_disk = true;
  }
  // The fault waits for its page; when that was a hole, it waits for no I/O at all and
  // the window's reads are still in flight when it retries.
  if (!fault_on_disk) result.in_flight = std::move(on_disk);
  for (Pfn p : result.in_flight) sys.frame(p).clear(PG_uptodate);
  for (Pfn p : held) sys.put_page(p);
  sys.stat()[VmEvent::pgpgin] += read * (kPageSize / 1024);
  if (read > 0) sys.clock().charge(sys.config().cost_disk_read_ns);  // one request for the window
  result.pfn = page_cache_find(inode, index);
  result.major = result.retried = result.pfn != kNoPfn;
  return result;
}

void page_cache_reads_done(MemorySystem& sys, CacheRead& read) {
  for (Pfn p : read.in_flight) sys.frame(p).set(PG_uptodate);
  read.in_flight.clear();
}

Pfn page_cache_get_for_write(MemorySystem& sys, fs::Inode& inode, std::uint64_t index) {
  if (Pfn pfn = page_cache_find(inode, index); pfn != kNoPfn) {
    sys.frame(pfn).set(PG_uptodate);  // write_begin() reads what the write does not cover
    return pfn;
  }
  Pfn pfn = add_page(sys, inode, index, true);
  const bool on_disk = inode.external ? index < inode.size_pages() : inode.store.count(index) != 0;
  if (pfn != kNoPfn && on_disk) sys.stat()[VmEvent::pgpgin] += kPageSize / 1024;
  return pfn;
}

void page_cache_zero_block_tail(MemorySystem& sys, fs::Inode& inode, std::uint64_t pos) {
  const std::uint64_t tail = pos & (kPageSize - 1);
  if (tail == 0 || inode.is_shmem() || inode.external) return;
  const std::uint64_t index = pos >> kPageShift;
  auto stored = inode.store.find(index);
  Pfn pfn = page_cache_find(inode, index);
  // A dirty cached page over a hole is a delayed allocation: its buffer is mapped.
  const bool mapped_block = stored != inode.store.end() || (pfn != kNoPfn && sys.frame(pfn).test(PG_dirty));
  if (pfn == kNoPfn) {
    // __filemap_get_folio(FGP_CREAT): a new order-0 folio, not uptodate.
    pfn = add_page(sys, inode, index);
    if (pfn == kNoPfn) return;
    sys.frame(pfn).clear(PG_uptodate);
    if (mapped_block) {  // ext4_read_bh_lock(): the block is read for its head
      sys.stat()[VmEvent::pgpgin] += kPageSize / 1024;
      sys.clock().charge(sys.config().cost_disk_read_ns);
    }
  }
  if (!mapped_block) return;  // a hole: nothing to zero
  if (sys.mem().data_contents()) std::memset(sys.mem().frame(pfn) + tail, 0, kPageSize - tail);
  if (stored != inode.store.end()) {
    std::fill(stored->second.begin() + static_cast<std::ptrdiff_t>(tail), stored->second.end(), 0);
  }
  page_cache_mark_dirty(sys, inode, pfn);  // mark_buffer_dirty()
}

void page_cache_mark_dirty(MemorySystem& sys, fs::Inode& inode, Pfn pfn) {
  Frame& f = sys.frame(pfn);
  if (f.test(PG_dirty)) return;
  f.set(PG_dirty);
  // shmem's dirty_folio does no accounting: only disk-backed pages count in Dirty.
  if (!inode.is_shmem()) ++sys.stat()[NodeStat::nr_file_dirty];
}

std::uint64_t page_cache_writeback(MemorySystem& sys, fs::Inode& inode, std::uint64_t first, std::uint64_t last) {
  if (inode.is_shmem()) return 0;
  std::uint64_t written = 0;
  for (auto& [index, pfn] : inode.pages) {
    if (index < first || index > last) continue;
    Frame& f = sys.frame(pfn);
    if (!f.test(PG_dirty)) continue;
    // folio_mkclean(): write-protect and clean every PTE so later writes are seen.
    rmap_walk(sys, pfn, [&](Vma& vma, VirtAddr addr, hw::Pte& pte) {
      if (!(pte & (hw::kPteWrite | hw::kPteDirty))) return;
      pte &= ~(hw::kPteWrite | hw::kPteDirty);
      sys.mmu().flush_page(vma.mm, addr);
    });
    if (inode.external) {
      if (sys.mem().data_contents()) inode.external->write_page(index, sys.mem().frame(pfn), inode.size);
    } else {
      auto& block = inode.store[index];
      block.resize(kPageSize);
      if (sys.mem().data_contents()) std::memcpy(block.data(), sys.mem().frame(pfn), kPageSize);
    }
    f.clear(PG_dirty);
    --sys.stat()[NodeStat::nr_file_dirty];
    ++written;
  }
  sys.stat()[VmEvent::pgpgout] += written * (kPageSize / 1024);
  if (written > 0) sys.clock().charge(sys.config().cost_disk_write_ns);
  return written;
}

namespace {
void drop_cached(MemorySystem& sys, fs::Inode& inode, Pfn pfn) {
  Frame& f = sys.frame(pfn);
  if (f.test(PG_dirty)) {
    f.clear(PG_dirty);
    if (!inode.is_shmem()) --sys.stat()[NodeStat::nr_file_dirty];
  }
  if (inode.is_shmem()) --sys.stat()[NodeStat::nr_shmem];
  --sys.stat()[NodeStat::nr_file_pages];
  f.mapping = nullptr;
  sys.put_page(pfn);
}
}  // namespace

void page_cache_evict(MemorySystem& sys, fs::Inode& inode, Pfn pfn, std::uint64_t shadow) {
  const std::uint64_t index = sys.frame(pfn).index;
  inode.pages.erase(index);
  if (shadow != 0) inode.shadows[index] = shadow;
  drop_cached(sys, inode, pfn);
}

void page_cache_remove_from(MemorySystem& sys, fs::Inode& inode, std::uint64_t from) {
  std::erase_if(inode.shadows, [from](const auto& e) { return e.first >= from; });
  for (auto it = inode.pages.begin(); it != inode.pages.end();) {
    if (it->first >= from) {
      drop_cached(sys, inode, it->second);
      it = inode.pages.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = inode.store.begin(); it != inode.store.end();) {
    it = it->first >= from ? inode.store.erase(it) : std::next(it);
  }
}

void page_cache_punch_hole(MemorySystem& sys, fs::Inode& inode, std::uint64_t first, std::uint64_t last) {
  std::erase_if(inode.shadows, [&](const auto& e) { return e.first >= first && e.first <= last; });
  for (auto it = inode.pages.begin(); it != inode.pages.end();) {
    if (it->first >= first && it->first <= last) {
      drop_cached(sys, inode, it->second);
      it = inode.pages.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = inode.store.begin(); it != inode.store.end();) {
    it = (it->first >= first && it->first <= last) ? inode.store.erase(it) : std::next(it);
  }
}

std::uint64_t page_cache_invalidate(MemorySystem& sys, fs::Inode& inode, std::uint64_t first, std::uint64_t last) {
  std::uint64_t dropped = 0;
  for (auto it = inode.pages.begin(); it != inode.pages.end();) {
    const Frame& f = sys.frame(it->second);
    if (it->first >= first && it->first <= last && f.mapcount == 0 && !f.test(PG_dirty) &&
        !inode.is_shmem()) {
      drop_cached(sys, inode, it->second);
      it = inode.pages.erase(it);
      ++dropped;
    } else {
      ++it;
    }
  }
  return dropped;
}

}  // namespace vmlab::mm
