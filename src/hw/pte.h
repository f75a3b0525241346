// The x86-64 page-table entry format (arch/x86/include/asm/pgtable_types.h): the bits
// the walker and the kernel read and write. Page-table pages hold 512 of these.
#pragma once

#include <cstdint>

#include "vmlab/units.h"

namespace vmlab::hw {

using Pte = std::uint64_t;

inline constexpr Pte kPtePresent = 1ULL << 0;
inline constexpr Pte kPteWrite = 1ULL << 1;
inline constexpr Pte kPteUser = 1ULL << 2;
inline constexpr Pte kPtePwt = 1ULL << 3;
inline constexpr Pte kPtePcd = 1ULL << 4;
inline constexpr Pte kPteAccessed = 1ULL << 5;
inline constexpr Pte kPteDirty = 1ULL << 6;
inline constexpr Pte kPteHuge = 1ULL << 7;     // PS in a PMD/PUD entry
inline constexpr Pte kPteGlobal = 1ULL << 8;
// PROT_NONE: not present to the hardware, still mapped for the kernel (Linux reuses
// the global bit as _PAGE_PROTNONE in user entries).
inline constexpr Pte kPteProtNone = 1ULL << 8;
inline constexpr Pte kPteSpecial = 1ULL << 9;  // software: no struct page behind it (zero page)
inline constexpr Pte kPteNoExec = 1ULL << 63;
inline constexpr Pte kPtePfnMask = 0x000ffffffffff000ULL;

// Entries of upper levels pointing at a lower table: Linux's _PAGE_TABLE.
inline constexpr Pte kPteTable = kPtePresent | kPteWrite | kPteUser | kPteAccessed | kPteDirty;

inline constexpr unsigned kPtesPerTable = 512;
inline constexpr unsigned kLevels = 4;  // PGD, PUD, PMD, PTE

// pte_present(): mapped, as the kernel sees it (PROT_NONE entries included). The
// hardware walker tests kPtePresent alone.
constexpr bool pte_present(Pte p) { return p & (kPtePresent | kPteProtNone); }
constexpr bool pte_write(Pte p) { return p & kPteWrite; }
constexpr bool pte_dirty(Pte p) { return p & kPteDirty; }
constexpr bool pte_young(Pte p) { return p & kPteAccessed; }
constexpr bool pte_special(Pte p) { return p & kPteSpecial; }
constexpr bool pte_none(Pte p) { return p == 0; }
constexpr Pfn pte_pfn(Pte p) { return static_cast<Pfn>((p & kPtePfnMask) >> kPageShift); }
constexpr Pte pfn_pte(Pfn pfn, Pte bits) { return (std::uint64_t{pfn} << kPageShift) | bits; }

// Index of `va` in the table at `level` (0 = PGD bits 47:39 ... 3 = PTE bits 20:12).
constexpr unsigned table_index(VirtAddr va, unsigned level) {
  return static_cast<unsigned>((va >> (39 - 9 * level)) & 511);
}
// Bytes one entry of `level` covers: 512 GiB, 1 GiB, 2 MiB, 4 KiB.
constexpr std::uint64_t level_span(unsigned level) { return 1ULL << (39 - 9 * level); }

}  // namespace vmlab::hw
