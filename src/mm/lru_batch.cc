#include "mm/lru_batch.h"

#include <algorithm>

#include "mm/memory_system.h"
#include "mm/workingset.h"

namespace vmlab::mm {

namespace {

using obs::VmEvent;

// The move functions of mm/swap.c, each applied to a page taken off its list (PG_lru
// cleared) except lru_add's, whose pages were on none.

void lru_add(MemorySystem& sys, Pfn pfn) { sys.lruvec(pfn).add(pfn); }

void lru_move_tail(MemorySystem& sys, Pfn pfn) {
  Frame& f = sys.frame(pfn);
  if (f.test(PG_mlocked)) return;
  Lruvec& lru = sys.lruvec(pfn);
  lru.remove(pfn);
  f.clear(PG_active);
  lru.add_tail(pfn);
  ++sys.stat()[VmEvent::pgrotated];
}

void lru_deactivate_file(MemorySystem& sys, Pfn pfn) {
  Frame& f = sys.frame(pfn);
  if (f.mapcount > 0 || f.test(PG_mlocked)) return;
  const bool active = f.test(PG_active);
  Lruvec& lru = sys.lruvec(pfn);
  lru.remove(pfn);
  f.clear(PG_active);
  f.clear(PG_referenced);
  if (f.test(PG_writeback) || f.test(PG_dirty)) {
    // Reclaim takes it when its writeback ends.
    lru.add(pfn);
    f.set(PG_reclaim);
  } else {
    lru.add_tail(pfn);
    ++sys.stat()[VmEvent::pgrotated];
  }
  if (active) ++sys.stat()[VmEvent::pgdeactivate];
}

void lru_deactivate(MemorySystem& sys, Pfn pfn) {
  Frame& f = sys.frame(pfn);
  if (!f.test(PG_active) || f.test(PG_mlocked)) return;
  Lruvec& lru = sys.lruvec(pfn);
  lru.remove(pfn);
  f.clear(PG_active);
  f.clear(PG_referenced);
  lru.add(pfn);
  ++sys.stat()[VmEvent::pgdeactivate];
}

void lru_lazyfree(MemorySystem& sys, Pfn pfn) {
  Frame& f = sys.frame(pfn);
  if (!f.anon() || !f.test(PG_swapbacked) || f.test(PG_swapcache) || f.test(PG_mlocked)) return;
  Lruvec& lru = sys.lruvec(pfn);
  lru.remove(pfn);
  f.clear(PG_active);
  f.clear(PG_referenced);
  // Clean anonymous memory it may drop: no longer swap-backed, on the file list.
  f.clear(PG_swapbacked);
  f.set(PG_lazyfree);
  lru.add(pfn);
  ++sys.stat()[VmEvent::pglazyfree];
}

void lru_activate(MemorySystem& sys, Pfn pfn) {
  Frame& f = sys.frame(pfn);
  if (f.test(PG_active) || f.test(PG_mlocked)) return;
  Lruvec& lru = sys.lruvec(pfn);
  lru.remove(pfn);
  f.set(PG_active);
  lru.add(pfn);
  ++sys.stat()[VmEvent::pgactivate];
}

using MoveFn = void (*)(MemorySystem&, Pfn);

MoveFn move_fn(LruBatch b) {
  switch (b) {
    case LruBatch::add: return lru_add;
    case LruBatch::move_tail: return lru_move_tail;
    case LruBatch::deactivate_file: return lru_deactivate_file;
    case LruBatch::deactivate: return lru_deactivate;
    case LruBatch::lazyfree: return lru_lazyfree;
    case LruBatch::activate: return lru_activate;
    case LruBatch::count: break;
  }
  return nullptr;
}

// folio_batch_move_lru(): each page in the order it came; a page someone took off
// its list meanwhile is skipped (for every batch but lru_add's). Then the batch's
// references go, which frees a page nobody else holds.
void move_batch(MemorySystem& sys, std::vector<Pfn>& batch, LruBatch kind) {
  const MoveFn fn = move_fn(kind);
  std::vector<Pfn> pages;
  pages.swap(batch);
  for (Pfn pfn : pages) {
    const Frame& f = sys.frame(pfn);
    if (kind != LruBatch::add && !f.test(PG_lru)) continue;
    fn(sys, pfn);
  }
  for (Pfn pfn : pages) sys.put_page(pfn);
}

// folio_batch_add_and_move(): a reference for the batch; the 31st page applies it.
void batch_add(MemorySystem& sys, Pfn pfn, LruBatch kind) {
  std::vector<Pfn>& batch = sys.lru_batches().of(sys.mmu().current(), kind);
  sys.get_page(pfn);
  batch.push_back(pfn);
  if (batch.size() >= kFolioBatchSize) move_batch(sys, batch, kind);
}

void drain_cpu(MemorySystem& sys, unsigned cpu) {
  for (unsigned k = 0; k < static_cast<unsigned>(LruBatch::count); ++k) {
    std::vector<Pfn>& batch = sys.lru_batches().of(cpu, static_cast<LruBatch>(k));
    if (!batch.empty()) move_batch(sys, batch, static_cast<LruBatch>(k));
  }
}

}  // namespace

void folio_add_lru(MemorySystem& sys, Pfn pfn) { batch_add(sys, pfn, LruBatch::add); }

void folio_activate(MemorySystem& sys, Pfn pfn) {
  const Frame& f = sys.frame(pfn);
  if (!f.test(PG_lru) || f.test(PG_active) || f.test(PG_mlocked)) return;
  batch_add(sys, pfn, LruBatch::activate);
}

void folio_mark_accessed(MemorySystem& sys, Pfn pfn) {
  Frame& f = sys.frame(pfn);
  if (!f.test(PG_referenced)) {
    f.set(PG_referenced);
    return;
  }
  if (f.test(PG_mlocked) || f.test(PG_active)) return;
  if (f.test(PG_lru)) {
    folio_activate(sys, pfn);
  } else {
    // __lru_cache_activate_folio(): still in this CPU's lru_add batch, it goes to the
    // active list when the batch is applied (no pgactivate).
    const std::vector<Pfn>& adds = sys.lru_batches().of(sys.mmu().current(), LruBatch::add);
    if (std::find(adds.rbegin(), adds.rend(), pfn) != adds.rend()) f.set(PG_active);
  }
  f.clear(PG_referenced);
  workingset_activation(sys, pfn);
}

void folio_deactivate(MemorySystem& sys, Pfn pfn) {
  const Frame& f = sys.frame(pfn);
  if (!f.test(PG_lru) || f.test(PG_mlocked) || !f.test(PG_active)) return;
  batch_add(sys, pfn, LruBatch::deactivate);
}

void deactivate_file_folio(MemorySystem& sys, Pfn pfn) {
  if (sys.frame(pfn).test(PG_mlocked)) return;
  batch_add(sys, pfn, LruBatch::deactivate_file);
}

void folio_mark_lazyfree(MemorySystem& sys, Pfn pfn) {
  const Frame& f = sys.frame(pfn);
  if (!f.test(PG_lru) || !f.anon() || !f.test(PG_swapbacked) || f.test(PG_swapcache) || f.test(PG_mlocked)) return;
  batch_add(sys, pfn, LruBatch::lazyfree);
}

void folio_rotate_reclaimable(MemorySystem& sys, Pfn pfn) {
  const Frame& f = sys.frame(pfn);
  if (!f.test(PG_lru) || f.test(PG_locked) || f.test(PG_dirty) || f.test(PG_mlocked)) return;
  batch_add(sys, pfn, LruBatch::move_tail);
}

void lru_add_drain(MemorySystem& sys) { drain_cpu(sys, sys.mmu().current()); }

void lru_add_drain_all(MemorySystem& sys) {
  for (unsigned cpu = 0; cpu < sys.lru_batches().cpus(); ++cpu) drain_cpu(sys, cpu);
}

}  // namespace vmlab::mm
