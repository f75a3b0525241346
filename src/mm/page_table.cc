#include "mm/page_table.h"

#include "mm/address_space.h"
#include "mm/memory_system.h"

namespace vmlab::mm {

using hw::Pte;

hw::Pte* table_of(AddressSpace& mm, Pfn pfn) {
  return reinterpret_cast<Pte*>(mm.sys().mem().frame(pfn));
}

Pte* pte_lookup(AddressSpace& mm, VirtAddr va) {
  Pte* table = table_of(mm, mm.pgd);
  for (unsigned level = 0; level < 3; ++level) {
    Pte e = table[hw::table_index(va, level)];
    if (!hw::pte_present(e)) return nullptr;
    table = table_of(mm, hw::pte_pfn(e));
  }
  return &table[hw::table_index(va, 3)];
}

Pte* pte_alloc(AddressSpace& mm, VirtAddr va) {
  Pte* table = table_of(mm, mm.pgd);
  for (unsigned level = 0; level < 3; ++level) {
    Pte& e = table[hw::table_index(va, level)];
    if (!hw::pte_present(e)) {
      // __pud_alloc(), __pmd_alloc(), __pte_alloc(): each table is a frame, charged
      // to the address space's VmPTE.
      Pfn pfn = mm.sys().alloc_table_page();
      if (pfn == kNoPfn) return nullptr;
      mm.pgtables_bytes += kPageSize;
      e = hw::pfn_pte(pfn, hw::kPteTable);
    }
    table = table_of(mm, hw::pte_pfn(e));
  }
  return &table[hw::table_index(va, 3)];
}

namespace {

// Frees the table an entry of `level` points to, and every table below it.
void free_subtree(AddressSpace& mm, Pte& entry, unsigned level) {
  const Pfn pfn = hw::pte_pfn(entry);
  if (level + 1 < 3) {
    Pte* child = table_of(mm, pfn);
    for (unsigned i = 0; i < hw::kPtesPerTable; ++i) {
      if (hw::pte_present(child[i])) free_subtree(mm, child[i], level + 1);
    }
  }
  entry = 0;
  mm.pgtables_bytes -= kPageSize;
  mm.sys().free_table_page(pfn);
}

// True when [a, a + span) lies within [floor, ceiling); ceiling 0 is the top.
bool span_free(VirtAddr a, std::uint64_t span, VirtAddr floor, VirtAddr ceiling) {
  if (a < floor) return false;
  return ceiling == 0 || a + span <= ceiling;
}

void free_level(AddressSpace& mm, Pte* table, unsigned level, VirtAddr base, VirtAddr start,
                VirtAddr end, VirtAddr floor, VirtAddr ceiling) {
  const std::uint64_t span = hw::level_span(level);
  for (VirtAddr a = base + ((start - base) & ~(span - 1)); a < end; a += span) {
    Pte& e = table[hw::table_index(a, level)];
    if (!hw::pte_present(e)) continue;
    if (span_free(a, span, floor, ceiling)) {
      free_subtree(mm, e, level);
    } else if (level + 1 < 3) {
      const VirtAddr lo = a > start ? a : start;
      const VirtAddr hi = a + span < end ? a + span : end;
      free_level(mm, table_of(mm, hw::pte_pfn(e)), level + 1, a, lo, hi, floor, ceiling);
    }
    if (a + span < a) break;
  }
}

}  // namespace

void free_pgtables(AddressSpace& mm, VirtAddr start, VirtAddr end, VirtAddr floor, VirtAddr ceiling) {
  if (start >= end) return;
  free_level(mm, table_of(mm, mm.pgd), 0, 0, start, end, floor, ceiling);
}

void free_all_pgtables(AddressSpace& mm) {
  if (mm.pgd == kNoPfn) return;
  Pte* pgd = table_of(mm, mm.pgd);
  for (unsigned i = 0; i < hw::kPtesPerTable; ++i) {
    if (hw::pte_present(pgd[i])) free_subtree(mm, pgd[i], 0);
  }
  mm.sys().free_table_page(mm.pgd);
  mm.pgd = kNoPfn;
}

}  // namespace vmlab::mm
