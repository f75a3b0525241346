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

// gfp_zone(): the highest zone an allocation may use. User pages (GFP_HIGHUSER_MOVABLE)
// may use ZONE_MOVABLE; the kernel's own allocations (GFP_KERNEL: page tables) stop at
// ZONE_NORMAL.
enum class Gfp : std::uint8_t { user, kernel };
constexpr ZoneIdx gfp_zone(Gfp g) { return g == Gfp::user ? ZoneIdx::movable : ZoneIdx::normal; }

}  // namespace vmlab::mm
