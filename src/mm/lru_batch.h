// How pages reach and move between the LRU lists (mm/swap.c): through small per-CPU
// batches that are applied to the lists together (struct cpu_fbatches). A page in a
// batch holds a reference and is not on any list yet: reclaim cannot see it and the
// LRU sizes do not count it, while RSS and the memory cgroup already do. A batch is
// applied when its 31st page arrives, or when lru_add_drain() runs on its CPU.
//
// folio_mark_accessed() is the classic two-step promotion: a page touched once is
// marked referenced, touched again it is activated.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "vmlab/units.h"

namespace vmlab::mm {

class MemorySystem;

inline constexpr unsigned kFolioBatchSize = 31;  // PAGEVEC_SIZE

// The batches of one CPU, in lru_add_drain_cpu()'s order.
enum class LruBatch : std::uint8_t { add, move_tail, deactivate_file, deactivate, lazyfree, activate, count };

class LruBatches {
 public:
  explicit LruBatches(unsigned cpus) : cpus_(cpus) {}
  std::vector<Pfn>& of(unsigned cpu, LruBatch b) { return cpus_[cpu][static_cast<unsigned>(b)]; }
  const std::vector<Pfn>& of(unsigned cpu, LruBatch b) const { return cpus_[cpu][static_cast<unsigned>(b)]; }
  unsigned cpus() const { return static_cast<unsigned>(cpus_.size()); }

 private:
  std::vector<std::array<std::vector<Pfn>, static_cast<unsigned>(LruBatch::count)>> cpus_;
};

// folio_add_lru(): a new page, to the current CPU's lru_add batch (the inactive list
// of its kind when applied, the active one if it was activated meanwhile).
void folio_add_lru(MemorySystem& sys, Pfn pfn);
// folio_mark_accessed(): referenced, then activated (pgactivate when applied).
void folio_mark_accessed(MemorySystem& sys, Pfn pfn);
// folio_activate(): an inactive page on a list, to the active list.
void folio_activate(MemorySystem& sys, Pfn pfn);
// folio_deactivate() (MADV_COLD): an active page to the inactive list (pgdeactivate).
void folio_deactivate(MemorySystem& sys, Pfn pfn);
// deactivate_file_folio(): an unmapped page-cache page invalidation could not drop,
// to the inactive tail if clean (pgrotated), else to its head with PG_reclaim.
void deactivate_file_folio(MemorySystem& sys, Pfn pfn);
// folio_mark_lazyfree() (MADV_FREE): an anonymous page off the swap-backed lists, to
// the inactive file list (pglazyfree).
void folio_mark_lazyfree(MemorySystem& sys, Pfn pfn);
// folio_rotate_reclaimable(): a page whose reclaim write ended, to the inactive tail
// (pgrotated).
void folio_rotate_reclaimable(MemorySystem& sys, Pfn pfn);

// lru_add_drain(): applies the current CPU's batches; lru_add_drain_all(): every CPU's.
void lru_add_drain(MemorySystem& sys);
void lru_add_drain_all(MemorySystem& sys);

}  // namespace vmlab::mm
