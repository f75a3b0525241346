// Page-table maintenance for an address space (mm/memory.c, mm/pgtable-generic.c):
// finding and allocating the entries of the 4-level x86-64 tables, visiting the
// present entries of a range, and freeing tables no VMA needs any more.
#pragma once

#include <cstdint>

#include "hw/pte.h"
#include "mm/address_space.h"
#include "vmlab/units.h"

namespace vmlab::mm {

class MemorySystem;

// The leaf entry for `va`, or null when an upper level is missing.
hw::Pte* pte_lookup(AddressSpace& mm, VirtAddr va);
// The leaf entry for `va`, allocating missing tables; null when memory is exhausted.
hw::Pte* pte_alloc(AddressSpace& mm, VirtAddr va);

// Calls fn(va, pte) for every non-empty leaf entry in [start, end), skipping missing
// tables without visiting their range.
template <class Fn>
void for_each_pte(AddressSpace& mm, VirtAddr start, VirtAddr end, Fn&& fn);
// Calls fn(va, ptes, n) for every leaf table present over [start, end): ptes[0] is
// the entry for `va`, and the n entries from it are in the range (empty ones too).
// For loops that work a table at a time (fork's copy).
template <class Fn>
void for_each_pte_table(AddressSpace& mm, VirtAddr start, VirtAddr end, Fn&& fn);

// free_pgtables(): after [start, end) was unmapped, frees the tables whose whole span
// lies between `floor` (end of the previous VMA, or 0) and `ceiling` (start of the
// next VMA, or 0 for the top of the address space).
void free_pgtables(AddressSpace& mm, VirtAddr start, VirtAddr end, VirtAddr floor, VirtAddr ceiling);
// Frees every table, the PGD included (exit_mmap).
void free_all_pgtables(AddressSpace& mm);

// Implementation detail of for_each_pte and for_each_pte_table.
hw::Pte* table_of(AddressSpace& mm, Pfn pfn);

template <class Fn>
void for_each_pte(AddressSpace& mm, VirtAddr start, VirtAddr end, Fn&& fn) {
  for_each_pte_table(mm, start, end, [&fn](VirtAddr va, hw::Pte* ptes, std::uint64_t n) {
    for (std::uint64_t i = 0; i < n; ++i, va += kPageSize) {
      if (!hw::pte_none(ptes[i])) fn(va, ptes[i]);
    }
  });
}

template <class Fn>
void for_each_pte_table(AddressSpace& mm, VirtAddr start, VirtAddr end, Fn&& fn) {
  VirtAddr va = start;
  while (va < end) {
    // Descend to the leaf table covering va; skip a whole missing span at once.
    hw::Pte* table = table_of(mm, mm.pgd);
    unsigned level = 0;
    for (; level < 3; ++level) {
      hw::Pte e = table[hw::table_index(va, level)];
      if (!hw::pte_present(e)) break;
      table = table_of(mm, hw::pte_pfn(e));
    }
    if (level < 3) {
      const std::uint64_t span = hw::level_span(level);
      const VirtAddr next = (va & ~(span - 1)) + span;
      if (next <= va) return;  // wrapped past the top
      va = next;
      continue;
    }
    const VirtAddr table_end = (va & ~(hw::level_span(2) - 1)) + hw::level_span(2);
    const VirtAddr stop = end < table_end ? end : table_end;
    const std::uint64_t n = (stop - va + kPageSize - 1) >> kPageShift;
    fn(va, &table[hw::table_index(va, 3)], n);
    va += n << kPageShift;
  }
}

}  // namespace vmlab::mm
