// The zones of a node (include/linux/mmzone.h enum zone_type, x86-64): which physical
// memory an allocation may use. ZONE_DMA is the first 16 MiB, ZONE_DMA32 the rest of
// the first 4 GiB, ZONE_NORMAL what lies above; ZONE_MOVABLE and ZONE_DEVICE exist in
// the numbering but hold no memory unless configured (they are empty here).
#pragma once

#include <cstdint>
#include <string_view>

namespace vmlab::mm {

enum class ZoneIdx : std::uint8_t { dma, dma32, normal, movable, device, count };
inline constexpr unsigned kZones = static_cast<unsigned>(ZoneIdx::count);

constexpr std::string_view zone_name(ZoneIdx z) {
  switch (z) {
    case ZoneIdx::dma: return "DMA";
    case ZoneIdx::dma32: return "DMA32";
    case ZoneIdx::normal: return "Normal";
    case ZoneIdx::movable: return "Movable";
    case ZoneIdx::device: return "Device";
    case ZoneIdx::count: break;
  }
  return "?";
}

// What an allocation is for, standing for its gfp mask: a zeroed anonymous page
// (GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP), a page-cache or swap-cache page
// (GFP_HIGHUSER_MOVABLE), or the kernel's own (GFP_KERNEL_ACCOUNT: page tables).
enum class Gfp : std::uint8_t { user, user_cache, kernel };
// gfp_zone(): the highest zone an allocation may use. User pages may use ZONE_MOVABLE;
// the kernel's own allocations stop at ZONE_NORMAL.
constexpr ZoneIdx gfp_zone(Gfp g) { return g == Gfp::kernel ? ZoneIdx::normal : ZoneIdx::movable; }

}  // namespace vmlab::mm
