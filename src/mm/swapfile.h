// Swap areas switched on and off (mm/swapfile.c): the header mkswap writes on page 0,
// its checks at swapon (read_swap_header()), making an area live (enable_swap_info()),
// swapoff's try_to_unuse() that brings every page of an area back into memory, and
// /proc/swaps.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "mm/swap_area.h"
#include "vmlab/result.h"

namespace vmlab::mm {

class AddressSpace;
class MemorySystem;

// What swapon() reads from page 0 (union swap_header, version 1).
struct SwapHeader {
  std::uint64_t last_page = 0;    // the last page of the area (pages - 1)
  std::uint32_t nr_badpages = 0;
};

inline constexpr std::uint64_t kSwapMagicOffset = kPageSize - 10;  // "SWAPSPACE2"
inline constexpr std::uint32_t kSwapFlagPrefer = 0x8000;            // SWAP_FLAG_PREFER
inline constexpr std::uint32_t kSwapFlagPrioMask = 0x7fff;
inline constexpr std::uint32_t kSwapFlagDiscard = 0x10000;
inline constexpr std::uint32_t kSwapFlagDiscardOnce = 0x20000;
inline constexpr std::uint32_t kSwapFlagDiscardPages = 0x40000;
inline constexpr std::uint32_t kSwapFlagsValid =
    kSwapFlagPrefer | kSwapFlagPrioMask | kSwapFlagDiscard | kSwapFlagDiscardOnce | kSwapFlagDiscardPages;

// mkswap (util-linux): version 1, last_page = pages - 1, no bad pages, the magic.
void write_swap_header(std::uint8_t* page, std::uint64_t pages);
// read_swap_header(): EINVAL unless page 0 holds the magic and a version-1 header
// whose area fits in a file of `file_pages` pages with no bad pages (a swap file may
// not have any).
Result<SwapHeader> read_swap_header(const std::uint8_t* page, std::uint64_t file_pages);

// enable_swap_info(): the area goes live with priority `prio`, or the next default
// one (-2, -3, ...) when `prio` is negative.
SwapArea& swap_enable(MemorySystem& sys, SwapArea::Options o, int prio);

// try_to_unuse(): every page of area `type` back in memory, mapped where the address
// spaces `mms` named its slots, and out of the swap cache, so that the area can go.
// ENOMEM when memory runs out first (the area stays, as swapoff leaves it).
Result<void> try_to_unuse(MemorySystem& sys, unsigned type, std::span<AddressSpace* const> mms);

// swap_show(): /proc/swaps.
std::string proc_swaps_text(const MemorySystem& sys);

}  // namespace vmlab::mm
