#include "mm/swap_readahead.h"

#include <algorithm>

#include "mm/address_space.h"
#include "mm/lru_batch.h"
#include "mm/memory_system.h"
#include "mm/page_io.h"
#include "mm/page_table.h"
#include "mm/swap_state.h"
#include "mm/vma.h"
#include "mm/workingset.h"

namespace vmlab::mm {

using obs::VmEvent;

namespace {

// A VMA's swap_readahead_info: the last fault address, its window and hits, packed
// as Linux packs them (hits in bits 0-5, the window in bits 6-11, the page address
// above); 0 reads as 4 hits.
constexpr unsigned kRaWinShift = kPageShift / 2;
constexpr std::uint64_t kRaHitsMask = (1ULL << kRaWinShift) - 1;
constexpr std::uint64_t kRaWinMask = (kPageSize - 1) & ~kRaHitsMask;
constexpr unsigned kRaOrderCeiling = 5;  // SWAP_RA_ORDER_CEILING
std::uint64_t ra_val(const Vma& vma) { return vma.swap_readahead_info ? vma.swap_readahead_info : 4; }
std::uint64_t ra_hits(std::uint64_t v) { return v & kRaHitsMask; }
std::uint64_t ra_win(std::uint64_t v) { return (v & kRaWinMask) >> kRaWinShift; }
VirtAddr ra_addr(std::uint64_t v) { return v & ~(kPageSize - 1); }
std::uint64_t ra_pack(VirtAddr addr, std::uint64_t win, std::uint64_t hits) {
  return (addr & ~(kPageSize - 1)) | ((win << kRaWinShift) & kRaWinMask) | (hits & kRaHitsMask);
}

// __swapin_nr_pages(): two pages if the last fault was next door, else one; after
// hits, the hits plus two rounded up to a power of two (at least 4); never more than
// `max`, never less than half the previous window.
std::uint64_t nr_pages(std::uint64_t prev_offset, std::uint64_t offset, std::uint64_t hits, std::uint64_t max,
                       std::uint64_t prev_win) {
  std::uint64_t pages = hits + 2;
  if (pages == 2) {
    if (offset != prev_offset + 1 && offset != prev_offset - 1) pages = 1;
  } else {
    std::uint64_t roundup = 4;
    while (roundup < pages) roundup <<= 1;
    pages = roundup;
  }
  pages = std::min(pages, max);
  return std::max(pages, prev_win / 2);
}

// The pages one readahead call read in, read as one request (the block plug merges
// them); the faulting page among them is not marked PG_readahead.
struct Batch {
  std::vector<Pfn> to_read;
  void take(MemorySystem& sys, const SwapIn& got, bool target) {
    if (got.pfn == kNoPfn) return;
    if (got.read) {
      to_read.push_back(got.pfn);
      if (!target) {
        sys.frame(got.pfn).set(PG_readahead);
        ++sys.stat()[VmEvent::swap_ra];
      }
    }
    sys.put_page(got.pfn);  // the swap cache holds it now
  }
  void submit(MemorySystem& sys) {
    if (!to_read.empty()) (void)swap_read_folios(sys, to_read);  // nobody waits for read-ahead pages
    lru_add_drain(sys);  // push the new pages onto the LRU now
  }
};

// swap_cluster_readahead().
void cluster_readahead(MemorySystem& sys, hw::SwapEntry e, const AddressSpace& mm) {
  SwapReadaheadState& ra = sys.swap_readahead();
  const std::uint64_t max = 1ULL << sys.page_cluster();
  if (max <= 1) return;
  // swapin_nr_pages(): the global hit count is used up.
  const std::uint64_t hits = ra.hits;
  ra.hits = 0;
  const std::uint64_t pages = nr_pages(ra.prev_offset, e.offset, hits, max, ra.prev_win);
  if (hits == 0) ra.prev_offset = e.offset;
  ra.prev_win = pages;
  const std::uint64_t mask = pages - 1;
  if (mask == 0) return;
  const SwapArea& area = sys.swap().area(e);
  std::uint64_t start = e.offset & ~mask;
  const std::uint64_t end = std::min(e.offset | mask, area.max_pages() - 1);
  if (start == 0) start = 1;  // slot 0 is the header
  Batch batch;
  for (std::uint64_t off = start; off <= end; ++off) {
    batch.take(sys, read_swap_cache_async(sys, {e.type, off}, mm), off == e.offset);
  }
  batch.submit(sys);
}

// swap_vma_readahead() over swap_vma_ra_win(): the window is placed after the fault
// when the faults go up, before it when they go down, else around it; it stays inside
// the VMA and the 2 MiB the faulting page table covers.
void vma_readahead(MemorySystem& sys, Vma& vma, VirtAddr faddr) {
  AddressSpace& mm = *vma.mm;
  const std::uint64_t max_win = 1ULL << std::min(sys.page_cluster(), kRaOrderCeiling);
  if (max_win == 1) return;
  const std::uint64_t val = ra_val(vma);
  const VirtAddr prev = ra_addr(val);
  const std::uint64_t win = nr_pages(prev >> kPageShift, faddr >> kPageShift, ra_hits(val), max_win, ra_win(val));
  vma.swap_readahead_info = ra_pack(faddr, win, 0);
  if (win == 1) return;
  VirtAddr left;
  if (faddr == prev + kPageSize) left = faddr;
  else if (prev == faddr + kPageSize) left = faddr - (win << kPageShift) + kPageSize;
  else left = faddr - (((win - 1) / 2) << kPageShift);
  if (static_cast<std::int64_t>(left) < 0) left = 0;
  const VirtAddr right = left + (win << kPageShift);
  const VirtAddr pmd = faddr & ~(hw::level_span(2) - 1);
  const VirtAddr start = std::max({left, vma.start, pmd});
  const VirtAddr end = std::min({right, vma.end, pmd + hw::level_span(2)});
  Batch batch;
  for (VirtAddr addr = start; addr < end; addr += kPageSize) {
    const hw::Pte* pte = pte_lookup(mm, addr);
    if (pte == nullptr || !hw::is_swap_pte(*pte)) continue;
    const hw::SwapEntry e = hw::pte_swap_entry(*pte);
    if (sys.swap().area(e.type) == nullptr) continue;
    batch.take(sys, read_swap_cache_async(sys, e, mm), addr == faddr);
  }
  batch.submit(sys);
}

}  // namespace

SwapIn read_swap_cache_async(MemorySystem& sys, hw::SwapEntry e, const AddressSpace& mm) {
  if (Pfn cached = swap_cache_get(sys, e); cached != kNoPfn) {
    sys.get_page(cached);
    return {cached, false};
  }
  SwapArea* area = sys.swap().area(e.type);
  // swapcache_prepare(): only a slot in use may be read.
  if (area == nullptr || e.offset >= area->max_pages() || area->count(e.offset) == 0) return {};
  const Pfn pfn = sys.alloc_page(Gfp::user_cache);
  if (pfn == kNoPfn) return {};
  // The allocation may have reclaimed or killed: the slot may have gone meanwhile (its
  // owner was the OOM killer's victim).
  if (area->count(e.offset) == 0 || swap_cache_get(sys, e) != kNoPfn) {
    sys.put_page(pfn);
    return read_swap_cache_async(sys, e, mm);
  }
  Frame& f = sys.frame(pfn);
  f.flags = PG_swapbacked | PG_locked;
  // mem_cgroup_swapin_charge_folio(): the group the slot was charged to, if any.
  f.memcg = area->swap_cgroup[e.offset] != 0 ? area->swap_cgroup[e.offset] : mm.memcg;
  area->set_cache(e.offset);
  swap_cache_add(sys, pfn, e);
  if (auto shadow = area->shadows.find(e.offset); shadow != area->shadows.end()) {
    const std::uint64_t packed = shadow->second;
    area->shadows.erase(shadow);
    workingset_refault(sys, pfn, packed);
  }
  folio_add_lru(sys, pfn);
  return {pfn, true};
}

SwapIn swapin_readahead(MemorySystem& sys, hw::SwapEntry e, Vma& vma, VirtAddr addr) {
  // swap_use_vma_readahead(): only while no rotational area is on.
  if (sys.swap().any_rotational()) cluster_readahead(sys, e, *vma.mm);
  else vma_readahead(sys, vma, addr);
  SwapIn got = read_swap_cache_async(sys, e, *vma.mm);
  if (got.read) (void)swap_read_folios(sys, {got.pfn});  // the fault waits on its page
  return got;
}

void swap_update_readahead(MemorySystem& sys, Pfn pfn, Vma& vma, VirtAddr addr) {
  Frame& f = sys.frame(pfn);
  const bool readahead = f.test(PG_readahead);
  f.clear(PG_readahead);
  const bool vma_ra = !sys.swap().any_rotational();
  if (vma_ra) {
    const std::uint64_t val = ra_val(vma);
    std::uint64_t hits = ra_hits(val);
    if (readahead) hits = std::min(hits + 1, kRaHitsMask);
    vma.swap_readahead_info = ra_pack(addr, ra_win(val), hits);
  }
  if (readahead) {
    ++sys.stat()[VmEvent::swap_ra_hit];
    if (!vma_ra) ++sys.swap_readahead().hits;
  }
}

}  // namespace vmlab::mm
