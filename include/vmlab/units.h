// Sizes and address arithmetic shared by every layer.
#pragma once

#include <cstdint>

namespace vmlab {

using Pfn = std::uint32_t;    // physical frame number: physical address >> 12
using VirtAddr = std::uint64_t;

inline constexpr unsigned kPageShift = 12;
inline constexpr std::uint64_t kPageSize = std::uint64_t{1} << kPageShift;
inline constexpr std::uint64_t kPageMask = ~(kPageSize - 1);
inline constexpr Pfn kNoPfn = ~Pfn{0};

inline constexpr std::uint64_t KiB = 1024;
inline constexpr std::uint64_t MiB = 1024 * KiB;
inline constexpr std::uint64_t GiB = 1024 * MiB;

constexpr std::uint64_t page_align_down(std::uint64_t a) { return a & kPageMask; }
constexpr std::uint64_t page_align_up(std::uint64_t a) { return (a + kPageSize - 1) & kPageMask; }
constexpr bool page_aligned(std::uint64_t a) { return (a & (kPageSize - 1)) == 0; }
constexpr std::uint64_t pages_to_kb(std::uint64_t pages) { return pages << (kPageShift - 10); }

}  // namespace vmlab
