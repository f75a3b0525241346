// Swap entries in x86-64 page-table entries (arch/x86/include/asm/pgtable_64.h): a PTE
// that is neither present nor PROT_NONE but not empty names a slot of a swap area.
// The type (which area) is in bits 59-63; the offset (which slot) is stored inverted
// in bits 9-58, so that a small offset gives a PTE with high bits set (the L1TF
// mitigation). Bit 3 remembers that the page was exclusive to this mapping
// (_PAGE_SWP_EXCLUSIVE), bit 1 soft-dirty and bit 2 uffd-wp.
#pragma once

#include <cstdint>

#include "hw/pte.h"

namespace vmlab::hw {

// swp_entry_t: the architecture-independent form, type << 58 | offset.
struct SwapEntry {
  unsigned type = 0;
  std::uint64_t offset = 0;
  auto operator<=>(const SwapEntry&) const = default;
};

inline constexpr unsigned kSwapTypeBits = 5;
inline constexpr unsigned kSwapTypeShift = 64 - kSwapTypeBits;  // bit 59
inline constexpr unsigned kSwapOffsetFirstBit = 9;
inline constexpr unsigned kSwapOffsetBits = kSwapTypeShift - kSwapOffsetFirstBit;  // 50
inline constexpr Pte kPteSwpExclusive = 1ULL << 3;   // _PAGE_SWP_EXCLUSIVE (_PAGE_PWT)
inline constexpr Pte kPteSwpSoftDirty = 1ULL << 1;   // _PAGE_SWP_SOFT_DIRTY (_PAGE_RW)
inline constexpr Pte kPteSwpUffdWp = 1ULL << 2;      // _PAGE_SWP_UFFD_WP (_PAGE_USER)

// is_swap_pte(): not empty, not present to the kernel.
constexpr bool is_swap_pte(Pte p) { return !pte_none(p) && !pte_present(p); }

// __swp_entry() and __swp_entry_to_pte().
constexpr Pte swap_pte(SwapEntry e, bool exclusive) {
  const std::uint64_t inverted = (~e.offset << (64 - kSwapOffsetBits)) >> (64 - kSwapOffsetBits - kSwapOffsetFirstBit);
  return inverted | (std::uint64_t{e.type} << kSwapTypeShift) | (exclusive ? kPteSwpExclusive : 0);
}

// __pte_to_swp_entry() and __swp_type()/__swp_offset().
constexpr SwapEntry pte_swap_entry(Pte p) {
  const std::uint64_t offset = (~p << kSwapTypeBits) >> (kSwapTypeBits + kSwapOffsetFirstBit);
  return SwapEntry{static_cast<unsigned>(p >> kSwapTypeShift), offset};
}

constexpr bool pte_swp_exclusive(Pte p) { return p & kPteSwpExclusive; }

static_assert(swap_pte(SwapEntry{0, 1}, false) == 0x07fffffffffffc00ULL, "type 0, offset 1, as x86-64 encodes it");
static_assert(swap_pte(SwapEntry{1, 1}, false) == 0x0ffffffffffffc00ULL, "type 1, offset 1");
static_assert(pte_swap_entry(swap_pte(SwapEntry{3, 12345}, true)) == SwapEntry{3, 12345});
static_assert(is_swap_pte(swap_pte(SwapEntry{0, 1}, false)), "a swap PTE is neither present nor PROT_NONE");

}  // namespace vmlab::hw
